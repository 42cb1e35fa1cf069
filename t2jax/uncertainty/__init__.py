"""Uncertainty: batched bootstrap refits and intervals on parameters and derived quantities."""

from t2jax.uncertainty.bootstrap import BootstrapResult, bootstrap
from t2jax.uncertainty.intervals import band, percentile_interval
from t2jax.uncertainty.resample import resample_weights

__all__ = ["BootstrapResult", "band", "bootstrap", "percentile_interval", "resample_weights"]
