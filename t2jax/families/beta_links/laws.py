r"""Per-problem Beta laws whose parameters follow the checkpoint: T² law variants.

Per-problem success probabilities at a checkpoint are :math:`p \sim \mathrm{Beta}(a, b)`,
with log-linear links

* ``beta-nd``:   :math:`\log a = a_0 + a_1 \log N + a_2 \log D`, likewise :math:`\log b`;
* ``beta-loss``: :math:`\log a = a_0 + a_1 \hat L(N, D)`, :math:`\log b = b_0 + b_1 \hat L(N, D)`,
  with :math:`\hat L` a Chinchilla surface (as in T² Approach 2),

and :math:`\mathrm{pass}@k = 1 - B(a, b+k)/B(a, b)` at any (N, D, k). Unlike T²
Approach 1 the k-dependence interacts with (N, D) (the large-k exponent is
:math:`a` itself), and the links are fitted by maximum likelihood on per-problem
counts rather than on aggregates.
"""

from __future__ import annotations

import jax.numpy as jnp

from t2jax.laws.chinchilla import SURFACE, chinchilla_loss
from t2jax.laws.law import beta_law, loss_beta_law

BETA_ND_PARAMS = ("a0", "a1", "a2", "b0", "b1", "b2")
BETA_LOSS_LINKS = ("a0", "a1", "b0", "b1")


def nd_covariates(params, N, D):
    """``beta-nd``'s link covariates ``z = (log N, log D)`` (last axis)."""
    return jnp.stack(jnp.broadcast_arrays(jnp.log(N), jnp.log(D)), -1)


def loss_covariates(params, N, D):
    """``beta-loss``'s link covariate ``z = L_hat(N, D)``, the fitted Chinchilla loss (last axis)."""
    return chinchilla_loss(params, N, D)[..., None]


#: Each law's link covariates, by the law's link coefficient names.
LINK_COVARIATES = {BETA_ND_PARAMS: nd_covariates, BETA_LOSS_LINKS: loss_covariates}


def link_covariates(law, params, N, D):
    """The covariates ``z`` of ``law``'s log-linear links (last axis)."""
    return LINK_COVARIATES[link_names(law)](params, N, D)


def link_names(law) -> tuple:
    """The link coefficients of a beta-link law: its parameters after any loss surface."""
    return tuple(p for p in law.params if p not in SURFACE)


def link_ab(coef, z):
    """``(a, b)`` from link coefficients ``(a0, a_z.., b0, b_z..)`` and covariates ``z``."""
    q = z.shape[-1]
    return jnp.exp(coef[0] + z @ coef[1 : q + 1]), jnp.exp(coef[q + 1] + z @ coef[q + 2 :])


def _link_beta(names, covariates):
    def problem_beta(params, N, D):
        coef = jnp.stack([jnp.asarray(params[n]) for n in names])
        return link_ab(coef, covariates(params, N, D))

    return problem_beta


BETA_ND = beta_law(
    "beta-nd", ("N", "D", "k"), BETA_ND_PARAMS, _link_beta(BETA_ND_PARAMS, nd_covariates),
    family="beta-link", methods=("mle",), data="samples",
    description="per-problem Beta, log a and log b linear in log N and log D (Beta-binomial MLE)",
)

def _loss_link_beta(params, L):
    """``beta-loss``'s ``(a, b)`` at the fitted loss ``L``."""
    return link_ab(jnp.stack([jnp.asarray(params[n]) for n in BETA_LOSS_LINKS]), jnp.asarray(L)[..., None])


BETA_LOSS = loss_beta_law(
    "beta-loss", ("N", "D", "k"), SURFACE + BETA_LOSS_LINKS, _loss_link_beta,
    family="beta-link", methods=("varpro", "approach3"), data="samples",
    description="per-problem Beta, log a and log b linear in a fitted loss (Beta-binomial MLE)",
)
