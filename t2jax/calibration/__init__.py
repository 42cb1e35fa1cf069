"""Simulated-study calibration as one batch: :func:`study` simulates many studies from a
known truth (or truths drawn from a prior), fits and bootstraps them all through the
family's study kernel and the one batched driver, allocates every draw and scores the
intervals (coverage at nominal levels with binomial bands, widths, point errors, ranks
of the truth and their uniformity). It runs on every local device, and across processes
under ``jax.distributed``."""

from t2jax.calibration.result import StudyResult
from t2jax.calibration.run import LEVELS, study

__all__ = ["LEVELS", "StudyResult", "study"]
