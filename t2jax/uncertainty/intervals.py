"""Interval summaries of resampled or posterior draws."""

from __future__ import annotations

import numpy as np
import pandas as pd


def percentile_interval(draws: pd.DataFrame, level: float = 0.95, point=None) -> pd.DataFrame:
    """Percentile interval of each column, with the median (and the point estimate if given)."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    table = pd.DataFrame(
        {
            "lower": draws.quantile(lo),
            "median": draws.median(),
            "upper": draws.quantile(hi),
        }
    )
    if point is not None:
        table.insert(0, "estimate", pd.Series(point))
    table.index.name = "quantity"
    table.attrs["level"] = level
    return table


def band(values: np.ndarray, level: float = 0.95, axis: int = 0):
    """Lower and upper percentile curves of draws stacked along ``axis``."""
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    return np.percentile(values, lo, axis=axis), np.percentile(values, hi, axis=axis)
