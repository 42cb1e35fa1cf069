"""Several laws asked one quality target: the least lifetime compute ``6ND + 2NkTQ``
that reaches a pass@k **under every law** (the robust choice), beside each law's own
answer, and, for every choice, the laws under which it reaches the target."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import jax
import numpy as np
import pandas as pd

from t2jax.allocation.compare import check_fits, labels
from t2jax.allocation.t2 import fit_params
from t2jax.allocation.least_d import least_cost
from t2jax.allocation.target import MAX_K, REACH_TOL, cost_row, target_accuracy_allocation
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult, jsonable
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.uncertainty.derived import DRAW_SOURCES


@dataclasses.dataclass(frozen=True)
class TargetComparison:
    """Choices (rows: each law's own answer, ``robust``) with their cost, and each law's
    predicted pass@k at each choice and whether it reaches the target (columns: laws)."""

    target: float
    choices: pd.DataFrame
    accuracy: pd.DataFrame
    reaches: pd.DataFrame
    unreachable: dict

    @property
    def share(self) -> pd.Series:
        """Share of the laws under which each choice reaches the target."""
        return self.reaches.mean(axis=1)

    def to_dict(self) -> dict:
        frame = lambda f: f.to_dict(orient="index")
        return jsonable({"target": self.target, "choices": frame(self.choices), "accuracy": frame(self.accuracy),
                         "reaches": frame(self.reaches), "share": self.share.to_dict(),
                         "unreachable": self.unreachable})


_robust_search = jax.jit(least_cost, static_argnames=("laws", "with_k", "integer_k", "n_grid"))


def robust_search(fits, target, TQ, max_k, integer_k, n_grid):
    """Least ``6ND + 2NkTQ`` over ``(log N, log k)`` with ``D`` the largest of the laws'
    least ``D`` reaching the target at ``(N, k)``. One compiled program per set of laws
    (the laws are static; target, budgets and parameters are not)."""
    return _robust_search(tuple(get_law(f.law) for f in fits), tuple(fit_params(f) for f in fits),
                          target, TQ, max_k, True, integer_k, n_grid)


@x64
def compare_targets(fits: Sequence[FitResult], target_accuracy: float, tokens_per_sample: float, queries: float, *,
                    integer_k: bool = False, max_k: float = MAX_K, n_grid: int = 96,
                    check_data: bool = True) -> TargetComparison:
    """Each law's least-compute answer for ``target_accuracy`` and the ``robust`` choice
    that reaches it under every law, all scored under every law."""
    fits = check_fits(fits, check_data)
    names = labels(fits)
    rows, unreachable = {}, {}
    for name, f in zip(names, fits):
        try:
            point = dataclasses.replace(f, extras={k: v for k, v in f.extras.items() if k not in DRAW_SOURCES})
            answer = target_accuracy_allocation(point, target_accuracy, tokens_per_sample, queries,
                                                integer_k=integer_k, max_k=max_k)
            rows[name] = answer.answer
        except T2JaxError as exc:
            unreachable[name] = str(exc)
    TQ = float(tokens_per_sample) * float(queries)
    N, D, k, cost = (float(v) for v in robust_search(fits, float(target_accuracy), TQ, float(max_k), integer_k, n_grid))
    if np.isfinite(cost):
        rows["robust"] = cost_row(N, D, k, TQ)
    else:
        unreachable["robust"] = "no allocation in the search box reaches the target under every law"
    choices = pd.DataFrame.from_dict(rows, orient="index")
    log_miss = np.stack([np.asarray(get_law(f.law).log_miss_rate(fit_params(f), choices["N"].to_numpy(),
                                                                 choices["D"].to_numpy(), choices["k"].to_numpy()))
                         for f in fits], 1) if len(choices) else np.zeros((0, len(fits)))
    reach = log_miss <= np.log1p(-float(target_accuracy)) + REACH_TOL
    return TargetComparison(float(target_accuracy), choices,
                            pd.DataFrame(-np.expm1(log_miss), index=choices.index, columns=names),
                            pd.DataFrame(reach, index=choices.index, columns=names), unreachable)
