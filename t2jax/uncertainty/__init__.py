"""Uncertainty: the one batched refit driver, resampling, the result types and their
intervals (the core every family's bootstrap and posterior uses), and the entry points
:func:`bootstrap` and :func:`posterior`, which reach a law's family through the registry.

data -> laws -> fitting -> **uncertainty** -> allocation -> report
"""

from t2jax.uncertainty.bayes import posterior
from t2jax.uncertainty.bootstrap import bootstrap, own_point
from t2jax.uncertainty.derived import compute_optimal_draws, compute_optimal_intervals
from t2jax.uncertainty.intervals import band, bca_interval, percentile_interval
from t2jax.uncertainty.resample import resample_weights
from t2jax.uncertainty.results import BootstrapResult, PosteriorResult

__all__ = [
    "BootstrapResult", "PosteriorResult", "band", "bca_interval", "bootstrap", "compute_optimal_draws",
    "compute_optimal_intervals", "own_point", "percentile_interval", "posterior", "resample_weights",
]  # fmt: skip
