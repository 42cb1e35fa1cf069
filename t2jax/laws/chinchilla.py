r"""The Chinchilla loss surface and its compute-optimal allocation.

.. math::  L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}

Minimising :math:`L` subject to :math:`C = 6ND` gives (Hoffmann et al. 2022, App. D)

.. math::  N^*(C) = G\,(C/6)^{a}, \quad D^*(C) = G^{-1} (C/6)^{b}, \quad
           a = \frac{\beta}{\alpha+\beta},\; b = \frac{\alpha}{\alpha+\beta},\;
           G = \Big(\frac{\alpha A}{\beta B}\Big)^{1/(\alpha+\beta)}.
"""

from __future__ import annotations

import jax.numpy as jnp



def chinchilla_loss(params, N, D):
    """``E + A N^-alpha + B D^-beta``; ``params`` is a mapping with keys E, A, B, alpha, beta."""
    return params["E"] + params["A"] * N ** (-params["alpha"]) + params["B"] * D ** (-params["beta"])


#: The surface's parameters: coefficients (E first), then exponents.
SURFACE_COEFFICIENTS, SURFACE_EXPONENTS = ("E", "A", "B"), ("alpha", "beta")
SURFACE = SURFACE_COEFFICIENTS + SURFACE_EXPONENTS


def compute_optimal(params, C):
    """Closed-form ``(N*(C), D*(C))`` minimising the law on the budget ``6 N D = C``."""
    alpha, beta = params["alpha"], params["beta"]
    G = (alpha * params["A"] / (beta * params["B"])) ** (1.0 / (alpha + beta))
    C6 = jnp.asarray(C) / 6.0
    return G * C6 ** (beta / (alpha + beta)), C6 ** (alpha / (alpha + beta)) / G


def optimal_exponents(params):
    """The exponents ``(a, b)`` of ``N* ~ C^a`` and ``D* ~ C^b`` implied by the law."""
    alpha, beta = params["alpha"], params["beta"]
    return beta / (alpha + beta), alpha / (alpha + beta)
