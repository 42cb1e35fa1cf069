"""The design of a simulated study: which checkpoints are trained, how many problems each
is asked, how many samples each problem gets, and the budgets the allocation is asked about."""

from __future__ import annotations

import dataclasses

import numpy as np

from t2jax.errors import T2JaxError
from t2jax.validate import check_count

#: The joint-calibration benchmark's budget pairs ``(C_train, C_inf)``.
BUDGETS = ((2.56e19, 2e9), (1e21, 1e11))


@dataclasses.dataclass(frozen=True)
class Design:
    """Checkpoints ``(N, D)``, ``problems`` asked at every checkpoint, ``samples`` per
    problem, and the budget pairs ``(C_train, C_inf)`` at which every draw is allocated."""

    N: np.ndarray
    D: np.ndarray
    problems: int = 200
    samples: int = 2048
    budgets: tuple = BUDGETS

    def __post_init__(self):
        N, D = (np.asarray(v, np.float64).ravel() for v in (self.N, self.D))
        if N.shape != D.shape or N.size < 4:
            raise T2JaxError(f"a design needs N and D of one length, at least 4 checkpoints; got {N.size} and {D.size}")
        for name, v in (("N", N), ("D", D)):
            bad = np.flatnonzero(~np.isfinite(v) | (v <= 0))
            if bad.size:
                raise T2JaxError(f"design {name}[{bad[0]}] = {v[bad[0]]!r}: must be a positive finite number")
        check_count("problems", self.problems, 2)
        check_count("samples", self.samples)
        budgets = tuple((float(ct), float(ci)) for ct, ci in self.budgets)
        if not budgets or not all(np.isfinite(b).all() and min(b) > 0 for b in budgets):
            raise T2JaxError(f"budgets must be positive (C_train, C_inf) pairs; got {self.budgets!r}")
        object.__setattr__(self, "N", N)
        object.__setattr__(self, "D", D)
        object.__setattr__(self, "budgets", budgets)

    @property
    def checkpoints(self) -> int:
        return int(self.N.size)

    def to_dict(self) -> dict:
        return {"N": self.N.tolist(), "D": self.D.tolist(), "problems": int(self.problems),
                "samples": int(self.samples), "budgets": [list(b) for b in self.budgets]}
