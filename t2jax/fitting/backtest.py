r"""Backtests: fit a law on some checkpoints, predict the held-out ones.

Choosing a law family by in-sample fit rewards flexibility; choosing it by
extrapolation rewards being right. :func:`backtest` fits each law on the training
checkpoints and scores held-out pass@k by the relative error of the task loss,
:math:`|\hat L - L| / L` with :math:`L = -\log \mathrm{pass}@k`.

Targets are the unbiased aggregate pass@k, so only k no larger than the held-out
checkpoint's smallest sample count are scored (beyond it the estimator is undefined
for unsolved problems); targets with pass@k of exactly 0 or 1 have no finite
relative error and are left out (their count is reported).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from t2jax.data.samples import Samples, observed_pass_at_k, solved_checkpoints
from t2jax.errors import T2JaxError
from t2jax.fitting.api import fit
from t2jax.laws.registry import get_law, law_names


def checkpoint_table(samples: Samples) -> pd.DataFrame:
    return pd.DataFrame({"checkpoint": samples.checkpoints, "N": samples.N, "D": samples.D})


def backtest(samples: Samples, holdout: str, laws=None, ks=None, test_ks=None) -> pd.DataFrame:
    """Fit each law on checkpoints where ``holdout`` is false, score those where it is true.

    Args:
      samples: repeated-sampling counts.
      holdout: a pandas expression over checkpoint columns ``N`` and ``D``, e.g. ``"D > 6e10"``.
      laws: registered pass@k laws (names or :class:`~t2jax.laws.law.Law`; default all of them).
      ks: training k values (default: powers of two up to the training minimum n).
      test_ks: scored k values (default: the 24 k of the Pythia tables, 1..10,000).
    Returns:
      one row per (law, held-out checkpoint, k): observed and predicted pass@k and
      task loss, and the relative error.
    """
    laws = [get_law(law) for law in (law_names(data="samples") if laws is None else laws)]
    for law in laws:
        if law.data != "samples" or law.accuracy is None:
            raise T2JaxError(f"law '{law.name}' does not predict pass@k; backtest laws: {', '.join(law_names(data='samples'))}")
    try:
        test = np.asarray(checkpoint_table(samples).eval(holdout), bool)
    except Exception as exc:  # pandas raises many types for a bad expression
        raise T2JaxError(f"cannot evaluate holdout expression {holdout!r} on columns N, D: {exc}") from None
    train_set = samples.subset(~test)
    test_set = samples.subset(test & solved_checkpoints(samples))
    if train_set.N.size < 3 or test_set.N.size == 0:
        raise T2JaxError(f"holdout {holdout!r} leaves {train_set.N.size} training and {test_set.N.size} test checkpoints")
    test_ks = np.asarray(
        test_ks if test_ks is not None else [1, 2, 4, 8, 10, 16, 32, 64, 100, 128, 256, 512, 768, 1000, 1024, 1280,
                                             1536, 2048, 3072, 4096, 6144, 7168, 8192, 10000], float)
    rows = []
    for law in laws:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fit(train_set, law, ks=ks)
        for i, name in enumerate(test_set.checkpoints):
            n_min = test_set.n[i][test_set.observed[i]].min()
            usable = test_ks[test_ks <= n_min]
            one = test_set.subset(np.arange(test_set.N.size) == i)
            obs = observed_pass_at_k(one, usable)[0]
            pred = result.accuracy(test_set.N[i], test_set.D[i], usable)
            for k, o, p in zip(usable, obs, pred):
                rows.append({"law": law.name, "checkpoint": name, "N": test_set.N[i], "D": test_set.D[i], "k": k,
                             "observed": o, "predicted": float(p), "converged": result.converged})
    table = pd.DataFrame(rows)
    scored = (table["observed"] > 0) & (table["observed"] < 1)
    L_obs = -np.log(table["observed"].where(scored))
    table["relative_error"] = np.abs(-np.log(table["predicted"]) - L_obs) / L_obs
    return table


def leave_one_out_splits(samples: Samples, column: str) -> list:
    """Holdout expressions holding out each distinct value of ``column`` (``"N"`` or ``"D"``) in turn."""
    if column not in ("N", "D"):
        raise T2JaxError(f"leave-one-out holds out values of N or D, not {column!r}")
    return [f"{column} == {float(v)!r}" for v in np.unique(getattr(samples, column))]


def backtest_splits(samples: Samples, holdouts, laws=None, ks=None) -> pd.DataFrame:
    """:func:`backtest` for each holdout expression, stacked with a ``holdout`` column."""
    tables = [backtest(samples, h, laws, ks).assign(holdout=h) for h in holdouts]
    return pd.concat(tables, ignore_index=True)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Mean (and median) relative error per law, with the number of scored targets."""
    scored = table.dropna(subset=["relative_error"])
    out = scored.groupby("law", sort=False)["relative_error"].agg(mean_relative_error="mean", median_relative_error="median", scored="size")
    out["unscored"] = table.groupby("law", sort=False).size() - out["scored"]
    return out.reset_index()
