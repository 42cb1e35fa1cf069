"""Uncertainty: batched bootstrap refits (a generic driver over per-method refit kernels),
numpyro posteriors, and intervals on parameters and compute-optimal allocations.

data -> laws -> fitting -> **uncertainty** -> allocation -> report
"""

from t2jax.uncertainty.bayes import (
    PosteriorResult,
    posterior,
    power_law_model,
    power_law_posterior,
)
from t2jax.uncertainty.bootstrap import BootstrapResult, bootstrap
from t2jax.uncertainty.derived import compute_optimal_draws, compute_optimal_intervals
from t2jax.uncertainty.intervals import band, bca_interval, percentile_interval
from t2jax.uncertainty.joint import bootstrap_joint, joint_model, joint_posterior
from t2jax.uncertainty.kernels import KERNELS, RefitKernel
from t2jax.uncertainty.resample import resample_weights
from t2jax.uncertainty.t2beta import bootstrap_t2_beta

__all__ = [
    "BootstrapResult", "KERNELS", "PosteriorResult", "RefitKernel", "band", "bca_interval", "bootstrap",
    "bootstrap_joint", "bootstrap_t2_beta", "compute_optimal_draws", "compute_optimal_intervals", "joint_model",
    "joint_posterior", "percentile_interval", "posterior", "power_law_model", "power_law_posterior", "resample_weights",
]  # fmt: skip
