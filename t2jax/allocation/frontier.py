"""The T² allocation frontier: the paper's-form optimum at each of many training budgets
(one vmapped program), beside the Chinchilla-optimal model run with as many samples as
the inference budget buys."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.allocation.t2 import check_grid, fit_params, whole_k, check_train_budget, paper_optimum
from t2jax.fitting.result import FitResult
from t2jax.laws.chinchilla import SURFACE, compute_optimal
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.validate import check_budget, check_scalar_budget


def frontier_arrays(params, law: str, train_flops, C_inf, integer_k: bool, n_grid: int):
    """``(N, D, k, log miss rate)`` of the paper's-form optimum at each training budget (vmapped)."""
    C = jnp.asarray(train_flops)
    return jax.vmap(lambda c: paper_optimum(params, law, c, C_inf, integer_k, n_grid))(C)


@x64
def frontier(fit: FitResult, train_flops, inference_flops: float, *, integer_k: bool = False, n_grid: int = 4096):
    """Paper's-form optimum for each training budget: a DataFrame, one row per budget."""
    import pandas as pd

    C_inf = check_scalar_budget("inference_flops", inference_flops)
    C = np.atleast_1d(check_budget("train_flops", train_flops))
    check_train_budget(C)
    params = fit_params(fit)
    C = jnp.asarray(C)
    N, D, k, v = frontier_arrays(params, fit.law, C, C_inf, integer_k, check_grid(n_grid))
    if set(SURFACE) <= set(params):
        Nc, Dc = compute_optimal(params, C)
        kc = jnp.maximum(whole_k(C_inf / (2.0 * Nc), integer_k), 1.0)
        miss_c = jnp.exp(get_law(fit.law).log_miss_rate(params, Nc, Dc, kc))
    else:  # no loss surface of its own: no Chinchilla baseline
        Nc = kc = miss_c = jnp.full(C.shape, jnp.nan)
    return pd.DataFrame(
        {
            "train_flops": np.asarray(C),
            "N": np.asarray(N),
            "D": np.asarray(D),
            "k": np.asarray(k),
            "tokens_per_param": np.asarray(D / N),
            "accuracy": -np.expm1(np.asarray(v)),
            "miss_rate": np.exp(np.asarray(v)),
            "chinchilla_N": np.asarray(Nc),
            "chinchilla_k": np.asarray(kc),
            "chinchilla_accuracy": 1.0 - np.asarray(miss_c),
            "chinchilla_miss_rate": np.asarray(miss_c),
        }
    )
