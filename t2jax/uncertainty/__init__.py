"""Uncertainty: batched bootstrap refits, numpyro posteriors, and intervals on
parameters and on derived quantities (compute-optimal and T²-optimal allocations)."""

from t2jax.uncertainty.bayes import PosteriorResult, posterior, power_law_model
from t2jax.uncertainty.bootstrap import BootstrapResult, bootstrap
from t2jax.uncertainty.derived import allocation_draws, allocation_intervals, compute_optimal_draws, compute_optimal_intervals
from t2jax.uncertainty.intervals import band, percentile_interval
from t2jax.uncertainty.resample import resample_weights

__all__ = [
    "BootstrapResult", "PosteriorResult", "allocation_draws", "allocation_intervals", "band", "bootstrap",
    "compute_optimal_draws", "compute_optimal_intervals", "percentile_interval", "posterior", "power_law_model",
    "resample_weights",
]  # fmt: skip
