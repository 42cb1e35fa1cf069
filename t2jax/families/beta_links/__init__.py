"""Per-problem Beta laws with log-linear links (``beta-nd``, ``beta-loss``), fitted by
the Beta-binomial likelihood of every count; ``objective`` is the total negative
log-likelihood without binomial constants. ``beta-loss`` first fits its loss surface by
the power-sum family (its methods name that stage's fitter). No bootstrap or posterior
yet: both stages refuse with one line."""

from __future__ import annotations

from t2jax.families.beta_links.fit import fit_beta_link
from t2jax.families.beta_links.laws import BETA_LOSS, BETA_ND
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family


class BetaLinkFamily(Family):
    name = "beta-link"
    objective = "total Beta-binomial negative log-likelihood of the counts (without binomial constants)"

    def fit_counts(self, data, table, law, method, **options):
        return fit_beta_link(table, law, **({"stage1_method": method} if method != "mle" else {}), **options)


BETA_LINK = register_family(BetaLinkFamily())
for _law in (BETA_ND, BETA_LOSS):
    register(_law, builtin=True)

__all__ = ["BETA_LINK", "BETA_LOSS", "BETA_ND", "fit_beta_link"]
