"""Uncertainty carried through to derived quantities: compute-optimal and T²-optimal
allocations, evaluated for every bootstrap or posterior draw in one vmapped program."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.allocation.t2 import _check_budget, _paper
from t2jax.laws.chinchilla import compute_optimal
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.uncertainty.intervals import band, percentile_interval


#: Columns of bootstrap/posterior draws that are not law parameters.
NOT_PARAMETERS = ("objective", "converged", "sigma", "chain")


def _param_arrays(draws: pd.DataFrame, names) -> dict:
    return {k: jnp.asarray(draws[k].to_numpy(np.float64)) for k in names}


@x64
def compute_optimal_draws(draws: pd.DataFrame, C) -> dict:
    """``N*(C)`` and ``D*(C)`` for every draw: arrays of shape ``(draws, len(C))``."""
    p = _param_arrays(draws, ("E", "A", "B", "alpha", "beta"))
    C = jnp.atleast_1d(jnp.asarray(C, jnp.float64))
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


@x64
def allocation_draws(draws: pd.DataFrame, law: str, train_flops: float, inference_flops: float, *,
                     integer_k: bool = False, n_grid: int = 4096) -> pd.DataFrame:
    """The paper's-form T²-optimal ``(N, D, k)`` for every draw of a T² law's parameters."""
    spec = get_law(law)
    if spec.accuracy is None:
        from t2jax.errors import T2JaxError

        raise T2JaxError(f"law '{law}' has no k: allocation needs a T² law")
    C_train, C_inf = _check_budget("train_flops", train_flops), _check_budget("inference_flops", inference_flops)
    names = [c for c in draws.columns if c not in NOT_PARAMETERS]
    p = _param_arrays(draws, names)
    N, D, k, acc = jax.vmap(lambda q: _paper(q, law, C_train, C_inf, integer_k, n_grid))(p)
    N, D, k, acc = (np.asarray(a) for a in (N, D, k, acc))
    return pd.DataFrame({"N": N, "D": D, "k": k, "tokens_per_param": D / N, "accuracy": acc})


def allocation_intervals(draws: pd.DataFrame, law: str, train_flops: float, inference_flops: float,
                         level: float = 0.95, **kwargs) -> pd.DataFrame:
    """Percentile intervals of ``N*, D*, k*``, tokens per parameter and accuracy at the optimum."""
    return percentile_interval(allocation_draws(draws, law, train_flops, inference_flops, **kwargs), level)


@x64
def frontier_band(draws: pd.DataFrame, law: str, train_flops, inference_flops: float, level: float = 0.95,
                  *, integer_k: bool = False, n_grid: int = 4096) -> pd.DataFrame:
    """The T² allocation frontier as a band: for each training budget, percentile
    intervals of ``N*``, ``k*``, tokens per parameter and accuracy over the draws."""
    C_inf = _check_budget("inference_flops", inference_flops)
    names = [c for c in draws.columns if c not in NOT_PARAMETERS]
    p = _param_arrays(draws, names)
    C = jnp.asarray(np.atleast_1d(np.asarray(train_flops, np.float64)))
    per_draw = lambda q: jax.vmap(lambda c: _paper(q, law, c, C_inf, integer_k, n_grid))(C)
    N, D, k, acc = (np.asarray(a) for a in jax.vmap(per_draw)(p))  # (draws, budgets)
    rows = {"train_flops": np.asarray(C)}
    for name, values in (("N", N), ("k", k), ("tokens_per_param", D / N), ("accuracy", acc)):
        lo, hi = band(values, level)
        rows |= {f"{name}_lower": lo, f"{name}_median": np.median(values, axis=0), f"{name}_upper": hi}
    return pd.DataFrame(rows)
