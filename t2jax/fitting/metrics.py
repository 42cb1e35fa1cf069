r"""Out-of-sample scores of predicted pass@k, and their summaries.

Per (law, held-out checkpoint, k), with observed :math:`o` and predicted :math:`p`:

* ``abs_error`` :math:`|p - o|`: what a reader of a pass@k plot sees; defined
  everywhere, but blind to a 4x miss at :math:`o = 0.005`.
* ``log_ratio`` :math:`|\log(p/o)|`: the factor by which pass@k is off; use it where
  pass@k is small (hard problems, small k). Needs :math:`o > 0`.
* ``miss_log_ratio`` :math:`|\log((1-p)/(1-o))|`: the factor by which the miss rate is
  off; use it near saturation (0.99 vs 0.9999 is a 100x error here, 0.01 in
  ``abs_error``). Needs :math:`o < 1`.
* ``relative_error`` :math:`|\log p - \log o| / (-\log o)`: the relative error of the
  task loss :math:`-\log \mathrm{pass}@k`, as the T² paper fits it. Needs
  :math:`0 < o < 1`; it flatters large errors at small pass@k and inflates small ones
  near 1, so prefer the two log ratios for choosing a law.

Cells where a metric is undefined (observed exactly 0 or 1) are left out of that
metric's mean and counted (``observed_0``, ``observed_1``). Predictions of exactly 0
or 1 (a law saturating in float64) enter the log metrics as :math:`10^{-300}` and
:math:`1 - 2^{-53}`, so an infinitely wrong prediction scores a large finite error. ``above_cap`` marks
predictions above the held-out checkpoint's solved fraction, the largest pass@k any
k can reach on problems it never solved (NaN where the solved fraction is unknown: an
aggregate pass@k table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = ("abs_error", "log_ratio", "miss_log_ratio", "relative_error")
#: k bands and observed pass@k bands of the summaries (right-closed).
K_BANDS = (0, 8, 128, np.inf)
PASS_BANDS = (0.0, 0.01, 0.1, 0.5, 0.9, 1.0)


def add_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (columns observed, predicted, solved_fraction) with every metric."""
    o, raw = table["observed"].to_numpy(float), table["predicted"].to_numpy(float)
    p = np.clip(raw, 1e-300, 1.0 - 2.0**-53)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos, below = o > 0, o < 1
        out = table.assign(
            abs_error=np.abs(raw - o),
            log_ratio=np.where(pos, np.abs(np.log(p) - np.log(o)), np.nan),
            miss_log_ratio=np.where(below, np.abs(np.log1p(-p) - np.log1p(-o)), np.nan),
            relative_error=np.where(pos & below, np.abs(np.log(p) - np.log(o)) / -np.log(o), np.nan),
            above_cap=np.where(np.isnan(cap := table["solved_fraction"].to_numpy(float)), np.nan, raw > cap + 1e-12),
        )
    return out


def summarise(table: pd.DataFrame, by=None) -> pd.DataFrame:
    """Mean of each metric per law (and per ``by``: ``"k_band"``, ``"pass_band"`` or a
    column), with the number of targets, the cells left out of the log metrics
    (observed exactly 0 or 1) and the share of predictions above the solved cap."""
    if table.empty:
        return pd.DataFrame(columns=["law", "targets", *METRICS])
    table = table.assign(k_band=pd.cut(table["k"], K_BANDS),
                         pass_band=pd.cut(table["observed"], PASS_BANDS, include_lowest=True))
    if by in ("k_band", "pass_band"):  # bands in ascending order, laws in their order
        table = table.sort_values(by, kind="stable")
        table[by] = table[by].astype(str)
    keys = ["law"] + ([by] if by else [])
    grouped = table.groupby(keys, sort=False)
    out = grouped[list(METRICS)].mean()
    out.insert(0, "targets", grouped.size())
    out["observed_0"] = grouped["observed"].apply(lambda o: int((o <= 0).sum()))
    out["observed_1"] = grouped["observed"].apply(lambda o: int((o >= 1).sum()))
    out["above_cap"] = grouped["above_cap"].mean()
    return out.reset_index()
