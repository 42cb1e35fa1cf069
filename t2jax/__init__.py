"""t2jax: Train-to-Test scaling laws in JAX.

The pipeline, one sub-package per stage::

    data -> laws -> fitting -> uncertainty -> allocation -> report

Every public fitting function computes in float64 inside a local
``jax.enable_x64`` context; the caller's global JAX settings are left as they were.
"""

from t2jax.allocation import Allocation, allocate, frontier
from t2jax.data import CHINCHILLA_BUDGETS, Runs, load_chinchilla, load_runs
from t2jax.data.samples import Samples, load_answer_nll, load_samples, observed_pass_at_k, task_runs
from t2jax.errors import T2JaxError
from t2jax.fitting import FitResult, FitWarning, approach3, fit, isoflop, varpro
from t2jax.fitting.backtest import backtest
from t2jax.fitting.beta_links import fit_beta_link
from t2jax.fitting.betabinom import BetaBinomialFit, fit_beta_binomial
from t2jax.fitting.t2 import fit_t2
from t2jax.fitting.t2beta import fit_t2_beta
from t2jax.laws import CHINCHILLA, PowerSumLaw, chinchilla_loss, compute_optimal, optimal_exponents
from t2jax.laws.beta import beta_pass_at_k
from t2jax.laws.passk import pass_at_k, task_loss
from t2jax.laws.registry import LAWS, LawSpec, register
from t2jax.laws.t2 import T2_LOSS
from t2jax.uncertainty import (
    BootstrapResult,
    PosteriorResult,
    allocation_intervals,
    bootstrap,
    compute_optimal_intervals,
    posterior,
)

__version__ = "0.1.0"

__all__ = [
    "Allocation", "BetaBinomialFit", "BootstrapResult", "PosteriorResult", "allocation_intervals", "bootstrap",
    "compute_optimal_intervals", "posterior", "CHINCHILLA", "CHINCHILLA_BUDGETS", "FitResult", "FitWarning", "LAWS",
    "LawSpec", "PowerSumLaw", "Runs", "Samples", "T2JaxError", "T2_LOSS", "allocate", "approach3", "backtest",
    "beta_pass_at_k", "chinchilla_loss", "compute_optimal", "fit", "fit_beta_binomial", "fit_beta_link",
    "fit_t2", "fit_t2_beta", "frontier", "isoflop", "load_answer_nll", "load_chinchilla", "load_runs",
    "load_samples", "observed_pass_at_k", "optimal_exponents", "pass_at_k", "register", "task_loss",
    "task_runs", "varpro",
]  # fmt: skip
