r"""Target-quality allocation: the least lifetime compute that reaches a loss or a pass@k.

The dual of :mod:`t2jax.allocation.t2`. **Loss target** (Sardana et al. 2024, any law in
``(N, D)``): for :math:`T` lifetime inference tokens,

.. math:: \min_{N, D}\; 6ND + 2NT \quad\text{subject to}\quad L(N, D) = L_\text{target},

reported beside the equal-quality *Chinchilla-style* model (minimum :math:`6ND` alone)
and its lifetime cost. **pass@k target** (any law with pass@k): for :math:`Q` queries of
:math:`T` tokens per sample,

.. math:: \min_{N, D, k}\; 6ND + 2NkTQ \quad\text{subject to}\quad
          \log(1 - \mathrm{pass}@k(N, D, k)) \le \log(1 - P_\text{target}),

worked in the miss rate so targets such as 0.999999 stay resolved; the best ``k = 1``
answer is reported beside. Quality is assumed to improve with ``D`` (as every
registered law does), so for each ``(N, k)`` the least ``D`` reaching the target is a
root in :math:`\log D` (:mod:`t2jax.allocation.least_d`: one per ``k`` for a law whose
pass@k acts through its loss surface); the outer search over :math:`\log N` (and :math:`\log k`)
is the grid-plus-zoom of :mod:`t2jax.allocation.search`. The search box is
:data:`N_RANGE`, :data:`D_RANGE` and ``1 <= k <=`` ``max_k``; a target the law cannot
reach inside it is an error that says the best value reachable.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional, Union

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.allocation.draws import draw_tables, map_draws
from t2jax.allocation.least_d import D_RANGE, N_RANGE, least_cost, target_gap
from t2jax.errors import T2JaxError
from t2jax.fitting.extrapolation import warn_extrapolation
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import builtin_law, get_law, law_names
from t2jax.precision import x64
from t2jax.programs import program
from t2jax.uncertainty.derived import param_arrays
from t2jax.uncertainty.intervals import percentile_interval
from t2jax.validate import check_scalar_budget, check_level

MAX_K = 1e6  #: default largest k searched
REACH_TOL = 1e-12  #: a draw "reaches" the target within this (loss, or log miss rate)


@program(static_argnames=("law", "with_k", "integer_k", "n_grid"), storable=builtin_law)
def target_optimum(params, law, target, inference_tokens, max_k, with_k, integer_k, n_grid):
    """Least-cost ``(N, D, k)`` reaching ``target``: cost ``6ND + 2 N k T`` with
    ``T = inference_tokens`` (k fixed at 1 when ``with_k`` is false; for a loss law k is
    absent and ``T`` is the lifetime inference tokens). Returns ``(N, D, k, cost)``,
    ``cost = inf`` where the target is out of reach (:func:`~t2jax.allocation.least_d.least_cost`)."""
    return least_cost((get_law(law),), (params,), target, inference_tokens, max_k, with_k, integer_k, n_grid)


@program(static_argnames=("law", "n_grid"), storable=builtin_law)
def best_reachable(params, law, max_k, n_grid=512):
    """The best quality inside the search box: the least loss, or the largest pass@k
    (``k <= max_k``)."""
    spec = get_law(law)
    logN = jnp.linspace(jnp.log(N_RANGE[0]), jnp.log(N_RANGE[1]), n_grid)
    if spec.accuracy is None:
        return jnp.min(spec.loss(params, jnp.exp(logN), D_RANGE[1]))
    logk = jnp.linspace(0.0, jnp.log(max_k), n_grid)
    grid = spec.log_miss_rate(params, jnp.exp(logN)[:, None], D_RANGE[1], jnp.exp(logk)[None, :])
    return -jnp.expm1(jnp.min(jnp.where(jnp.isnan(grid), jnp.inf, grid)))


@dataclasses.dataclass(frozen=True)
class TargetAllocation:
    """The least-lifetime-compute model reaching a quality target, with comparisons.

    ``kind`` is ``"loss"`` or ``"accuracy"``; ``answer`` and each entry of
    ``comparisons`` are dicts of N, D, k, tokens per parameter and training, inference
    and total FLOPs; ``ratios`` compare the answer to each comparison. ``uncertainty``
    has one block per draw source (``"bootstrap"``, ``"posterior"``): intervals of the
    required N, D, k and FLOPs over the draws that reach the target, how many do not,
    and the probability that the point answer reaches the target. ``extrapolation``
    says how far the answer lies from the fitted data (fits that record it)."""

    kind: str
    target: float
    answer: dict
    comparisons: dict
    ratios: dict
    uncertainty: dict = dataclasses.field(default_factory=dict)
    extrapolation: dict = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def cost_row(N, D, k, inference_tokens, with_k=True):
    N, D, k = float(N), float(D), float(k)
    train, infer = 6.0 * N * D, 2.0 * N * k * inference_tokens
    return {"N": N, "D": D} | ({"k": k} if with_k else {}) | {
        "tokens_per_param": D / N, "train_flops": train, "inference_flops": infer, "total_flops": train + infer}


def _ratios(answer, other):
    return {"N": answer["N"] / other["N"], "D": answer["D"] / other["D"],
            "total_flops": answer["total_flops"] / other["total_flops"]}


def _law_params(fit, law):
    if isinstance(fit, FitResult):
        name, params = fit.law, fit.params
    elif isinstance(fit, Mapping):
        name, params = (law or "chinchilla"), fit
    else:
        raise T2JaxError(f"give a FitResult or a mapping of parameters, not {type(fit).__name__}")
    spec = get_law(name)
    missing = [p for p in spec.params if p not in params]
    if missing:
        raise T2JaxError(f"law '{spec.name}' needs parameters {', '.join(missing)}")
    values = {p: jnp.asarray(float(params[p]), jnp.float64) for p in spec.params}
    bad = [p for p, v in values.items() if not np.isfinite(float(v))]
    if bad:
        raise T2JaxError(f"parameters {', '.join(bad)} are not finite")
    return spec, values


def _check_target(value, name, low, high):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise T2JaxError(f"{name} must be a number; got {value!r}") from None
    if not (np.isfinite(value) and low < value < high):
        raise T2JaxError(f"{name} must lie in ({low:g}, {high:g}); got {value}")
    return value


def _out_of_reach(spec, params, what, target, max_k):
    best = float(best_reachable(params, spec.name, max_k))
    box = f"N <= {N_RANGE[1]:g}, D <= {D_RANGE[1]:g}" + ("" if spec.accuracy is None else f", k <= {max_k:g}")
    floor = f" (its floor E = {float(params['E']):.6g})" if spec.accuracy is None and "E" in spec.params else ""
    word = "lowest loss" if spec.accuracy is None else "highest pass@k"
    return T2JaxError(f"{what} {target:g} is out of reach of law '{spec.name}': the {word} it reaches with {box} "
                      f"is {best:.6g}{floor}")


def _uncertainty(spec, fit, draws, answer, target, T, max_k, with_k, integer_k, level, n_grid_draws):
    """Per draw set: the required allocation under every draw, and P(point answer reaches target)."""
    import pandas as pd

    out = {}
    for name, table in draw_tables(fit, draws).items():
        missing = [p for p in spec.params if p not in table.columns]
        if missing:
            raise T2JaxError(f"{name} draws lack parameters {', '.join(missing)} of law '{spec.name}'")
        p = param_arrays(table, spec.params)
        N, D, k, cost = (np.asarray(a) for a in map_draws(target_optimum, p, spec.name, target, T, max_k, with_k,
                                                           integer_k, n_grid_draws, static=(0, 4, 5, 6)))
        k_point = jnp.asarray(answer.get("k", 1.0)) if with_k else None
        gap = jax.vmap(lambda q: target_gap(spec, q, target, answer["N"], answer["D"], k_point))(p)
        ok = np.isfinite(cost)
        rows = pd.DataFrame({"N": N, "D": D} | ({"k": k} if with_k else {}) | {"tokens_per_param": D / N,
                                                                               "total_flops": cost})[ok]
        out[name] = {
            "level": level, "n_draws": int(ok.size), "n_unreachable": int((~ok).sum()),
            "p_reaches_target": float(np.mean(np.asarray(gap) <= REACH_TOL)),
            "intervals": percentile_interval(rows, level).to_dict(orient="index") if ok.any() else {},
        }
    return out


@x64
def target_loss_allocation(fit: Union[FitResult, Mapping], target_loss: float, inference_tokens: float, *,
                           law: Optional[str] = None, draws=None, level: float = 0.95,
                           n_grid: int = 4096) -> TargetAllocation:
    """Least ``6ND + 2NT`` with ``L(N, D) = target_loss`` for ``T = inference_tokens``
    lifetime inference tokens, beside the equal-quality Chinchilla-style model (least
    ``6ND``). ``fit`` is a :class:`FitResult` or a mapping of parameters of ``law``;
    parameter ``draws`` (a table, or those the fit carries) give the ``uncertainty``."""
    spec, params = _law_params(fit, law)
    if spec.has_k:
        raise T2JaxError(f"law '{spec.name}' models pass@k: give a pass@k target instead")
    target = _check_target(target_loss, "target loss", 0.0, np.inf)
    T = check_scalar_budget("inference_tokens", inference_tokens, "tokens") if inference_tokens else 0.0
    best = target_optimum(params, spec.name, target, T, 1.0, False, False, n_grid)
    if not np.isfinite(float(best[3])):
        raise _out_of_reach(spec, params, "target loss", target, 1.0)
    equal = target_optimum(params, spec.name, target, 0.0, 1.0, False, False, n_grid)
    answer, chinchilla = cost_row(*best[:3], T, with_k=False), cost_row(*equal[:3], T, with_k=False)
    level = check_level(level)
    spread = _uncertainty(spec, fit, draws, answer, target, T, 1.0, False, False, level, 1024)
    return TargetAllocation("loss", target, answer, {"chinchilla_style": chinchilla},
                            {"chinchilla_style": _ratios(answer, chinchilla)}, spread, _reach(fit, answer))


@x64
def target_accuracy_allocation(fit: Union[FitResult, Mapping], target_accuracy: float, tokens_per_sample: float,
                               queries: float, *, law: Optional[str] = None, integer_k: bool = False,
                               max_k: float = MAX_K, draws=None, level: float = 0.95,
                               n_grid: int = 128) -> TargetAllocation:
    """Least ``6ND + 2NkTQ`` with ``pass@k(N, D, k) >= target_accuracy``, beside the best
    ``k = 1`` model (same lifetime cost) and the Chinchilla-style ``k = 1`` model (least
    ``6ND`` alone). ``n_grid`` points per axis of the ``(log N, log k)`` grid."""
    spec, params = _law_params(fit, law)
    if spec.accuracy is None:
        raise T2JaxError(f"law '{spec.name}' has no pass@k: a pass@k target needs one of "
                         f"{', '.join(law_names(accuracy=True))}")
    target = _check_target(target_accuracy, "target pass@k", 0.0, 1.0)
    TQ = check_scalar_budget("tokens_per_sample", tokens_per_sample, "tokens") * check_scalar_budget(
        "queries", queries, "queries")
    max_k = _check_target(max_k, "max_k", 1.0 - 1e-12, np.inf)
    best = target_optimum(params, spec.name, target, TQ, max_k, True, integer_k, n_grid)
    if not np.isfinite(float(best[3])):
        raise _out_of_reach(spec, params, "target pass@k", target, max_k)
    answer = cost_row(*best[:3], TQ)
    comparisons, ratios = {}, {}
    for name, inference in (("k1", TQ), ("chinchilla_style", 0.0)):
        one = target_optimum(params, spec.name, target, inference, 1.0, False, False, 4096)
        if np.isfinite(float(one[3])):
            comparisons[name] = cost_row(*one[:3], TQ)
            ratios[name] = _ratios(answer, comparisons[name])
        else:  # repeated sampling is what makes the target reachable at all
            comparisons[name] = {"reachable": False, "best_pass_at_1": float(best_reachable(params, spec.name, 1.0))}
    level = check_level(level)
    spread = _uncertainty(spec, fit, draws, answer, target, TQ, max_k, True, integer_k, level, 32)
    return TargetAllocation("accuracy", target, answer, comparisons, ratios, spread, _reach(fit, answer))


def _reach(fit, answer) -> dict:
    if not isinstance(fit, FitResult):
        return {}
    report = fit.extrapolation(answer["N"], answer["D"], answer.get("k"))
    warn_extrapolation(report, "the target-quality allocation")
    return report
