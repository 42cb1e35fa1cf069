r"""Train-to-Test allocation: the best (N, D, k) under training and inference budgets.

**Paper's form** (Roberts et al. 2026): maximise pass@k subject to
:math:`6ND \le C_\mathrm{train}` and :math:`2Nk \le C_\mathrm{inf}`. Accuracy grows
with D and k, so both bind and the search is one-dimensional in N:
:math:`D = C_\mathrm{train}/6N`, :math:`k = C_\mathrm{inf}/2N` (or its floor for integer k).

**Deployment form**: one budget :math:`C = 6ND + 2NkTQ` for :math:`Q` queries of
:math:`T` tokens per sample; the search is over N and the training share
:math:`s`: :math:`D = sC/6N`, :math:`k = (1-s)C/(2NTQ)`.

Both are a dense vmapped grid plus zoom refinement (:mod:`t2jax.allocation.search`)
of the law's stable :math:`-\log(1 - \mathrm{pass}@k)`, so optima stay resolved where
pass@k rounds to 1 in float64; the miss rate :math:`1 - \mathrm{pass}@k` is reported
beside the accuracy.
The Chinchilla-optimal model for the same training budget, run with as many samples
as the inference budget buys, is reported beside for comparison.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.allocation.search import grid_zoom_max
from t2jax.errors import T2JaxError, warn
from t2jax.fitting.extrapolation import warn_extrapolation
from t2jax.fitting.result import FitResult, FitWarning, checked_params
from t2jax.laws.chinchilla import SURFACE, compute_optimal
from t2jax.laws.registry import builtin_law, get_law, law_names
from t2jax.precision import x64
from t2jax.programs import program
from t2jax.validate import check_count, check_scalar_budget

MIN_N = 1e5  # smallest model the search considers (parameters)
PIECES = 4  # whole k searched on each side of the continuous optimum's
PIECE_GRID = 64  # first-grid points per whole-k piece


@dataclasses.dataclass(frozen=True)
class Allocation:
    """An optimal allocation and the Chinchilla-optimal baseline under the same budgets."""

    N: float
    D: float
    k: float
    log_miss_rate: float  # log(1 - pass@k), kept in logs: near pass@k = 0 the miss rate rounds to 1
    inference_tokens: float  # tokens per sample times queries (1 in the paper's form: FLOPs per query)
    budgets: dict
    baseline: dict
    extrapolation: dict = dataclasses.field(default_factory=dict)

    @property
    def at_search_bound(self) -> bool:
        """Whether N sits on the smallest model searched (``MIN_N``): then the answer is the
        search's limit, not an optimum."""
        return bool(self.N <= MIN_N * (1.0 + 1e-6))

    @property
    def train_flops(self) -> float:
        """``6 N D``, the training compute used."""
        return 6.0 * self.N * self.D

    @property
    def inference_flops(self) -> float:
        """``2 N k`` per query (paper's form) or ``2 N k T Q`` in all (deployment form)."""
        return 2.0 * self.N * self.k * self.inference_tokens

    @property
    def tokens_per_param(self) -> float:
        return self.D / self.N

    @property
    def miss_rate(self) -> float:
        return float(np.exp(self.log_miss_rate))

    @property
    def accuracy(self) -> float:
        return float(0.0 - np.expm1(self.log_miss_rate))  # 0.0, not -0.0, where pass@k rounds to 0

    @property
    def loss(self):
        """Task loss ``-log pass@k`` (None where pass@k is 0 in float64)."""
        return float(-np.log(self.accuracy)) if self.accuracy > 0 else None

    def to_dict(self) -> dict:
        return {
            "N": self.N,
            "D": self.D,
            "k": self.k,
            "tokens_per_param": self.tokens_per_param,
            "accuracy": self.accuracy,
            "miss_rate": self.miss_rate,
            "loss": self.loss,
            "train_flops": self.train_flops,
            "inference_flops": self.inference_flops,
            "budgets": self.budgets,
            "extrapolation": self.extrapolation,
            "at_search_bound": self.at_search_bound,
            "chinchilla_baseline": self.baseline,
        }


def fit_params(fit: FitResult):
    """A T² fit's checked parameters as float64 arrays (warning if the fit is flagged)."""
    if not isinstance(fit, FitResult):
        raise T2JaxError(f"allocation takes a FitResult (t2jax.fit, or FitResult.from_dict of 't2jax fit --json' "
                         f"output, which names the law), not {type(fit).__name__}")
    if get_law(fit.law).accuracy is None:
        raise T2JaxError(f"law '{fit.law}' has no k: allocate needs a T² law ({', '.join(law_names(accuracy=True))})")
    params = checked_params(fit.law, fit.params)
    if fit.at_bound or not fit.converged:
        problem = "did not converge" if not fit.converged else f"has {', '.join(fit.at_bound)} at a bound"
        warn(f"allocating from a {fit.law} fit that {problem}: the optimum extrapolates an "
             "ill-determined law; check the fit (more data, other k values or law) first", FitWarning)
    return {k: jnp.asarray(v, jnp.float64) for k, v in params.items()}


def whole_k(k, integer_k):
    """``k`` rounded down to a whole number when ``integer_k``."""
    return jnp.floor(k + 1e-9) if integer_k else k


@program(static_argnames=("law", "integer_k", "n_grid"), storable=builtin_law)
def paper_optimum(params, law, C_train, C_inf, integer_k, n_grid):
    """Paper's-form optimum ``(N, D, k, log miss rate)`` of law ``law`` (a name) at
    ``params``: both budgets bind, so the search is over ``log N`` alone. For whole k,
    each k near the continuous optimum's is a piece ``C_inf/2(k+1) < N <= C_inf/2k``
    searched on its own (a grid over all N can step over the best piece)."""
    spec = get_law(law)

    def score(x):
        N = jnp.exp(x[0])
        k = C_inf / (2.0 * N)
        return jnp.where(k >= 1.0, -spec.log_miss_rate(params, N, C_train / (6.0 * N), k), -jnp.inf)

    lo = jnp.log(jnp.array([MIN_N]))
    hi = jnp.log(jnp.array([C_inf / 2.0]))
    x, v = grid_zoom_max(score, lo, hi, (n_grid,))
    N = jnp.exp(x[0])
    if not integer_k:
        return N, C_train / (6.0 * N), C_inf / (2.0 * N), -v

    def piece(k):
        def piece_score(y):
            M = jnp.exp(y[0])
            return -spec.log_miss_rate(params, M, C_train / (6.0 * M), k)

        top = C_inf / (2.0 * k)
        y, w = grid_zoom_max(piece_score, jnp.log(jnp.maximum(MIN_N, C_inf / (2.0 * (k + 1.0))))[None],
                             jnp.log(top)[None], (PIECE_GRID,))
        return jnp.exp(y[0]), jnp.where(top >= MIN_N, w, -jnp.inf)

    ks = jnp.maximum(jnp.floor(C_inf / (2.0 * N)) + jnp.arange(-PIECES, PIECES + 1.0), 1.0)
    Ns, vs = jax.vmap(piece)(ks)
    best = jnp.argmax(jnp.where(jnp.isnan(vs), -jnp.inf, vs))
    return Ns[best], C_train / (6.0 * Ns[best]), ks[best], -vs[best]


@program(static_argnames=("law", "integer_k", "n_grid"), storable=builtin_law)
def deployment_optimum(params, law, C, TQ, integer_k, n_grid):
    """Deployment-form optimum ``(N, D, k, log miss rate)``: one budget
    ``6ND + 2NkTQ = C``, searched over ``log N`` and the training share."""
    spec = get_law(law)

    def split(x):
        N, s = jnp.exp(x[0]), x[1]
        return N, s * C / (6.0 * N), whole_k((1.0 - s) * C / (2.0 * N * TQ), integer_k)

    def score(x):
        N, D, k = split(x)
        return jnp.where(k >= 1.0, -spec.log_miss_rate(params, N, D, k), -jnp.inf)

    lo = jnp.array([jnp.log(MIN_N), 1e-6])
    hi = jnp.array([jnp.log(C / (2.0 * TQ)), 1.0 - 1e-9])
    x, v = grid_zoom_max(score, lo, hi, (n_grid, n_grid))
    N, D, k = split(x)
    return N, D, k, -v


def _baseline(fit, params, C_train, k_of_N, integer_k, baseline_fit=None):
    spec = get_law(fit.law)
    if baseline_fit is None and not set(SURFACE) <= set(params):
        return None  # no loss surface of its own: no baseline unless one is given
    if baseline_fit is None:
        N, D = compute_optimal(params, C_train)
        source = f"the {fit.law} law's own loss surface"
    else:
        N, D = compute_optimal(baseline_params(baseline_fit), C_train)
        source = f"the given {baseline_fit.law} fit ({baseline_fit.method})"
    k = whole_k(k_of_N(N, D), integer_k)
    k_used = jnp.maximum(k, 1.0)
    log_miss = spec.log_miss_rate(params, N, D, k_used)
    return {
        "N": float(N),
        "D": float(D),
        "k": float(k_used),
        "tokens_per_param": float(D / N),
        "accuracy": float(-jnp.expm1(log_miss)),
        "miss_rate": float(jnp.exp(log_miss)),
        "over_inference_budget": bool(k < 1.0),
        "source": source,
    }


def baseline_params(fit: FitResult) -> dict:
    """The Chinchilla surface ``(E, A, B, alpha, beta)`` of a pretraining-loss fit."""
    if not isinstance(fit, FitResult):
        raise T2JaxError(f"baseline_fit must be a FitResult, not {type(fit).__name__}")
    names = ("E", "A", "B", "alpha", "beta")
    if get_law(fit.law).has_k or not set(names) <= set(fit.params):
        raise T2JaxError(f"the Chinchilla baseline needs a loss fit with {', '.join(names)} (e.g. law chinchilla), "
                         f"not a {fit.law} fit")
    return {n: jnp.asarray(fit.params[n], jnp.float64) for n in names}


def check_train_budget(C_train) -> None:
    """A training budget must allow one token per parameter for the smallest model."""
    least = 6.0 * MIN_N * MIN_N
    if np.any(np.asarray(C_train) < least):
        raise T2JaxError(f"training budget {np.min(C_train):g} FLOPs is below {least:g}, the least that trains a "
                         f"{MIN_N:g}-parameter model on one token per parameter")


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
    baseline_fit: Optional[FitResult] = None,
) -> Allocation:
    """Best ``(N, D, k)`` for a fitted T² law.

    Paper's form: ``allocate(fit, C_train, C_inf)`` with ``6ND <= C_train`` and
    ``2Nk <= C_inf``. Deployment form: ``allocate(fit, C, tokens_per_sample=T,
    queries=Q)`` with one budget ``6ND + 2NkTQ <= C``. ``n_grid`` is the first grid's
    points per axis (default 4,096 in the paper's form, 1,024 per axis in the
    deployment form, i.e. about a million candidates). The Chinchilla-optimal baseline's
    N and D come from ``baseline_fit`` (a pretraining-loss fit) when given, otherwise
    from the law's own loss surface; ``baseline["source"]`` says which.
    """
    C_train = check_scalar_budget("train_flops", train_flops)
    if tokens_per_sample is None and queries is None:
        if inference_flops is None:
            raise T2JaxError("give inference_flops (paper's form) or tokens_per_sample and queries (deployment form)")
        C_inf = check_scalar_budget("inference_flops", inference_flops)
        check_train_budget(C_train)
        if C_inf < 2.0 * MIN_N:
            raise T2JaxError(f"inference_flops {C_inf:g} cannot run even one sample of a {MIN_N:g}-parameter model")
        params = fit_params(fit)
        N, D, k, v = paper_optimum(params, fit.law, C_train, C_inf, integer_k, check_grid(n_grid or 4096))
        base = _baseline(fit, params, C_train, lambda N, D: C_inf / (2.0 * N), integer_k, baseline_fit)
        TQ, budgets = 1.0, {"train_flops": C_train, "inference_flops_per_query": C_inf}
    else:
        if inference_flops is not None or tokens_per_sample is None or queries is None:
            raise T2JaxError("the deployment form takes tokens_per_sample and queries, and no inference_flops")
        TQ = check_scalar_budget("tokens_per_sample", tokens_per_sample, "tokens") * check_scalar_budget(
            "queries", queries, "queries")
        if C_train < 6.0 * MIN_N * MIN_N + 2.0 * MIN_N * TQ:
            raise T2JaxError(f"deployment budget {C_train:g} FLOPs cannot train a {MIN_N:g}-parameter model on one "
                             f"token per parameter and serve {TQ:g} tokens once")
        params = fit_params(fit)
        N, D, k, v = deployment_optimum(params, fit.law, C_train, TQ, integer_k, check_grid(n_grid or 1024))
        # Baseline: the same split of the budget, with the Chinchilla-optimal model for its training part.
        C_inf = float(2.0 * N * k * TQ)
        base = _baseline(fit, params, float(6.0 * N * D), lambda N_, D_: C_inf / (2.0 * N_ * TQ), integer_k,
                         baseline_fit)
        budgets = {"total_flops": C_train}
    if not np.isfinite(float(v)):
        raise T2JaxError("no feasible allocation: the budgets do not allow k >= 1")
    reach = fit.extrapolation(float(N), float(D), float(k))
    warn_extrapolation(reach, "the T²-optimal allocation")
    out = Allocation(float(N), float(D), float(k), float(v), TQ, budgets, base, reach)
    if out.at_search_bound:
        warn(f"the optimum sits on the smallest model searched, N = {MIN_N:g} parameters: the budgets favour an "
             f"even smaller model, so this answer is the search's limit, not an optimum (inference dominates the cost)")
    return out


def check_grid(n_grid) -> int:
    """A search grid of at least 16 points per axis."""
    return check_count("n_grid", n_grid, 16)
