"""Allocation under uncertainty: the T²-optimal ``(N, D, k)`` for every bootstrap or
posterior draw in one vmapped program, and its intervals and frontier band."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.allocation.t2 import check_budget, frontier_arrays, paper_optimum
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.uncertainty.derived import param_arrays, parameter_columns
from t2jax.uncertainty.intervals import band, percentile_interval

#: Result blocks of a fit (``FitResult.extras``) that may carry parameter draws.
DRAW_SOURCES = ("bootstrap", "posterior")


@x64
def allocation_draws(draws: pd.DataFrame, law, train_flops: float, inference_flops: float, *,
                     integer_k: bool = False, n_grid: int = 4096) -> pd.DataFrame:
    """The paper's-form T²-optimal ``(N, D, k)`` for every draw of a T² law's parameters."""
    law = get_law(law)
    if law.accuracy is None:
        raise T2JaxError(f"law '{law.name}' has no k: allocation needs a T² law")
    C_train, C_inf = check_budget("train_flops", train_flops), check_budget("inference_flops", inference_flops)
    p = param_arrays(draws, parameter_columns(draws))
    N, D, k, acc = jax.vmap(lambda q: paper_optimum(q, law.name, C_train, C_inf, integer_k, n_grid))(p)
    N, D, k, acc = (np.asarray(a) for a in (N, D, k, acc))
    return pd.DataFrame({"N": N, "D": D, "k": k, "tokens_per_param": D / N, "accuracy": acc})


def allocation_intervals(draws: pd.DataFrame, law, train_flops: float, inference_flops: float,
                         level: float = 0.95, **kwargs) -> pd.DataFrame:
    """Percentile intervals of ``N*, D*, k*``, tokens per parameter and accuracy at the optimum."""
    return percentile_interval(allocation_draws(draws, law, train_flops, inference_flops, **kwargs), level)


def fit_allocation_intervals(fit: FitResult, train_flops: float, inference_flops: float, level: float = 0.95,
                             **kwargs) -> dict:
    """Allocation intervals from every draw set a fit carries (``extras["bootstrap"]`` or
    ``["posterior"]``, as written by ``t2jax fit --json``): source name -> table."""
    out = {}
    for name in DRAW_SOURCES:
        block = fit.extras.get(name)
        if isinstance(block, dict) and "draws" in block:
            out[name] = allocation_intervals(pd.DataFrame(block["draws"]), fit.law, train_flops, inference_flops,
                                             level, **kwargs)
    return out


@x64
def frontier_band(draws: pd.DataFrame, law, train_flops, inference_flops: float, level: float = 0.95,
                  *, integer_k: bool = False, n_grid: int = 4096) -> pd.DataFrame:
    """The T² allocation frontier as a band: for each training budget, percentile
    intervals of ``N*``, ``k*``, tokens per parameter and accuracy over the draws."""
    law = get_law(law)
    C_inf = check_budget("inference_flops", inference_flops)
    p = param_arrays(draws, parameter_columns(draws))
    C = jnp.asarray(np.atleast_1d(np.asarray(train_flops, np.float64)))
    per_draw = lambda q: frontier_arrays(q, law.name, C, C_inf, integer_k, n_grid)
    N, D, k, acc = (np.asarray(a) for a in jax.vmap(per_draw)(p))  # (draws, budgets)
    rows = {"train_flops": np.asarray(C)}
    for name, values in (("N", N), ("k", k), ("tokens_per_param", D / N), ("accuracy", acc)):
        lo, hi = band(values, level)
        rows |= {f"{name}_lower": lo, f"{name}_median": np.median(values, axis=0), f"{name}_upper": hi}
    return pd.DataFrame(rows)
