r"""Held-out checkpoints that get worse with more training.

Some real checkpoints solve fewer problems after more tokens (small Pythia models late in
training), which no law that improves with D can predict, and the mean backtest metrics
are then dominated by them. A held-out checkpoint is *falling* when its per-problem
solve rate, paired problem by problem with the same-size checkpoint at the next smaller
D, drops by more than sampling noise: the mean paired difference of pass@1 is below
:math:`-z` standard errors (:math:`z = 3`; the standard error of the mean of the paired
differences over the problems both were asked). Backtests report metrics with and without them.
"""

from __future__ import annotations

import numpy as np

from t2jax.data.samples import Samples

Z = 3.0


def falling_checkpoints(samples: Samples, test: np.ndarray, z: float = Z) -> np.ndarray:
    """For each checkpoint of ``samples`` where ``test`` holds, whether its pass@1 falls
    below the same-size checkpoint at the next smaller D by more than ``z`` standard errors
    (False for the others, and where there is no such earlier checkpoint)."""
    rate = np.where(samples.observed, samples.c / np.maximum(samples.n, 1), np.nan)
    out = np.zeros(samples.N.size, bool)
    for i in np.flatnonzero(test):
        earlier = np.flatnonzero((samples.N == samples.N[i]) & (samples.D < samples.D[i]))
        if earlier.size == 0:
            continue
        j = earlier[np.argmax(samples.D[earlier])]
        diff = rate[i] - rate[j]
        diff = diff[np.isfinite(diff)]
        if diff.size < 2:
            continue
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        out[i] = diff.mean() < -z * se and diff.mean() < 0
    return out
