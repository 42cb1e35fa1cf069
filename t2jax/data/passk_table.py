r"""The pass@k table of a study, computed once (from counts) or read (aggregate curves).

Every T² fitter, the backtest, the demo and the CLI start from the same table: the
k values, the aggregate pass@k of every checkpoint at each k, the checkpoints left out
(no problem ever solved: task loss :math:`-\log 0`), and the task-loss runs
:math:`(N, D, k, -\log \overline{\mathrm{pass}@k})` that T² Approach 1 fits. A table
computed from per-problem counts keeps them (``samples``); one read from published
curves (:func:`t2jax.data.aggregate.load_pass_at_k`) has none, and only the laws that
an aggregate curve identifies (``Family.from_curves``) fit it.
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


def data_fingerprint(data) -> str:
    """A short digest of the study a fit saw (each checkpoint's N, D and counts, or its
    pass@k curve), so that fits of different benchmarks are not compared as alternatives."""
    import hashlib

    if isinstance(data, PassKTable) and data.samples is not None:
        data = data.samples
    arrays = (data.N, data.D, data.n, data.c) if isinstance(data, Samples) else (data.N, data.D, data.ks, data.accuracy)
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(np.ascontiguousarray(np.asarray(a, np.float64)).tobytes())
    return digest.hexdigest()[:16]


def _rows(value, mask):
    return None if value is None else value[mask]


@dataclasses.dataclass(frozen=True)
class PassKTable:
    """Aggregate pass@k of the checkpoints of a study that solved something.

    Attributes:
      N, D: parameters and training tokens per checkpoint (rows).
      ks: the k values (columns of ``accuracy``).
      accuracy: ``(checkpoints, len(ks))`` aggregate pass@k.
      checkpoints: checkpoint labels (rows).
      dropped: labels of checkpoints left out because they solved no problem.
      samples: the per-problem counts of the rows when the table was computed from
        them, else None (an aggregate table).
      problems: problems behind each row's mean, when known (aggregate tables).
      samples_per_problem: samples drawn per problem for each row, when known.
    """

    N: np.ndarray
    D: np.ndarray
    ks: np.ndarray
    accuracy: np.ndarray
    checkpoints: np.ndarray
    dropped: tuple = ()
    samples: Optional[Samples] = None
    problems: Optional[np.ndarray] = None
    samples_per_problem: Optional[np.ndarray] = None

    @property
    def has_counts(self) -> bool:
        """Whether the per-problem counts behind the table are known."""
        return self.samples is not None

    def column(self, k: float) -> np.ndarray:
        """pass@k of every checkpoint at one tabulated ``k``."""
        return self.accuracy[:, self._k_index([k])[0]]

    def _k_index(self, ks) -> np.ndarray:
        missing = [float(k) for k in ks if not (self.ks == float(k)).any()]
        if missing:
            raise T2JaxError(f"k = {', '.join(f'{k:g}' for k in missing)} {'is' if len(missing) == 1 else 'are'} "
                             f"not among the table's k values "
                             f"({', '.join(f'{v:g}' for v in self.ks)})")
        return np.array([int(np.flatnonzero(self.ks == float(k))[0]) for k in ks])

    def select_ks(self, ks) -> "PassKTable":
        """The table at some of its k values (refused, naming them, if not tabulated)."""
        ks = np.atleast_1d(np.asarray(ks, float))
        if ks.size == 0:
            raise T2JaxError("ks is empty: give at least one k")
        return dataclasses.replace(self, ks=ks, accuracy=self.accuracy[:, self._k_index(ks)])

    def subset(self, mask) -> "PassKTable":
        """The rows (checkpoints) where ``mask`` holds."""
        mask = np.asarray(mask)
        return dataclasses.replace(
            self, N=self.N[mask], D=self.D[mask], accuracy=self.accuracy[mask], checkpoints=self.checkpoints[mask],
            samples=None if self.samples is None else self.samples.subset(mask),
            problems=_rows(self.problems, mask), samples_per_problem=_rows(self.samples_per_problem, mask))

    def task_runs(self) -> Runs:
        """``-log pass@k`` per (checkpoint, k) as runs (``group`` = checkpoint); cells with
        pass@k exactly 1 or 0 are left out (counted by :attr:`n_certain_cells`,
        :attr:`n_zero_cells`)."""
        return runs_from_pass_at_k(self.N, self.D, self.ks, self.accuracy, self.checkpoints)[0]

    @property
    def n_certain_cells(self) -> int:
        """(checkpoint, k) cells with pass@k exactly 1, left out of :meth:`task_runs`."""
        return int((self.accuracy >= 1.0).sum())

    @property
    def n_zero_cells(self) -> int:
        """(checkpoint, k) cells with pass@k exactly 0 (rounded aggregate curves), left out
        of :meth:`task_runs`."""
        return int((self.accuracy <= 0.0).sum())

    def to_frame(self):
        """One row per (checkpoint, k): ``checkpoint, N, D, k, pass_at_k`` (and ``problems``,
        ``samples`` when known): the layout :func:`t2jax.load_pass_at_k` reads."""
        import pandas as pd

        rows = len(self.N)
        frame = pd.DataFrame({"checkpoint": np.repeat(self.checkpoints, self.ks.size),
                              "N": np.repeat(self.N, self.ks.size), "D": np.repeat(self.D, self.ks.size),
                              "k": np.tile(self.ks, rows), "pass_at_k": self.accuracy.ravel()})
        problems, per = self.problems, self.samples_per_problem
        if self.samples is not None:
            problems = self.samples.observed.sum(1)
            per = np.array([self.samples.n[i][self.samples.observed[i]].min() for i in range(rows)])
        if problems is not None:
            frame["problems"] = np.repeat(problems, self.ks.size)
        if per is not None:
            frame["samples"] = np.repeat(per, self.ks.size)
        return frame


def pass_k_table(samples: Samples, ks=None) -> PassKTable:
    """Drop checkpoints that solved nothing (listed in ``dropped``), then tabulate pass@k
    at ``ks`` (default: powers of two up to the smallest sample count, at most 10,000)."""
    if not isinstance(samples, Samples):
        raise T2JaxError(f"pass_k_table takes repeated-sampling counts (Samples, from t2jax.load_samples), "
                         f"not {type(samples).__name__}")
    solved = solved_checkpoints(samples)
    if not solved.any():
        raise T2JaxError("no checkpoint solved any problem: pass@k is 0 everywhere and no law can be fitted")
    dropped = tuple(str(c) for c in samples.checkpoints[~solved])
    kept = samples.subset(solved)
    ks = default_ks(kept) if ks is None else check_k(kept, ks)
    return PassKTable(kept.N, kept.D, np.asarray(ks, float), observed_pass_at_k(kept, ks), kept.checkpoints,
                      dropped, samples=kept)


def as_table(data, ks: Optional[object] = None) -> PassKTable:
    """A :class:`PassKTable` from counts (computed at ``ks``) or a table (at ``ks`` when given)."""
    if isinstance(data, PassKTable):
        return data if ks is None else data.select_ks(ks)
    if isinstance(data, Samples):
        return pass_k_table(data, ks)
    raise T2JaxError(f"expected repeated-sampling counts (Samples) or a PassKTable, not {type(data).__name__}")


def counts_of(data, table: PassKTable) -> Samples:
    """The per-problem counts a count law fits: ``data`` itself when it is counts (every
    checkpoint, those that solved nothing too), else the table's (refused for an
    aggregate table, which has none)."""
    if isinstance(data, Samples):
        return data
    if table.samples is None:
        raise T2JaxError("this law needs per-problem counts; an aggregate pass@k table has none "
                         "(load counts with t2jax.load_samples)")
    return table.samples
