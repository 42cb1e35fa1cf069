r"""The joint T² likelihood model (``t2-joint``): per-problem counts from a Beta whose
mean and concentration follow a latent Chinchilla loss, all fitted at once.

For problem :math:`i` at checkpoint :math:`j` (:math:`N_j` parameters, :math:`D_j` tokens),

.. math:: c_{ij} \sim \mathrm{BetaBinomial}(n_{ij}, \mu_j\nu_j, (1-\mu_j)\nu_j),\qquad
          \mu_j = \theta_2\,\sigma(-L_j),\quad \nu_j = e^{\theta_3 + \theta_4 L_j},\quad
          L_j = E + A N_j^{-\alpha} + B D_j^{-\beta},

and :math:`\mathrm{pass}@k = 1 - B(\mu\nu, (1-\mu)\nu + k)/B(\mu\nu, (1-\mu)\nu)`.

**Identifiability.** T² Approach 2 writes :math:`\mu = \theta_2\sigma(-\theta_1(L - \theta_0))`
with :math:`L` a measured loss. From counts alone :math:`L` is latent, and any affine map
:math:`L \to sL + t` is absorbed by :math:`(\theta_0, \theta_1, \theta_3, \theta_4)` and
:math:`(E, A, B)`: those are not identified. The joint model therefore fixes
:math:`\theta_0 = 0,\ \theta_1 = 1`: :math:`L` is measured in logit units of the
per-problem success rate (:math:`E` may be negative), and every other parameter is
identified when N and D vary. Allocation is unchanged by the choice: it depends on
:math:`L` only through :math:`\mu` and :math:`\nu`. :func:`from_t2_beta` maps a
``t2-beta`` parameter set to this form. Constraints: :math:`A, B \ge 0`,
:math:`\alpha, \beta > 0`, :math:`\theta_2 \in (0, 1]`; then :math:`0 < \mu < 1` and
:math:`\nu > 0`, so every Beta parameter is positive.
"""

from __future__ import annotations

import jax.numpy as jnp

from t2jax.families.t2_beta.laws import beta_mean_concentration
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.laws.law import loss_beta_law

JOINT_PARAMS = ("E", "A", "B", "alpha", "beta", "theta2", "theta3", "theta4")


def joint_beta_at_loss(params, L):
    """``(a, b)`` of the per-problem Beta at latent loss ``L``: T² Approach 2's link
    (:func:`~t2jax.families.t2_beta.laws.beta_mean_concentration`) with ``theta0 = 0,
    theta1 = 1``."""
    theta = jnp.stack(jnp.broadcast_arrays(0.0, 1.0, *(jnp.asarray(params[t]) for t in ("theta2", "theta3", "theta4"))))
    mu, nu = beta_mean_concentration(theta, L)
    return mu * nu, (1.0 - mu) * nu


def joint_beta(params, N, D):
    """``(a, b)`` of the per-problem Beta at ``(N, D)`` (:func:`joint_beta_at_loss`)."""
    return joint_beta_at_loss(params, chinchilla_loss(params, N, D))


def from_t2_beta(params) -> dict:
    """The ``t2-beta`` parameters ``(E, A, B, alpha, beta, theta0..theta4)`` in the joint
    model's form (``theta0 = 0, theta1 = 1``): the same accuracy at every (N, D, k)."""
    t0, t1 = params["theta0"], params["theta1"]
    return {"E": t1 * (params["E"] - t0), "A": t1 * params["A"], "B": t1 * params["B"], "alpha": params["alpha"],
            "beta": params["beta"], "theta2": params["theta2"], "theta3": params["theta3"] + params["theta4"] * t0,
            "theta4": params["theta4"] / t1}


T2_JOINT = loss_beta_law(
    "t2-joint", ("N", "D", "k"), JOINT_PARAMS, joint_beta_at_loss,
    constraints=(("A", "nonnegative"), ("B", "nonnegative"), ("alpha", "positive"), ("beta", "positive"),
                 ("theta2", "unit")),
    family="t2-joint", methods=("mle",), data="samples",
    description="T² joint model: Beta-binomial counts, Beta mean and concentration from a latent loss, one "
                "likelihood; the latent loss is in logit units (theta0 = 0, theta1 = 1 fix its scale), so E may be "
                "negative",
)
