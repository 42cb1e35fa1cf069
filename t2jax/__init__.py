"""t2jax: Train-to-Test scaling laws in JAX.

The pipeline, one sub-package per stage::

    data -> laws -> fitting -> (uncertainty -> allocation) -> report

Every public fitting function computes in float64 inside a local
``jax.enable_x64`` context; the caller's global JAX settings are left as they were.
"""

from t2jax.data import CHINCHILLA_BUDGETS, Runs, load_chinchilla, load_runs
from t2jax.errors import T2JaxError
from t2jax.fitting import FitResult, FitWarning, approach3, fit, isoflop, varpro
from t2jax.laws import CHINCHILLA, PowerSumLaw, chinchilla_loss, compute_optimal, optimal_exponents

__version__ = "0.1.0"

__all__ = [
    "CHINCHILLA",
    "CHINCHILLA_BUDGETS",
    "FitResult",
    "FitWarning",
    "PowerSumLaw",
    "Runs",
    "T2JaxError",
    "approach3",
    "chinchilla_loss",
    "compute_optimal",
    "fit",
    "isoflop",
    "load_chinchilla",
    "load_runs",
    "optimal_exponents",
    "varpro",
]
