"""Decisions that survive the choice of law.

Every law is wrong somewhere, and pass@k laws fitted to one benchmark disagree on the best
``(N, D, k)``. :func:`compare_allocations` puts each law's optimum beside the others and
scores every choice under every law: its predicted pass@k and miss rate, and its
**regret**, the miss-rate ratio to that law's own optimum (1 is no loss; 1.25 misses a
quarter more). Over a grid of candidate allocations on the budget frontier (and the laws'
own optima) it picks the **minimax-regret** choice, whose worst ratio over the laws is
least, and, given weights (:mod:`t2jax.allocation.weights`), the choice of least expected
log regret. Both answer to the laws that can be trusted to: not a law whose optimum sits
on the search's smallest model, nor (given weights) one under half an equal share of
the weight; those are named in ``left_out`` and still shown in every table. With bootstrap or posterior draws, each choice's regret has a distribution
over every law's draws (each draw's own optimum is its reference).
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.allocation.draws import allocation_draws, draw_tables
from t2jax.allocation.t2 import MIN_N, allocate, fit_params, whole_k
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult, jsonable
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.uncertainty.derived import param_arrays
from t2jax.uncertainty.intervals import percentile_interval

GRID = 4096  #: candidate model sizes on the paper's frontier (per axis: 256 in the deployment form)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Laws' optima and every choice scored under every law (rows: choices, columns: laws).

    ``regret`` is the miss-rate ratio to the column law's own optimum; ``accuracy_loss``
    the pass@k given up against it. ``draw_regret`` (with draws): per choice and law, the
    median and upper quantile of the regret over that law's draws."""

    budgets: dict
    optima: pd.DataFrame
    choices: pd.DataFrame
    accuracy: pd.DataFrame
    miss_rate: pd.DataFrame
    regret: pd.DataFrame
    accuracy_loss: pd.DataFrame
    weights: Optional[dict] = None
    left_out: dict = dataclasses.field(default_factory=dict)
    intervals: dict = dataclasses.field(default_factory=dict)
    draw_regret: Optional[pd.DataFrame] = None
    level: float = 0.9

    @property
    def worst_regret(self) -> pd.Series:
        """Each choice's largest regret over the laws."""
        return self.regret.max(axis=1)

    @property
    def spread(self) -> dict:
        """Largest over smallest optimum across laws, for N, D and k."""
        return {q: float(self.optima[q].max() / self.optima[q].min()) for q in ("N", "D", "k")}

    def summary_line(self) -> str:
        """How much the answer depends on the law, in one line."""
        laws = list(self.optima.index)
        own = self.worst_regret.loc[laws]
        s = self.spread
        covered = [n for n in laws if n not in self.left_out]
        minimax = self.regret.loc["minimax", covered].max()
        return (f"across {len(laws)} laws N* spans {s['N']:.3g}x, D* {s['D']:.3g}x and k* {s['k']:.3g}x; choosing by "
                f"one law costs up to {own.max():.3g}x its miss rate under another ({own.idxmax()}'s choice), the "
                f"minimax choice at most {minimax:.3g}x under the {len(covered)} law(s) it answers to")

    def to_dict(self) -> dict:
        frame = lambda f: f.to_dict(orient="index")
        out = {"budgets": self.budgets, "optima": frame(self.optima), "choices": frame(self.choices),
               "accuracy": frame(self.accuracy), "miss_rate": frame(self.miss_rate), "regret": frame(self.regret),
               "accuracy_loss": frame(self.accuracy_loss), "worst_regret": self.worst_regret.to_dict(),
               "spread": self.spread, "summary": self.summary_line(), "weights": self.weights,
               "robust_over": [n for n in self.optima.index if n not in self.left_out], "left_out": self.left_out,
               "intervals": self.intervals, "level": self.level}
        if self.draw_regret is not None:
            out["draw_regret"] = self.draw_regret.to_dict(orient="records")
        return jsonable(out)


def labels(fits: Sequence[FitResult]) -> list:
    """A name per fit: its law, with the method where a law appears twice."""
    laws = [f.law for f in fits]
    names = [law if laws.count(law) == 1 else f"{law} ({f.method})" for law, f in zip(laws, fits)]
    if len(set(names)) < len(names):
        raise T2JaxError(f"two fits of the same law and method ({', '.join(names)}): compare different laws")
    return names


def check_fits(fits, check_data: bool = True) -> list:
    """At least two fits of pass@k laws, of the same data (the fit's ``data_id``) unless told otherwise."""
    fits = list(fits)
    if len(fits) < 2:
        raise T2JaxError("comparing allocations needs fits of at least 2 laws")
    for i, f in enumerate(fits):
        if not isinstance(f, FitResult):
            raise T2JaxError(f"fit {i + 1} is a {type(f).__name__}, not a FitResult")
        if get_law(f.law).accuracy is None:
            raise T2JaxError(f"fit {i + 1} is of law '{f.law}', which predicts no pass@k: compare pass@k laws "
                             f"fitted to one benchmark's counts")
    ids = {f.extras.get("data_id") for f in fits} - {None}
    if check_data and len(ids) > 1:
        which = ", ".join(f"{f.law}: {f.extras.get('data_id')}" for f in fits)
        raise T2JaxError(f"the fits saw different data ({which}): compare laws fitted to the same benchmark "
                         f"(check_data=False if they are one benchmark in two forms)")
    return fits


def robust_left_out(names, best, w) -> dict:
    """Laws the minimax and weighted choices do not answer to, with the reason: an optimum
    on the smallest model searched (its regrets are measured from the search's limit, and
    such a law is extrapolating far: small models with huge k), and, given weights, a
    weight under half an equal share (the law did not backtest well). If that would leave
    none, every law counts."""
    out = {n: f"its optimum sits on the smallest model searched (N = {MIN_N:g})" for n, a in zip(names, best)
           if a.at_search_bound}
    if w is not None:
        out |= {n: f"weight {v:.3g} is under half an equal share ({0.5 / len(names):.3g})" for n, v in zip(names, w)
                if v < 0.5 / len(names) and n not in out}
    return {} if len(out) == len(names) else out


def candidates(C_train, C_inf, TQ, integer_k: bool, grid: int):
    """Allocations on the budget frontier: both budgets spent (paper's form, one axis in N)
    or the one budget split between training and serving (deployment form, N x share)."""
    if TQ is None:
        N = np.geomspace(MIN_N, C_inf / 2.0, grid)
        D, k = C_train / (6.0 * N), C_inf / (2.0 * N)
    else:
        side = max(grid // 16, 64)
        N, s = (a.ravel() for a in np.meshgrid(np.geomspace(MIN_N, C_train / (2.0 * TQ), side),
                                               np.linspace(0.01, 0.999, side), indexing="ij"))
        D, k = s * C_train / (6.0 * N), (1.0 - s) * C_train / (2.0 * N * TQ)
    k = np.asarray(whole_k(k, integer_k))
    keep = k >= 1.0
    return N[keep], D[keep], k[keep]


@x64
def compare_allocations(fits: Sequence[FitResult], train_flops: float, inference_flops: Optional[float] = None, *,
                        tokens_per_sample: Optional[float] = None, queries: Optional[float] = None,
                        integer_k: bool = False, weights: Optional[dict] = None, level: float = 0.9,
                        draws: bool = True, check_data: bool = True, grid: int = GRID) -> Comparison:
    """Each law's optimal ``(N, D, k)`` and every choice scored under every law.

    Budgets as :func:`~t2jax.allocation.allocate` (paper's form or deployment form).
    ``weights``: law label -> weight, or :func:`~t2jax.allocation.weights.backtest_weights`'s
    ``{"weights": ..., "basis": ...}``; adds the ``weighted`` choice, least expected log
    regret. ``draws``: ``True`` carries each fit's bootstrap/posterior draws (its
    ``extras``, as ``t2jax fit --json`` writes them), or a mapping law label -> draws
    table (e.g. ``bootstrap(...).usable_draws``), into allocation intervals and regret
    distributions at ``level``; ``False``: none.
    """
    fits = check_fits(fits, check_data)
    names = labels(fits)
    form = dict(tokens_per_sample=tokens_per_sample, queries=queries, integer_k=integer_k)
    best = [allocate(f, train_flops, inference_flops, **form) for f in fits]
    optima = pd.DataFrame([{"N": a.N, "D": a.D, "k": a.k, "tokens_per_param": a.tokens_per_param,
                            "accuracy": a.accuracy, "miss_rate": a.miss_rate} for a in best], index=names)
    TQ = None if tokens_per_sample is None else best[0].inference_tokens
    C_inf = None if TQ is not None else best[0].budgets["inference_flops_per_query"]
    N, D, k = candidates(float(train_flops), C_inf, TQ, integer_k, grid)
    N, D, k = (np.concatenate([a, optima[q].to_numpy()]) for a, q in ((N, "N"), (D, "D"), (k, "k")))
    log_miss = np.stack([np.asarray(get_law(f.law).log_miss_rate(fit_params(f), N, D, k)) for f in fits], 1)
    log_regret = np.maximum(log_miss - np.array([a.log_miss_rate for a in best])[None, :], 0.0)
    picks = {name: N.size - len(fits) + i for i, name in enumerate(names)}
    w, basis = None, None
    if weights is not None:
        basis = weights.get("basis") if isinstance(weights.get("weights"), dict) else None
        weights = weights["weights"] if isinstance(weights.get("weights"), dict) else weights
        w = np.array([float(weights.get(n, 0.0)) for n in names])
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise T2JaxError(f"weights must be numbers >= 0 for the laws {', '.join(names)}, not all 0")
        w = w / w.sum()
    left_out = robust_left_out(names, best, w)
    cols = [i for i, n in enumerate(names) if n not in left_out]
    scores = np.where(np.isfinite(log_regret), log_regret, np.inf)[:, cols]
    picks["minimax"] = int(np.argmin(scores.max(axis=1)))
    if w is not None:
        share = w[cols] / w[cols].sum()
        picks["weighted"] = int(np.argmin(np.where(share > 0, scores, 0.0) @ share))
        weights = {"weights": dict(zip(names, w.tolist())), "basis": basis,
                   "expected_regret": float(np.exp(log_regret[picks["weighted"], cols] @ share))}
    rows = list(picks.values())
    choices = pd.DataFrame({"N": N[rows], "D": D[rows], "k": k[rows], "tokens_per_param": D[rows] / N[rows]},
                           index=list(picks))
    table = lambda a: pd.DataFrame(a[rows], index=list(picks), columns=names)
    miss = np.exp(log_miss)
    comparison = Comparison(
        budgets=best[0].budgets, optima=optima, choices=choices, accuracy=table(-np.expm1(log_miss)),
        miss_rate=table(miss), regret=table(np.exp(log_regret)),
        accuracy_loss=table(optima["accuracy"].to_numpy()[None, :] + np.expm1(log_miss)), weights=weights,
        left_out=left_out, level=level)
    if draws is False:
        return comparison
    sets = {n: (draw_tables(f) if draws is True else draw_tables(f, draws[n]) if n in draws else {})
            for n, f in zip(names, fits)}
    rows, intervals = [], {}
    for name, f in zip(names, fits):
        for source, table in sets[name].items():
            own = allocation_draws(table, f.law, train_flops, inference_flops, **form)
            usable = np.isfinite(own.to_numpy(np.float64)).all(axis=1)  # a draw whose optimum is not a number
            block = {"draws": int(usable.size), "unusable": int((~usable).sum())}
            if usable.any():
                block |= percentile_interval(own[usable], level).to_dict(orient="index")
                rows += _draw_regret(f, name, source, table[usable], own[usable], choices, level)
            intervals.setdefault(name, {})[source] = block
    return dataclasses.replace(comparison, intervals=intervals, draw_regret=pd.DataFrame(rows) if rows else None)


def _draw_regret(fit, name, source, table, own, choices, level) -> list:
    """Rows per choice: the regret's median and upper quantile over one law's draws (each
    draw's own optimum ``own`` is its reference)."""
    Nc, Dc, kc = (jnp.asarray(choices[q].to_numpy()) for q in ("N", "D", "k"))
    law = get_law(fit.law)
    p = param_arrays(table, law.params)
    at = np.asarray(jax.vmap(lambda q: law.log_miss_rate(q, Nc, Dc, kc))(p))  # (draws, choices)
    ratio = np.exp(np.maximum(at - np.log(own["miss_rate"].to_numpy())[:, None], 0.0))
    rows = []
    for j, choice in enumerate(choices.index):
        r = ratio[:, j][np.isfinite(ratio[:, j])]
        rows.append({"choice": choice, "law": name, "source": source, "draws": int(r.size),
                     "median": float(np.median(r)) if r.size else None,
                     "upper": float(np.quantile(r, level)) if r.size else None})
    return rows
