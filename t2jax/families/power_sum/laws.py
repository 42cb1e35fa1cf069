r"""The additive power laws t2jax registers: the Chinchilla loss surface and T²
Approach 1.

.. math:: L(N, D) = E + \frac{A}{N^\alpha} + \frac{B}{D^\beta}, \qquad
          L(N, D, k) = E + \frac{A}{N^\alpha} + \frac{B}{D^\beta} + \frac{G}{k^\gamma}

Approach 1 (Roberts et al. 2026) extends the surface to the task loss
:math:`-\log \mathrm{pass}@k`; both are linear in their coefficients for fixed
exponents, which the VarPro engine exploits (a 3-D exponent grid for Approach 1).
"""

from __future__ import annotations

import jax.numpy as jnp

from t2jax.laws.chinchilla import SURFACE_COEFFICIENTS, SURFACE_EXPONENTS, chinchilla_loss
from t2jax.laws.law import power_sum_law

CHINCHILLA = power_sum_law(
    "chinchilla", ("N", "D"), SURFACE_COEFFICIENTS, SURFACE_EXPONENTS, chinchilla_loss,
    methods=("approach3", "varpro", "isoflop"),
    description="Chinchilla loss surface E + A/N^alpha + B/D^beta (training runs)",
)


def t2_loss(params, N, D, k):
    """Approach 1 task loss ``E + A/N^alpha + B/D^beta + G/k^gamma``."""
    return chinchilla_loss(params, N, D) + params["G"] * jnp.asarray(k, jnp.result_type(float)) ** (-params["gamma"])


def t2_loss_log_miss(params, N, D, k):
    """Approach 1 ``log(1 - pass@k) = log(1 - exp(-L))``."""
    return jnp.log(-jnp.expm1(-t2_loss(params, N, D, k)))


T2_LOSS = power_sum_law(
    "t2-loss", ("N", "D", "k"), SURFACE_COEFFICIENTS + ("G",), SURFACE_EXPONENTS + ("gamma",), t2_loss,
    lambda p, N, D, k: jnp.exp(-t2_loss(p, N, D, k)), log_miss=t2_loss_log_miss,
    methods=("varpro", "approach3"), data="samples",
    description="T² Approach 1: task loss E + A/N^alpha + B/D^beta + G/k^gamma",
)
