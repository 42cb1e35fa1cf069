r"""Train-to-Test allocation: the best (N, D, k) under training and inference budgets.

**Paper's form** (Roberts et al. 2026): maximise pass@k subject to
:math:`6ND \le C_\mathrm{train}` and :math:`2Nk \le C_\mathrm{inf}`. Accuracy grows
with D and k, so both bind and the search is one-dimensional in N:
:math:`D = C_\mathrm{train}/6N`, :math:`k = C_\mathrm{inf}/2N` (or its floor for integer k).

**Deployment form**: one budget :math:`C = 6ND + 2NkTQ` for :math:`Q` queries of
:math:`T` tokens per sample; the search is over N and the training share
:math:`s`: :math:`D = sC/6N`, :math:`k = (1-s)C/(2NTQ)`.

Both are a dense vmapped grid plus zoom refinement (:mod:`t2jax.allocation.search`).
The Chinchilla-optimal model for the same training budget, run with as many samples
as the inference budget buys, is reported beside for comparison.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.allocation.search import grid_zoom_max
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult
from t2jax.laws.chinchilla import compute_optimal
from t2jax.laws.registry import get_law, law_names
from t2jax.precision import x64

MIN_N = 1e5  # smallest model the search considers (parameters)


@dataclasses.dataclass(frozen=True)
class Allocation:
    """An optimal allocation and the Chinchilla-optimal baseline under the same budgets."""

    N: float
    D: float
    k: float
    accuracy: float
    train_flops: float
    inference_flops: float
    baseline: dict

    @property
    def tokens_per_param(self) -> float:
        return self.D / self.N

    @property
    def loss(self) -> float:
        return float(-np.log(self.accuracy))

    def to_dict(self) -> dict:
        return {
            "N": self.N,
            "D": self.D,
            "k": self.k,
            "tokens_per_param": self.tokens_per_param,
            "accuracy": self.accuracy,
            "loss": self.loss,
            "train_flops": self.train_flops,
            "inference_flops": self.inference_flops,
            "chinchilla_baseline": self.baseline,
        }


def _params(fit: FitResult):
    if get_law(fit.law).accuracy is None:
        raise T2JaxError(f"law '{fit.law}' has no k: allocate needs a T² law ({', '.join(law_names(accuracy=True))})")
    return {k: jnp.asarray(v, jnp.float64) for k, v in fit.params.items()}


def _ks(k, integer_k):
    return jnp.floor(k + 1e-9) if integer_k else k


@functools.partial(jax.jit, static_argnames=("law", "integer_k", "n_grid"))
def paper_optimum(params, law, C_train, C_inf, integer_k, n_grid):
    """Paper's-form optimum ``(N, D, k, accuracy)`` of law ``law`` (a name) at ``params``:
    both budgets bind, so the search is over ``log N`` alone."""
    accuracy = get_law(law).accuracy

    def score(x):
        N = jnp.exp(x[0])
        k = _ks(C_inf / (2.0 * N), integer_k)
        return jnp.where(k >= 1.0, accuracy(params, N, C_train / (6.0 * N), k), -jnp.inf)

    lo = jnp.log(jnp.array([MIN_N]))
    hi = jnp.log(jnp.array([C_inf / 2.0]))
    x, v = grid_zoom_max(score, lo, hi, (n_grid,))
    N = jnp.exp(x[0])
    return N, C_train / (6.0 * N), _ks(C_inf / (2.0 * N), integer_k), v


@functools.partial(jax.jit, static_argnames=("law", "integer_k", "n_grid"))
def deployment_optimum(params, law, C, TQ, integer_k, n_grid):
    """Deployment-form optimum ``(N, D, k, accuracy)``: one budget ``6ND + 2NkTQ = C``,
    searched over ``log N`` and the training share."""
    accuracy = get_law(law).accuracy

    def split(x):
        N, s = jnp.exp(x[0]), x[1]
        return N, s * C / (6.0 * N), _ks((1.0 - s) * C / (2.0 * N * TQ), integer_k)

    def score(x):
        N, D, k = split(x)
        return jnp.where(k >= 1.0, accuracy(params, N, D, k), -jnp.inf)

    lo = jnp.array([jnp.log(MIN_N), 1e-6])
    hi = jnp.array([jnp.log(C / (2.0 * TQ)), 1.0 - 1e-9])
    x, v = grid_zoom_max(score, lo, hi, (n_grid, n_grid))
    N, D, k = split(x)
    return N, D, k, v


def _baseline(fit, params, C_train, k_of_N, integer_k):
    spec = get_law(fit.law)
    N, D = compute_optimal(params, C_train)
    k = _ks(k_of_N(N, D), integer_k)
    k_used = jnp.maximum(k, 1.0)
    acc = spec.accuracy(params, N, D, k_used)
    return {
        "N": float(N),
        "D": float(D),
        "k": float(k_used),
        "tokens_per_param": float(D / N),
        "accuracy": float(acc),
        "over_inference_budget": bool(k < 1.0),
    }


def check_budget(name, value) -> float:
    """``value`` as a positive, finite number of FLOPs (or a :class:`T2JaxError` naming ``name``)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise T2JaxError(f"{name} must be a positive number of FLOPs; got {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise T2JaxError(f"{name} must be a positive number of FLOPs; got {value}")
    return value


@x64
def allocate(
    fit: FitResult,
    train_flops: float,
    inference_flops: Optional[float] = None,
    *,
    tokens_per_sample: Optional[float] = None,
    queries: Optional[float] = None,
    integer_k: bool = False,
    n_grid: Optional[int] = None,
) -> Allocation:
    """Best ``(N, D, k)`` for a fitted T² law.

    Paper's form: ``allocate(fit, C_train, C_inf)`` with ``6ND <= C_train`` and
    ``2Nk <= C_inf``. Deployment form: ``allocate(fit, C, tokens_per_sample=T,
    queries=Q)`` with one budget ``6ND + 2NkTQ <= C``. ``n_grid`` is the first grid's
    points per axis (default 4,096 in the paper's form, 1,024 per axis in the
    deployment form, i.e. about a million candidates).
    """
    params = _params(fit)
    C_train = check_budget("train_flops", train_flops)
    if tokens_per_sample is None and queries is None:
        if inference_flops is None:
            raise T2JaxError("give inference_flops (paper's form) or tokens_per_sample and queries (deployment form)")
        C_inf = check_budget("inference_flops", inference_flops)
        if C_inf < 2.0 * MIN_N:
            raise T2JaxError(f"inference_flops {C_inf:g} cannot run even one sample of a {MIN_N:g}-parameter model")
        N, D, k, v = paper_optimum(params, fit.law, C_train, C_inf, integer_k, n_grid or 4096)
        base = _baseline(fit, params, C_train, lambda N, D: C_inf / (2.0 * N), integer_k)
    else:
        if inference_flops is not None or tokens_per_sample is None or queries is None:
            raise T2JaxError("the deployment form takes tokens_per_sample and queries, and no inference_flops")
        TQ = check_budget("tokens_per_sample", tokens_per_sample) * check_budget("queries", queries)
        N, D, k, v = deployment_optimum(params, fit.law, C_train, TQ, integer_k, n_grid or 1024)
        C_inf = float(2.0 * N * k * TQ)
        # Baseline: the same split of the budget, with the Chinchilla-optimal model for its training part.
        base = _baseline(fit, params, float(6.0 * N * D), lambda N_, D_: C_inf / (2.0 * N_ * TQ), integer_k)
    if not np.isfinite(float(v)):
        raise T2JaxError("no feasible allocation: the budgets do not allow k >= 1")
    return Allocation(float(N), float(D), float(k), float(v), C_train, float(C_inf), base)


def frontier_arrays(params, law: str, train_flops, C_inf, integer_k: bool, n_grid: int):
    """``(N, D, k, accuracy)`` of the paper's-form optimum at each training budget (vmapped)."""
    C = jnp.asarray(train_flops)
    return jax.vmap(lambda c: paper_optimum(params, law, c, C_inf, integer_k, n_grid))(C)


@x64
def frontier(fit: FitResult, train_flops, inference_flops: float, *, integer_k: bool = False, n_grid: int = 4096):
    """Paper's-form optimum for each training budget: a DataFrame, one row per budget."""
    import pandas as pd

    params = _params(fit)
    C_inf = check_budget("inference_flops", inference_flops)
    C = jnp.asarray(np.asarray(train_flops, np.float64))
    N, D, k, v = frontier_arrays(params, fit.law, C, C_inf, integer_k, n_grid)
    Nc, Dc = compute_optimal(params, C)
    kc = jnp.maximum(_ks(C_inf / (2.0 * Nc), integer_k), 1.0)
    acc_c = get_law(fit.law).accuracy(params, Nc, Dc, kc)
    return pd.DataFrame(
        {
            "train_flops": np.asarray(C),
            "N": np.asarray(N),
            "D": np.asarray(D),
            "k": np.asarray(k),
            "tokens_per_param": np.asarray(D / N),
            "accuracy": np.asarray(v),
            "chinchilla_N": np.asarray(Nc),
            "chinchilla_k": np.asarray(kc),
            "chinchilla_accuracy": np.asarray(acc_c),
        }
    )
