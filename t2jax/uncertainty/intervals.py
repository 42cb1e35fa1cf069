"""Interval summaries of resampled or posterior draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from t2jax.validate import check_level


class DrawsSummary:
    """Shared summaries of results holding ``point`` (a fit) and ``draws`` (a DataFrame)."""

    @property
    def usable_draws(self) -> pd.DataFrame:
        return self.draws

    def interval(self, level: float = 0.95, columns=None) -> pd.DataFrame:
        """Percentile intervals of the usable draws, one row per parameter, with the point estimate."""
        cols = columns or list(self.point.params)
        return percentile_interval(self.usable_draws[cols], level, point={c: self.point.params.get(c, np.nan) for c in cols})


def percentile_interval(draws: pd.DataFrame, level: float = 0.95, point=None) -> pd.DataFrame:
    """Percentile interval of each column, with the median (and the point estimate if given)."""
    level = check_level(level)
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
    level = check_level(level)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    return np.percentile(values, lo, axis=axis), np.percentile(values, hi, axis=axis)


def bca_interval(draws: pd.DataFrame, estimate: dict, jackknife: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    r"""Bias-corrected and accelerated (BCa) intervals (Efron 1987).

    With :math:`\hat z_0 = \Phi^{-1}(\#\{\theta^*_b < \hat\theta\}/B)` and acceleration
    :math:`\hat a = \sum_i (\bar\theta - \theta_{(i)})^3 / 6 [\sum_i (\bar\theta - \theta_{(i)})^2]^{3/2}`
    from the jackknife values :math:`\theta_{(i)}`, the interval is the
    :math:`\Phi(\hat z_0 + (\hat z_0 + z)/(1 - \hat a(\hat z_0 + z)))` quantiles of the
    draws for :math:`z = z_{(1 \mp \text{level})/2}`.
    """
    from statistics import NormalDist

    normal = NormalDist()
    rows = {}
    for name in draws.columns:
        values = draws[name].to_numpy(float)
        theta = float(estimate[name])
        share = np.clip(np.mean(values < theta), 1.0 / values.size, 1.0 - 1.0 / values.size)
        z0 = normal.inv_cdf(share)
        jk = jackknife[name].to_numpy(float)
        dev = jk.mean() - jk
        denom = 6.0 * np.sum(dev**2) ** 1.5
        a = float(np.sum(dev**3) / denom) if denom > 0 else 0.0
        qs = []
        for z in (normal.inv_cdf((1 - level) / 2), normal.inv_cdf((1 + level) / 2)):
            qs.append(normal.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))))
        lower, upper = np.quantile(values, qs)
        rows[name] = {"estimate": theta, "lower": lower, "median": float(np.median(values)), "upper": upper,
                      "z0": z0, "acceleration": a}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "quantity"
    table.attrs["level"] = level
    return table
