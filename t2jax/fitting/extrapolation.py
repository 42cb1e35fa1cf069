r"""How far a prediction extrapolates beyond the data a law was fitted on.

A fit records the range of each quantity it saw (``extras["fitted_range"]``: N, D,
tokens per parameter D/N and, for pass@k laws, k). For a query point the
*extrapolation factor* of a quantity is

.. math:: f = \max\Big(\frac{x}{x_\max},\; \frac{x_\min}{x},\; 1\Big),

1 inside the fitted range, 30 for a point 30 times beyond it. A warning
(:class:`ExtrapolationWarning`) is raised past :data:`WARN_FACTORS`: 10 for N and D
(scaling laws are fitted to be extrapolated in scale, but an order of magnitude is
already a forecast), 3 for tokens per parameter and k (these change the regime: a
law fitted near D/N = 20 says little about D/N = 600, which is where T² optima lie).
"""

from __future__ import annotations

import numpy as np

from t2jax.errors import warn

#: Extrapolation factor past which a prediction or allocation warns, per quantity.
WARN_FACTORS = {"N": 10.0, "D": 10.0, "tokens_per_param": 3.0, "k": 3.0}


class ExtrapolationWarning(UserWarning):
    """A prediction or allocation lies far outside the fitted data."""


def fitted_range(N, D, k=None) -> dict:
    """``{quantity: [min, max]}`` of the data a law is fitted on."""
    N, D = np.asarray(N, np.float64), np.asarray(D, np.float64)
    out = {"N": N, "D": D, "tokens_per_param": D / N}
    if k is not None:
        out["k"] = np.asarray(k, np.float64)
    return {name: [float(np.min(v)), float(np.max(v))] for name, v in out.items()}


def extrapolation(ranges: dict, N, D, k=None) -> dict:
    """Extrapolation factors of a query point (the largest over arrays) and the
    quantities past :data:`WARN_FACTORS` (``"flagged"``); empty without ranges."""
    if not ranges:
        return {}
    point = {"N": N, "D": D, "tokens_per_param": np.asarray(D, np.float64) / np.asarray(N, np.float64), "k": k}
    factors = {}
    for name, (lo, hi) in ranges.items():
        if point.get(name) is None:
            continue
        x = np.asarray(point[name], np.float64)
        factors[name] = float(np.max(np.maximum(np.maximum(x / hi, lo / x), 1.0)))
    flagged = [name for name, f in factors.items() if f > WARN_FACTORS.get(name, np.inf)]
    return {"factors": factors, "flagged": flagged}


def warn_extrapolation(report: dict, what: str) -> None:
    """Warn when ``report`` (from :func:`extrapolation`) flags a quantity."""
    if report and report["flagged"]:
        shown = ", ".join(f"{name} {report['factors'][name]:.3g}x" for name in report["flagged"])
        warn(f"{what} extrapolates beyond the fitted data ({shown} past the fitted range); "
                      "treat it as a forecast and check the law by backtest", ExtrapolationWarning)
