r"""Scores of a batch of simulated studies against their truths: interval coverage at each
nominal level with its binomial band, interval widths, point errors, and the rank of
every truth among its study's draws with a uniformity test.

Ranks: for a study with :math:`L` usable draws :math:`x_1..x_L` of a quantity whose true
value is :math:`t`, the normalised rank is :math:`(\#\{x_l < t\} + \tfrac12\#\{x_l = t\}) / L`.
If the draws are a calibrated posterior and the truths come from its prior (simulation-
based calibration), the ranks are uniform on [0, 1]; for a bootstrap at a fixed truth
they are uniform as far as the bootstrap distribution is a calibrated posterior. The
uniformity test is the largest gap between the ranks' ECDF and the diagonal, compared
with the same statistic for uniform samples of the same size (seeded Monte Carlo): its
``p_value`` and the simultaneous band (the statistic's 95% quantile) that the figure
draws around the diagonal.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

QUANTITIES = ("N", "D", "k", "accuracy")  #: allocation quantities scored at every budget
#: interval methods scored: the percentile bootstrap and its bias-corrected form (Efron's
#: BC: the percentiles moved by the point estimate's rank among the draws)
INTERVALS = ("percentile", "bias-corrected")
BAND_LEVEL = 0.95  #: the binomial and ECDF bands' level
MONTE_CARLO = 4000  #: uniform samples for the ECDF band and the uniformity p-value


def interval(draws: np.ndarray, level: float, point: float = None):
    r"""Central percentile interval of ``draws`` (NaN where there are none); with the
    ``point`` estimate, Efron's bias-corrected (BC) percentile interval: with
    :math:`z_0 = \Phi^{-1}(r)`, ``r`` the point's normalised rank among the draws (kept
    half a draw inside (0, 1)), the draws' quantiles at :math:`\Phi(2 z_0 \pm z_{(1+level)/2})`.
    Where the draws sit to one side of the point (a biased bootstrap distribution), the
    interval moves back towards it."""
    if draws.size == 0:
        return np.nan, np.nan
    probs = [(1 - level) / 2, (1 + level) / 2]
    if point is not None:
        if not np.isfinite(point):
            return np.nan, np.nan
        half = 0.5 / draws.size
        z0, unit = NormalDist().inv_cdf(min(max(normalised_rank(draws, point), half), 1 - half)), NormalDist()
        probs = [unit.cdf(2 * z0 + unit.inv_cdf(p)) for p in probs]
    return tuple(np.quantile(draws, probs))


def normalised_rank(draws: np.ndarray, truth: float) -> float:
    if draws.size == 0 or not np.isfinite(truth):
        return np.nan
    return float((np.sum(draws < truth) + 0.5 * np.sum(draws == truth)) / draws.size)


def study_rows(values: dict, truths: dict, points: dict, budgets, levels, methods=INTERVALS) -> list:
    """One row per (budget, quantity, interval method, level) of one study: the interval,
    whether it covers the truth, its width (upper/lower; for accuracy upper - lower) and
    the point's error (log ratio; for accuracy the difference). ``values[(b, q)]`` are
    the usable draws."""
    rows = []
    for b, (ct, ci) in enumerate(budgets):
        for q in QUANTITIES:
            draws, t, p = values[(b, q)], truths[(b, q)], points[(b, q)]
            error = p - t if q == "accuracy" else math.log(p / t) if p > 0 and t > 0 else np.nan
            for method in methods:
                for level in levels:
                    lo, hi = interval(draws, level, p if method == "bias-corrected" else None)
                    width = hi - lo if q == "accuracy" else hi / lo if lo > 0 else np.nan
                    rows.append({"budget": b, "C_train": ct, "C_inf": ci, "quantity": q, "method": method,
                                 "level": level, "lower": lo, "upper": hi, "truth": t, "point": p,
                                 "covered": bool(lo <= t <= hi), "width": width, "point_error": error})
    return rows


def binomial_band(n: int, p: float, level: float = BAND_LEVEL):
    """Central ``level`` interval of Binomial(n, p) / n (exact, from the pmf)."""
    k = np.arange(n + 1)
    log_pmf = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
    with np.errstate(divide="ignore"):
        log_pmf += k * np.log(p) + (n - k) * np.log1p(-p) if 0 < p < 1 else np.where(k == round(n * p), 0.0, -np.inf)
    cdf = np.cumsum(np.exp(log_pmf))
    lo = int(np.searchsorted(cdf, (1 - level) / 2))
    hi = int(np.searchsorted(cdf, (1 + level) / 2))
    return lo / n, min(hi, n) / n


def coverage_table(records: pd.DataFrame) -> pd.DataFrame:
    """Per (budget, quantity, interval method, level): studies scored, covered, the empirical coverage, its
    binomial band under exact calibration, median width and median |point error|.
    ``unscored`` counts the studies left out of that cell, and why never silently: a study
    with no usable draw (every refit failed) has no interval, and a truth the allocation
    could not place has nothing to cover."""
    out = []
    if "method" not in records:
        records = records.assign(method=INTERVALS[0])
    for (b, q, method, level), g in records.groupby(["budget", "quantity", "method", "level"], sort=True):
        scored = np.isfinite(g["lower"]) & np.isfinite(g["upper"]) & np.isfinite(g["truth"])
        unscored = int((~scored).sum())
        g = g[scored]
        n = len(g)
        lo, hi = binomial_band(n, level) if n else (np.nan, np.nan)
        out.append({"budget": int(b), "C_train": float(g["C_train"].iloc[0]) if n else np.nan,
                    "C_inf": float(g["C_inf"].iloc[0]) if n else np.nan, "quantity": q, "method": method,
                    "level": float(level),
                    "studies": n, "unscored": unscored, "covered": int(g["covered"].sum()), "coverage": g["covered"].mean() if n else np.nan,
                    "band_lower": lo, "band_upper": hi, "within_band": bool(n and lo <= g["covered"].mean() <= hi),
                    "median_width": float(np.median(g["width"])) if n else np.nan,
                    "median_abs_point_error": float(np.median(np.abs(g["point_error"]))) if n else np.nan})
    return pd.DataFrame(out)


def uniform_gap_null(n: int, seed: int = 0) -> np.ndarray:
    """The ECDF gap statistic of ``MONTE_CARLO`` uniform samples of size ``n`` (seeded)."""
    u = np.sort(np.random.default_rng(seed).uniform(size=(MONTE_CARLO, n)), axis=1)
    return ecdf_gap(u)


def ecdf_gap(sorted_ranks: np.ndarray) -> np.ndarray:
    """Largest distance between the ECDF of sorted samples (last axis) and the diagonal."""
    n = sorted_ranks.shape[-1]
    i = np.arange(1, n + 1)
    return np.maximum(np.max(i / n - sorted_ranks, axis=-1), np.max(sorted_ranks - (i - 1) / n, axis=-1))


def uniformity(ranks: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per column of ``ranks``: studies ranked, the ECDF gap, its Monte Carlo p-value under
    uniform ranks and the simultaneous band's half-width."""
    out = []
    for name in ranks.columns:
        r = np.sort(ranks[name].dropna().to_numpy())
        if r.size == 0:
            out.append({"quantity": name, "studies": 0, "gap": np.nan, "p_value": np.nan, "band": np.nan})
            continue
        null = uniform_gap_null(r.size, seed)
        gap = float(ecdf_gap(r))
        out.append({"quantity": name, "studies": int(r.size), "gap": gap,
                    "p_value": float((1 + np.sum(null >= gap)) / (1 + null.size)),
                    "band": float(np.quantile(null, BAND_LEVEL))})
    return pd.DataFrame(out)
