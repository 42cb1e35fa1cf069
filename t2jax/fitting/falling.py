r"""Held-out checkpoints that get worse with more training.

Some real checkpoints solve fewer problems after more tokens (small Pythia models late in
training), which no law that improves with D can predict, and the mean backtest metrics
are then dominated by them. A held-out checkpoint is *falling* when its per-problem
solve rate, paired problem by problem with the same-size checkpoint at the next smaller
D, drops by more than sampling noise: the mean paired difference of pass@1 is below
:math:`-z` standard errors (:math:`z = 3`; the standard error of the mean of the paired
differences over the problems both were asked). Backtests report metrics with and without them.

An aggregate pass@k table has no per-problem pairing: :func:`falling_curves` compares the
two checkpoints' pass at the smallest tabulated k with the unpaired standard error of
two means over the table's problems, :math:`\sqrt{p_1(1-p_1)/m_1 + p_2(1-p_2)/m_2}` (an
upper bound for means of per-problem rates in [0, 1]; conservative, so fewer flags than
paired counts give). Without the number of problems nothing is flagged.
"""

from __future__ import annotations

import numpy as np

from t2jax.data.passk_table import PassKTable
from t2jax.data.samples import Samples

Z = 3.0


def falling_checkpoints(samples: Samples, test: np.ndarray, z: float = Z) -> np.ndarray:
    """For each checkpoint of ``samples`` where ``test`` holds, whether its pass@1 falls
    below the same-size checkpoint at the next smaller D by more than ``z`` standard errors
    (False for the others, and where there is no such earlier checkpoint)."""
    rate = np.where(samples.observed, samples.c / np.maximum(samples.n, 1), np.nan)
    out = np.zeros(samples.N.size, bool)
    for i in np.flatnonzero(test):
        j = _earlier(samples.N, samples.D, i)
        if j is None:
            continue
        diff = rate[i] - rate[j]
        diff = diff[np.isfinite(diff)]
        if diff.size < 2:
            continue
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        out[i] = diff.mean() < -z * se and diff.mean() < 0
    return out


def _earlier(N, D, i):
    """The same-size checkpoint at the next smaller D (None when there is none)."""
    earlier = np.flatnonzero((N == N[i]) & (D < D[i]))
    return None if earlier.size == 0 else earlier[np.argmax(D[earlier])]


def falling_curves(table: PassKTable, test: np.ndarray, z: float = Z) -> np.ndarray:
    """:func:`falling_checkpoints` for an aggregate table (see the module note)."""
    out = np.zeros(table.N.size, bool)
    if table.problems is None:
        return out
    p, m = table.accuracy[:, int(np.argmin(table.ks))], table.problems
    for i in np.flatnonzero(test):
        j = _earlier(table.N, table.D, i)
        if j is not None:
            se = np.sqrt(p[i] * (1 - p[i]) / m[i] + p[j] * (1 - p[j]) / m[j])
            out[i] = p[i] - p[j] < -z * se and p[i] < p[j]
    return out
