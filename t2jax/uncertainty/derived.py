"""Uncertainty carried through to derived quantities: the compute-optimal ``N*(C)``,
``D*(C)`` of every bootstrap or posterior draw in one vmapped program. (The T²-optimal
allocation under draws is in :mod:`t2jax.allocation.draws`.)"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError
from t2jax.laws.chinchilla import SURFACE, compute_optimal
from t2jax.precision import x64
from t2jax.uncertainty.intervals import band
from t2jax.validate import check_budget

#: Columns of bootstrap/posterior draws that are not law parameters.
NOT_PARAMETERS = ("objective", "converged", "sigma", "chain")

#: Result blocks of a fit (``FitResult.extras``) that may carry parameter draws.
DRAW_SOURCES = ("bootstrap", "posterior")


def parameter_columns(draws: pd.DataFrame) -> list:
    """The law-parameter columns of a draws table."""
    return [c for c in draws.columns if c not in NOT_PARAMETERS]


def param_arrays(draws: pd.DataFrame, names) -> dict:
    """Columns ``names`` of ``draws`` as float64 JAX arrays (call inside float64); draws
    lacking a column are refused, naming it (draws of another law, say)."""
    missing = [k for k in names if k not in getattr(draws, "columns", ())]
    if missing:
        raise T2JaxError(f"the draws lack {', '.join(missing)}: they are not draws of a law with parameters "
                         f"{', '.join(names)}")
    return {k: jnp.asarray(draws[k].to_numpy(np.float64)) for k in names}


@x64
def compute_optimal_draws(draws: pd.DataFrame, C) -> dict:
    """``N*(C)`` and ``D*(C)`` for every draw: arrays of shape ``(draws, len(C))``."""
    p = param_arrays(draws, SURFACE)
    C = jnp.atleast_1d(jnp.asarray(check_budget("C", C), jnp.float64))
    N, D = jax.vmap(lambda q: compute_optimal(q, C))(p)
    return {"C": np.asarray(C), "N": np.asarray(N), "D": np.asarray(D)}


def compute_optimal_intervals(draws: pd.DataFrame, C, level: float = 0.95) -> pd.DataFrame:
    """Percentile band of ``N*(C)``, ``D*(C)`` and tokens per parameter, one row per budget."""
    out = compute_optimal_draws(draws, C)
    rows = {"C": out["C"]}
    for name, values in (("N", out["N"]), ("D", out["D"]), ("tokens_per_param", out["D"] / out["N"])):
        lo, hi = band(values, level)
        rows |= {f"{name}_lower": lo, f"{name}_median": np.median(values, axis=0), f"{name}_upper": hi}
    return pd.DataFrame(rows)
