r"""The pass@k table of a repeated-sampling study, computed once.

Every T² fitter, the backtest, the demo and the CLI start from the same table: the
k values, the aggregate unbiased pass@k of every checkpoint at each k, the
checkpoints left out (no problem ever solved: task loss :math:`-\log 0`), and the
task-loss runs :math:`(N, D, k, -\log \overline{\mathrm{pass}@k})` that T² Approach 1
fits.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from t2jax.data.runs import Runs
from t2jax.data.samples import (
    Samples,
    check_k,
    observed_pass_at_k,
    runs_from_pass_at_k,
    solved_checkpoints,
)
from t2jax.errors import T2JaxError

#: Largest k of the default k grid.
DEFAULT_K_MAX = 10_000


def default_ks(samples: Samples, k_max: float = DEFAULT_K_MAX) -> np.ndarray:
    """Powers of two up to the smallest sample count (and ``k_max``)."""
    limit = min(float(samples.n[samples.observed].min()), k_max)
    return 2.0 ** np.arange(int(np.floor(np.log2(limit))) + 1)


@dataclasses.dataclass(frozen=True)
class PassKTable:
    """Aggregate pass@k of the solved checkpoints of a study.

    Attributes:
      samples: the counts of the checkpoints kept (those that solved something).
      ks: the k values (columns of ``accuracy``).
      accuracy: ``(checkpoints, len(ks))`` aggregate unbiased pass@k.
      dropped: labels of checkpoints left out because they solved no problem.
    """

    samples: Samples
    ks: np.ndarray
    accuracy: np.ndarray
    dropped: tuple = ()

    @property
    def N(self) -> np.ndarray:
        return self.samples.N

    @property
    def D(self) -> np.ndarray:
        return self.samples.D

    def column(self, k: float) -> np.ndarray:
        """pass@k of every checkpoint at one tabulated ``k``."""
        hit = np.flatnonzero(self.ks == k)
        if hit.size == 0:
            raise T2JaxError(f"k = {k:g} is not among the table's k values ({', '.join(f'{v:g}' for v in self.ks)})")
        return self.accuracy[:, hit[0]]

    def task_runs(self) -> Runs:
        """``-log pass@k`` per (checkpoint, k) as runs (``group`` = checkpoint); cells with
        pass@k = 1 are left out (see :attr:`n_certain_cells`)."""
        return runs_from_pass_at_k(self.N, self.D, self.ks, self.accuracy, self.samples.checkpoints)[0]

    @property
    def n_certain_cells(self) -> int:
        """(checkpoint, k) cells with pass@k exactly 1, left out of :meth:`task_runs`."""
        return int((self.accuracy >= 1.0).sum())


def pass_k_table(samples: Samples, ks=None) -> PassKTable:
    """Drop checkpoints that solved nothing (listed in ``dropped``), then tabulate pass@k
    at ``ks`` (default: powers of two up to the smallest sample count, at most 10,000)."""
    solved = solved_checkpoints(samples)
    if not solved.any():
        raise T2JaxError("no checkpoint solved any problem: pass@k is 0 everywhere and no law can be fitted")
    dropped = tuple(str(c) for c in samples.checkpoints[~solved])
    kept = samples.subset(solved)
    ks = default_ks(kept) if ks is None else check_k(kept, ks)
    return PassKTable(kept, np.asarray(ks, float), observed_pass_at_k(kept, ks), dropped)


def as_table(data, ks: Optional[object] = None) -> PassKTable:
    """A :class:`PassKTable` from counts (computed) or a table (returned as it is)."""
    if isinstance(data, PassKTable):
        return data
    if isinstance(data, Samples):
        return pass_k_table(data, ks)
    raise T2JaxError(f"expected repeated-sampling counts (Samples) or a PassKTable, not {type(data).__name__}")
