r"""Backtests: fit a law on some checkpoints, predict the held-out ones.

Choosing a law family by in-sample fit rewards flexibility; choosing it by
extrapolation rewards being right. :func:`backtest` fits each law on the training
checkpoints and scores held-out pass@k with the metrics of :mod:`t2jax.fitting.metrics`;
:func:`select_law` ranks laws over several extrapolation splits.

Targets are the unbiased aggregate pass@k, so only k no larger than the held-out
checkpoint's smallest sample count are scored (beyond it the estimator is undefined
for unsolved problems). Nothing is dropped silently: checkpoints that solved nothing
(training or held out), cells beyond n, and laws that could not be fitted are listed
in the result and counted in its summary.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from t2jax.data.passk_table import PassKTable
from t2jax.data.samples import Samples, observed_pass_at_k, solved_checkpoints
from t2jax.errors import T2JaxError
from t2jax.fitting.api import fit
from t2jax.fitting.falling import falling_checkpoints, falling_curves
from t2jax.fitting.metrics import METRICS, add_metrics, summarise
from t2jax.laws.registry import family_of, get_law, law_names
from t2jax.progress import Steps


DEFAULT_TEST_KS = (1, 2, 4, 8, 10, 16, 32, 64, 100, 128, 256, 512, 768, 1000, 1024, 1280, 1536, 2048, 3072, 4096,
                   6144, 7168, 8192, 10000)  # the k of the published Pythia pass@k tables
DROPPED_COLUMNS = ["holdout", "checkpoint", "role", "reason", "cells"]
LOGLIK_COLUMNS = ["holdout", "law", "checkpoint", "falling", "counts", "loglik"]


def checkpoint_table(samples) -> pd.DataFrame:
    return pd.DataFrame({"checkpoint": samples.checkpoints, "N": samples.N, "D": samples.D})


@dataclasses.dataclass(frozen=True)
class Backtest:
    """Out-of-sample scores with everything left out accounted for.

    Attributes:
      table: one row per (holdout, law, held-out checkpoint, k): observed and predicted
        pass@k, the held-out checkpoint's solved fraction, every metric of
        :mod:`t2jax.fitting.metrics`, and the fit's ``converged`` and ``at_bound``.
      fits: one row per (holdout, law): ``converged``, ``at_bound``, training cells left
        out, and ``error`` (why the law could not be fitted on that split, else empty).
      dropped: one row per checkpoint or group of cells left out: ``holdout``,
        ``checkpoint``, ``role`` (train/test), ``reason`` and ``cells``.
      loglik: one row per (holdout, law, held-out checkpoint) for laws that predict each
        problem's count: ``counts`` scored and ``loglik``, their summed log predictive
        probability (nats). ``summary()`` reports ``heldout_loglik``, nats per count.

    ``table`` marks held-out checkpoints whose pass@1 falls as D grows beyond sampling
    noise (``falling``, :mod:`t2jax.fitting.falling`); ``summary(falling=False)`` leaves
    them out.
    """

    table: pd.DataFrame
    fits: pd.DataFrame
    dropped: pd.DataFrame
    loglik: pd.DataFrame = dataclasses.field(default_factory=lambda: pd.DataFrame(columns=LOGLIK_COLUMNS))

    def summary(self, by=None, falling: bool = True) -> pd.DataFrame:
        """Per law: metric means and counts, the held-out log score, plus what was left out
        (failed and flagged fits, unscored held-out checkpoints, dropped training checkpoints
        and cells beyond n, summed over splits). With ``by`` (``"k_band"``, ``"pass_band"``):
        the metrics per band. ``falling=False``: without the falling held-out checkpoints."""
        table = self.table if falling or self.table.empty else self.table[~self.table["falling"].astype(bool)]
        out = summarise(table, by)
        if by:
            return out
        laws = self.fits.groupby("law", sort=False)
        flags = pd.DataFrame({
            "failed_fits": laws["error"].apply(lambda e: int((e != "").sum())),
            "flagged_fits": laws.apply(lambda f: int(((~f["converged"]) | (f["at_bound"] != "")).sum()),
                                       include_groups=False),
        }).reset_index()
        out = flags.merge(out, on="law", how="left") if not out.empty else flags
        ll = self.loglik
        if not falling and not ll.empty:
            ll = ll[~ll["falling"].astype(bool)]
        if not ll.empty:
            sums = ll.groupby("law", sort=False)[["loglik", "counts"]].sum()
            score = (sums["loglik"] / sums["counts"]).rename("heldout_loglik").reset_index()
            out = out.merge(score, on="law", how="left")
        else:
            out["heldout_loglik"] = np.nan
        out["falling_checkpoints"] = int(table.drop_duplicates(["holdout", "checkpoint"])["falling"].sum()) \
            if "falling" in table else 0
        count = lambda role: int(self.dropped.loc[(self.dropped["role"] == role) & (self.dropped["cells"] == 0)].shape[0])
        out["unscored_checkpoints"] = count("test")
        out["dropped_train_checkpoints"] = count("train")
        out["k_beyond_n_cells"] = int(self.dropped.loc[self.dropped["cells"] > 0, "cells"].sum())
        return out

    def to_dict(self) -> dict:
        records = lambda f: f.replace({np.nan: None}).to_dict(orient="records")
        return {"summary": records(self.summary()), "summary_not_falling": records(self.summary(falling=False)),
                "by_k_band": records(self.summary("k_band")),
                "by_pass_band": records(self.summary("pass_band")), "fits": records(self.fits),
                "dropped": records(self.dropped), "loglik": records(self.loglik)}

    @staticmethod
    def concat(parts) -> "Backtest":
        return Backtest(*(pd.concat([getattr(p, f) for p in parts], ignore_index=True)
                          for f in ("table", "fits", "dropped", "loglik")))


def _dropped_rows(holdout, samples, role, mask, reason):
    return [{"holdout": holdout, "checkpoint": str(c), "role": role, "reason": reason, "cells": 0}
            for c in samples.checkpoints[mask]]


def default_laws(data) -> list:
    """Every pass@k law; for an aggregate table, those its curves identify."""
    names = law_names(data="samples")
    if isinstance(data, PassKTable) and not data.has_counts:
        names = [n for n in names if family_of(get_law(n)).from_curves]
    return names


def _count_cells(test_set: Samples, test_ks, holdout, dropped):
    """Held-out cells of counts: pass@k at every test k up to the checkpoint's smallest n."""
    cells = []
    for i, name in enumerate(test_set.checkpoints):
        obs_i = test_set.observed[i]
        usable = test_ks[test_ks <= test_set.n[i][obs_i].min()]
        if usable.size < test_ks.size:
            dropped.append({"holdout": holdout, "checkpoint": str(name), "role": "test", "cells": int(test_ks.size - usable.size),
                            "reason": f"k > {int(usable.max()) if usable.size else 0}, the smallest n of its problems"})
        one = test_set.subset(np.arange(test_set.N.size) == i)
        cells.append((name, usable, observed_pass_at_k(one, usable)[0], float(np.mean(test_set.c[i][obs_i] > 0))))
    return cells


def _curve_cells(test_set: PassKTable, test_ks, holdout, dropped):
    """Held-out cells of an aggregate table: its curves at the test k it tabulates (the
    solved fraction is unknown without counts: NaN, so ``above_cap`` is NaN too)."""
    usable = test_ks[np.isin(test_ks, test_set.ks)]
    if usable.size < test_ks.size:
        dropped += [{"holdout": holdout, "checkpoint": str(name), "role": "test", "cells": int(test_ks.size - usable.size),
                     "reason": "k not tabulated"} for name in test_set.checkpoints]
    acc = test_set.select_ks(usable).accuracy if usable.size else np.zeros((test_set.N.size, 0))
    return [(name, usable, acc[i], np.nan) for i, name in enumerate(test_set.checkpoints)]


def backtest(samples, holdout: str, laws=None, ks=None, test_ks=None, steps=None) -> Backtest:
    """Fit each law on checkpoints where ``holdout`` is false, score those where it is true.

    Args:
      samples: repeated-sampling counts, or a pass@k table (an aggregate one from
        :func:`~t2jax.data.aggregate.load_pass_at_k`: the laws its curves identify are
        scored on its curves, at the k it tabulates; no ``heldout_loglik``).
      holdout: a pandas expression over checkpoint columns ``N`` and ``D``, e.g. ``"D > 6e10"``.
      laws: registered pass@k laws (names or :class:`~t2jax.laws.law.Law`; default all of
        them, for an aggregate table those it identifies).
      ks: training k values (default: powers of two up to the training minimum n; for a
        table, its k values).
      test_ks: scored k values (default: the 24 k of the Pythia tables, 1..10,000; for an
        aggregate table, its k values).
      steps: a :class:`~t2jax.progress.Steps` counting one step per law fitted (default: its own).
    """
    counts = isinstance(samples, Samples)
    if not counts and not isinstance(samples, PassKTable):
        raise T2JaxError(f"backtest takes repeated-sampling counts or a pass@k table, not {type(samples).__name__}")
    laws = [get_law(law) for law in (default_laws(samples) if laws is None else laws)]
    for law in laws:
        if law.data != "samples" or law.accuracy is None:
            raise T2JaxError(f"law '{law.name}' does not predict pass@k; backtest laws: {', '.join(law_names(data='samples'))}")
    try:
        test = np.asarray(checkpoint_table(samples).eval(holdout), bool)
    except Exception as exc:  # pandas raises many types for a bad expression
        raise T2JaxError(f"cannot evaluate holdout expression {holdout!r} on columns N, D: {exc}") from None
    solved = solved_checkpoints(samples) if counts else np.ones(samples.N.size, bool)
    train_set, test_set = samples.subset(~test), samples.subset(test & solved)
    falling = (falling_checkpoints if counts else falling_curves)(samples, test & solved)[test & solved]
    if train_set.N.size < 3 or test_set.N.size == 0:
        raise T2JaxError(f"holdout {holdout!r} leaves {train_set.N.size} training and {test_set.N.size} scorable "
                         "test checkpoints")
    dropped = (_dropped_rows(holdout, samples, "train", ~test & ~solved, "solved no problem: no finite task loss")
               + _dropped_rows(holdout, samples, "test", test & ~solved, "solved no problem: pass@k is 0 at every k"))
    if not counts:
        dropped += [{"holdout": holdout, "checkpoint": c, "role": "loaded", "cells": 0,
                     "reason": "pass@k 0 at every k: left out when the table was read"} for c in samples.dropped]
    default_test = DEFAULT_TEST_KS if counts else samples.ks
    test_ks = np.asarray(test_ks if test_ks is not None else default_test, float)
    cells = (_count_cells if counts else _curve_cells)(test_set, test_ks, holdout, dropped)
    rows, fits, logliks = [], [], []
    own = steps is None
    steps = Steps(len(laws), "t2jax backtest") if own else steps
    for law in laws:
        steps.next(f"{law.name} on {holdout!r}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = fit(train_set, law, ks=ks)
        except T2JaxError as exc:
            fits.append(failed_fit(holdout, law.name, exc))
            continue
        flags = {"converged": bool(result.converged), "at_bound": ",".join(result.at_bound)}
        fits.append({"holdout": holdout, "law": law.name, **flags,
                     "train_cells_dropped": int(sum(result.extras.get("dropped_cells", {}).values())),
                     "error": ""})
        ll = family_of(law).count_loglik(result, law, train_set, test_set) if counts else None
        if ll is not None:
            logliks += [{"holdout": holdout, "law": law.name, "checkpoint": name, "falling": bool(falling[i]),
                         "counts": int(np.isfinite(ll[i]).sum()), "loglik": float(np.nansum(ll[i]))}
                        for i, name in enumerate(test_set.checkpoints)]
        for i, (name, usable, obs, cap) in enumerate(cells):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # every held-out point extrapolates; the table says how far
                pred = result.accuracy(test_set.N[i], test_set.D[i], usable)
            reach = result.extrapolation(test_set.N[i], test_set.D[i])["factors"]
            for k, o, p in zip(usable, obs, pred):
                rows.append({"holdout": holdout, "law": law.name, "checkpoint": name, "N": test_set.N[i],
                             "D": test_set.D[i], "k": k, "observed": o, "predicted": float(p), "solved_fraction": cap,
                             "extrapolation_N": reach["N"], "extrapolation_D": reach["D"],
                             "falling": bool(falling[i]), **flags})
    if own:
        steps.close()
    table = add_metrics(pd.DataFrame(rows)) if rows else pd.DataFrame(columns=["law", "k", "observed", *METRICS])
    return Backtest(table, pd.DataFrame(fits), pd.DataFrame(dropped, columns=DROPPED_COLUMNS),
                    pd.DataFrame(logliks, columns=LOGLIK_COLUMNS))


def failed_fit(holdout: str, law: str, exc: Exception) -> dict:
    """The fits-table row of a law that could not be fitted on a split."""
    return {"holdout": holdout, "law": law, "converged": False, "at_bound": "", "train_cells_dropped": 0,
            "error": str(exc)}


def leave_one_out_splits(samples, column: str) -> list:
    """Holdout expressions holding out each distinct value of ``column`` (``"N"`` or ``"D"``) in turn."""
    if column not in ("N", "D"):
        raise T2JaxError(f"leave-one-out holds out values of N or D, not {column!r}")
    return [f"{column} == {float(v)!r}" for v in np.unique(getattr(samples, column))]


def default_splits(samples) -> list:
    """Extrapolation splits for law choice: hold out the largest D, the largest N, then each
    other N in turn (the largest N's own split is the second, counted once)."""
    top = float(samples.N.max())
    return [f"D >= {float(samples.D.max())!r}", f"N >= {top!r}"] + [
        s for s in leave_one_out_splits(samples, "N") if s != f"N == {top!r}"]


def backtest_splits(samples, holdouts, laws=None, ks=None) -> Backtest:
    """:func:`backtest` for each holdout expression, stacked (a split that leaves too few
    checkpoints is recorded as a failed fit of every law, not skipped)."""
    parts = []
    names = [get_law(law).name for law in (default_laws(samples) if laws is None else laws)]
    steps = Steps(len(holdouts) * len(names), "t2jax backtest")
    for h in holdouts:
        try:
            parts.append(backtest(samples, h, laws, ks, steps=steps))
        except T2JaxError as exc:
            steps.done += len(names)
            fits = pd.DataFrame([failed_fit(h, n, exc) for n in names])
            parts.append(Backtest(pd.DataFrame(columns=["holdout", "law", "k", "observed", *METRICS]), fits,
                                  pd.DataFrame(columns=DROPPED_COLUMNS)))
    steps.close()
    return Backtest.concat(parts)


def select_law(samples, laws=None, metric: str = "log_ratio", splits=None, ks=None):
    """Rank laws by their out-of-sample ``metric`` over extrapolation ``splits`` (default
    :func:`default_splits`): returns ``(ranking, per_split, result)``. Each split counts
    equally; a law that could not be fitted on a split ranks below every law that could."""
    if metric not in METRICS:
        raise T2JaxError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    splits = default_splits(samples) if splits is None else list(splits)
    result = backtest_splits(samples, splits, laws, ks)
    scores = result.table.groupby(["holdout", "law"], sort=False)[metric].mean().unstack("law")
    per_split = scores.reindex(index=splits, columns=result.fits["law"].unique())
    ranking = pd.DataFrame({"law": per_split.columns, f"mean_{metric}": per_split.mean().to_numpy(),
                            "failed_splits": per_split.isna().sum().to_numpy()})
    ranking = ranking.sort_values(["failed_splits", f"mean_{metric}"], na_position="last").reset_index(drop=True)
    return ranking, per_split, result
