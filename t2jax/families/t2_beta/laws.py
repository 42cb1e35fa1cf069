r"""T² Approach 2 (Roberts et al. 2026) models per-question success probabilities as
:math:`p \sim \mathrm{Beta}(a, b)` whose mean and concentration follow a fitted
loss :math:`\hat L(N, D)` (Chinchilla form):

.. math:: \mu = \frac{\theta_2}{1 + e^{\theta_1 (\hat L - \theta_0)}},\quad
          \nu = e^{\theta_3 + \theta_4 \hat L},\quad a = \mu\nu,\; b = (1-\mu)\nu,\quad
          \mathrm{Acc}(N, D, k) = 1 - \frac{B(a, b + k)}{B(a, b)}.
"""

from __future__ import annotations

import jax.numpy as jnp

from t2jax.laws.beta import beta_log_miss, beta_pass_at_k
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.laws.law import loss_beta_law

THETA = ("theta0", "theta1", "theta2", "theta3", "theta4")


def beta_mean_concentration(theta, L_hat):
    """Approach 2 ``(mu, nu)`` of the per-question Beta at fitted loss ``L_hat``."""
    t0, t1, t2, t3, t4 = (theta[i] for i in range(5))
    mu = t2 / (1.0 + jnp.exp(t1 * (L_hat - t0)))
    nu = jnp.exp(t3 + t4 * L_hat)
    return mu, nu


def t2_beta_accuracy_from_loss(theta, L_hat, k):
    """Approach 2 accuracy ``1 - B(a, b+k)/B(a, b)`` at fitted loss ``L_hat``."""
    mu, nu = beta_mean_concentration(theta, L_hat)
    return beta_pass_at_k(mu * nu, (1.0 - mu) * nu, k)


def t2_beta_ab_at_loss(params, L_hat):
    """Approach 2's per-question Beta ``(a, b)`` at loss ``L_hat``."""
    theta = jnp.stack([jnp.asarray(params[t]) for t in THETA])
    mu, nu = beta_mean_concentration(theta, L_hat)
    return mu * nu, (1.0 - mu) * nu


def t2_beta_ab(params, N, D):
    """Approach 2's per-question Beta ``(a, b)`` with ``L_hat = E + A/N^alpha + B/D^beta`` from ``params``."""
    return t2_beta_ab_at_loss(params, chinchilla_loss(params, N, D))


def t2_beta_log_miss(params, N, D, k):
    """Approach 2 ``log(1 - pass@k)``."""
    return beta_log_miss(*t2_beta_ab(params, N, D), k)


def t2_beta_accuracy(params, N, D, k):
    """Approach 2 accuracy with ``L_hat = E + A/N^alpha + B/D^beta`` from ``params``."""
    return -jnp.expm1(t2_beta_log_miss(params, N, D, k))


T2_BETA = loss_beta_law(
    "t2-beta", ("N", "D", "k"), ("E", "A", "B", "alpha", "beta") + THETA, t2_beta_ab_at_loss,
    constraints=(("E", "nonnegative"), ("A", "nonnegative"), ("B", "nonnegative"), ("alpha", "positive"),
                 ("beta", "positive"), ("theta2", "positive")),  # a Beta mean theta2 * sigmoid(.) > 0
    family="t2-beta", methods=("varpro", "approach3"), data="samples",
    description="T² Approach 2: per-question Beta whose mean and concentration follow a fitted loss",
)
