"""Allocation under uncertainty: the T²-optimal ``(N, D, k)`` for every bootstrap or
posterior draw in one vmapped program, and its intervals and frontier band."""

from __future__ import annotations

import functools
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.allocation.frontier import frontier_arrays
from t2jax.allocation.t2 import check_grid, deployment_optimum, paper_optimum
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.programs import bucket
from t2jax.validate import check_scalar_budget
from t2jax.uncertainty.derived import DRAW_SOURCES, param_arrays, parameter_columns
from t2jax.uncertainty.intervals import band, percentile_interval


DRAW_GRID = 512  #: first-grid points per draw in the paper's form
#: Draws searched at once (one compiled program maps over the chunks): a search holds a
#: grid of candidates per draw, times the difficulty nodes for a law like t2-irt (about
#: 136 MB a draw), so all of 1,000 draws at once would not fit in memory.
DRAW_CHUNK = 16


def map_draws(solver, p, *args, static=(0, 3, 4)):
    """``solver(q, *args)`` for every draw ``q`` of the parameter arrays ``p``,
    :data:`DRAW_CHUNK` draws at a time, as one compiled program; ``args`` at the positions
    ``static`` are compile-time constants (by default those of the allocation solvers:
    law name, ``integer_k``, grid size). Draws are padded (copies of the first) to a
    :func:`~t2jax.programs.bucket` size that is a whole number of chunks, so similar
    numbers of draws share one program and no remainder batch compiles the solver again."""
    R = len(next(iter(p.values())))
    size = -(-bucket(R) // DRAW_CHUNK) * DRAW_CHUNK
    rows = np.concatenate([np.arange(R), np.zeros(size - R, int)])
    fixed = tuple((i, args[i]) for i in static)
    out = _map_chunks(solver, {name: jnp.asarray(v)[rows] for name, v in p.items()},
                      tuple(a for i, a in enumerate(args) if i not in static), fixed, len(args))
    return jax.tree.map(lambda a: a[:R], out)


@functools.partial(jax.jit, static_argnames=("solver", "fixed", "n_args"))
def _map_chunks(solver, p, dynamic, fixed, n_args):
    def one(q):
        given, rest = dict(fixed), iter(dynamic)
        return solver(q, *(given[i] if i in given else next(rest) for i in range(n_args)))

    return jax.lax.map(one, p, batch_size=DRAW_CHUNK)


@x64
def allocation_draws(draws: pd.DataFrame, law, train_flops: float, inference_flops: Optional[float] = None, *,
                     tokens_per_sample: Optional[float] = None, queries: Optional[float] = None,
                     integer_k: bool = False, n_grid: Optional[int] = None) -> pd.DataFrame:
    """The T²-optimal ``(N, D, k)`` for every draw of a T² law's parameters: the paper's
    form (``inference_flops``; a 512-point grid plus zoom per draw by default, which
    matches the point fit's 4,096-point search to ~1e-8 on these one-dimensional,
    single-peaked objectives), or the deployment form (``tokens_per_sample``,
    ``queries``; a 128 x 128 grid plus zoom per draw)."""
    law = get_law(law)
    if law.accuracy is None:
        raise T2JaxError(f"law '{law.name}' has no k: allocation needs a T² law")
    C_train = check_scalar_budget("train_flops", train_flops)
    param_arrays(draws, law.params)  # refuses draws of another law, naming what they lack
    p = param_arrays(draws, parameter_columns(draws))
    if tokens_per_sample is None and queries is None:
        C_inf = check_scalar_budget("inference_flops", inference_flops)
        solver, budget, grid = paper_optimum, C_inf, check_grid(n_grid or DRAW_GRID)
    else:
        if inference_flops is not None or tokens_per_sample is None or queries is None:
            raise T2JaxError("the deployment form takes tokens_per_sample and queries, and no inference_flops")
        TQ = check_scalar_budget("tokens_per_sample", tokens_per_sample, "tokens") * check_scalar_budget("queries", queries, "queries")
        solver, budget, grid = deployment_optimum, TQ, check_grid(n_grid or 128)
    N, D, k, log_miss = (np.asarray(a) for a in map_draws(solver, p, law.name, C_train, budget, integer_k, grid))
    return pd.DataFrame({"N": N, "D": D, "k": k, "tokens_per_param": D / N, "accuracy": -np.expm1(log_miss),
                         "miss_rate": np.exp(log_miss)})


def allocation_intervals(draws: pd.DataFrame, law, train_flops: float, inference_flops: Optional[float] = None,
                         level: float = 0.95, **kwargs) -> pd.DataFrame:
    """Percentile intervals of ``N*, D*, k*``, tokens per parameter and accuracy at the optimum."""
    return percentile_interval(allocation_draws(draws, law, train_flops, inference_flops, **kwargs), level)


@x64
def p_beats_baseline(draws: pd.DataFrame, law, allocation) -> float:
    """Share of draws under which the point T²-optimal ``(N, D, k)`` has a lower miss
    rate than the point Chinchilla-optimal baseline at the same budgets: the posterior
    (or bootstrap) probability that the T² choice beats the Chinchilla one."""
    law = get_law(law)
    p = param_arrays(draws, law.params)
    base = allocation.baseline
    if base is None:
        raise T2JaxError(f"the {law.name} allocation has no Chinchilla baseline to compare with")

    def lm(q, row):
        return law.log_miss_rate(q, row["N"], row["D"], row["k"])

    t2 = jax.vmap(lambda q: lm(q, {"N": allocation.N, "D": allocation.D, "k": allocation.k}))(p)
    chin = jax.vmap(lambda q: lm(q, base))(p)
    return float(np.mean(np.asarray(t2) < np.asarray(chin)))


def draw_tables(fit, draws=None) -> dict:
    """Parameter draws to carry through: ``{"draws": draws}`` if given, else each draw
    set the fit carries (``extras["bootstrap"]``/``["posterior"]``, as ``t2jax fit --json``
    writes them)."""
    if draws is not None:
        return {"draws": pd.DataFrame(draws)}
    extras = fit.extras if isinstance(fit, FitResult) else {}
    tables = {}
    for name in DRAW_SOURCES:
        if name not in extras:
            continue
        block = extras[name]
        if not isinstance(block, dict) or not isinstance(block.get("draws"), dict):
            raise T2JaxError(f"the fit's '{name}' block is malformed: expected an object with 'draws' (parameter -> "
                             "list of values), as 't2jax fit --json' writes it")
        try:
            tables[name] = pd.DataFrame(block["draws"])
        except ValueError as exc:  # columns of different lengths
            raise T2JaxError(f"the fit's '{name}' draws are malformed: {exc}") from None
        bad = [c for c in tables[name].columns if c in fit.params
               and not pd.api.types.is_numeric_dtype(tables[name][c])]
        if bad:
            raise T2JaxError(f"the fit's '{name}' draws of {', '.join(bad)} are not numbers")
    return tables


def fit_allocation_intervals(fit: FitResult, train_flops: float, inference_flops: Optional[float] = None,
                             level: float = 0.95, **kwargs) -> dict:
    """Allocation intervals from every draw set a fit carries (``extras["bootstrap"]`` or
    ``["posterior"]``, as written by ``t2jax fit --json``): source name -> table."""
    return {name: allocation_intervals(table, fit.law, train_flops, inference_flops, level, **kwargs)
            for name, table in draw_tables(fit).items()}


@x64
def frontier_band(draws: pd.DataFrame, law, train_flops, inference_flops: float, level: float = 0.95,
                  *, integer_k: bool = False, n_grid: int = DRAW_GRID) -> pd.DataFrame:
    """The T² allocation frontier as a band: for each training budget, percentile
    intervals of ``N*``, ``k*``, tokens per parameter and accuracy over the draws."""
    law = get_law(law)
    C_inf = check_scalar_budget("inference_flops", inference_flops)
    p = param_arrays(draws, parameter_columns(draws))
    C = jnp.asarray(np.atleast_1d(np.asarray(train_flops, np.float64)))
    N, D, k, log_miss = (np.asarray(a) for a in map_draws(frontier_arrays, p, law.name, C, C_inf, integer_k, n_grid))
    rows = {"train_flops": np.asarray(C)}
    for name, values in (("N", N), ("k", k), ("tokens_per_param", D / N), ("accuracy", -np.expm1(log_miss)),
                         ("miss_rate", np.exp(log_miss))):
        lo, hi = band(values, level)
        rows |= {f"{name}_lower": lo, f"{name}_median": np.median(values, axis=0), f"{name}_upper": hi}
    return pd.DataFrame(rows)
