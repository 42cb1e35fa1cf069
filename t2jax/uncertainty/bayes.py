"""One entry point for posteriors of any law: :func:`posterior`. The numpyro models live
with their families (model separate from inference); every family's NUTS runs through
the one runner :func:`~t2jax.uncertainty.nuts.run_nuts`."""

from __future__ import annotations

from t2jax.fitting.api import check_curves, choose_method
from t2jax.laws.registry import family_of, get_law
from t2jax.uncertainty.bootstrap import check_point, stage_options
from t2jax.uncertainty.results import PosteriorResult


def posterior(data, *, law="chinchilla", method=None, ks=None, point=None, **options) -> PosteriorResult:
    """NUTS posterior of a law from its data (several chains; R-hat, ESS and divergences
    reported and warned on).

    Args:
      data: training runs, or repeated-sampling counts for a pass@k law.
      law: a registered law or its name: additive power laws (a Gaussian likelihood on
        log loss; for counts, on their task-loss runs) and ``t2-joint`` (Beta-binomial
        counts) have posteriors; other laws refuse.
      method: power-sum laws: the point fit beside it must be parametric (``approach3``
        or ``varpro``); the chains start at the Approach-3 fit, whose objective (Huber on
        log loss) is closest to the likelihood.
      point: the point fit to start from (computed once when not given).
      options: ``num_chains``, ``num_warmup``, ``num_samples``, ``seed``, ``rhat_max``,
        ``progress_bar``.
    """
    law = get_law(law)
    check_curves(law, data)
    family = family_of(law)
    options = stage_options(family.posterior, law, options, "posterior")
    return family.posterior(data, law, method=choose_method(law, method), ks=ks, point=check_point(point, law),
                            **options)
