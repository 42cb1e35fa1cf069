"""What a simulated study is drawn from, and the optimum its intervals are scored against.

Two kinds of truth, one interface (``draw``, ``simulate``, ``optima``):

* the law's own family (:class:`FamilyTruth`): a parameter set, or a callable
  ``rng -> dict`` drawing one per study (simulation-based calibration); the family's
  kernel simulates the counts and the law's own allocation gives the optimum;
* any other model (:class:`OutsideTruth`): an object with ``simulate(design, rng)``
  (a ``(checkpoints, problems)`` array of counts of ``design.samples`` trials) and
  ``allocation(C_train, C_inf)`` (a dict with the true optimum's ``N``, ``D``, ``k``
  and ``accuracy``), and optionally a ``name``. Real benchmarks are never inside a
  law's family, so intervals should also be checked on truths outside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from t2jax.allocation import allocation_draws
from t2jax.calibration.score import QUANTITIES
from t2jax.errors import T2JaxError


class FamilyTruth:
    """Studies drawn from the law's own family (parameters, or a prior over them)."""

    def __init__(self, law, kernel, truth):
        draw = truth if callable(truth) else (lambda rng, t=dict(truth or kernel.truth): t)
        missing = [p for p in law.params if p not in draw(np.random.default_rng(0))]
        if missing:
            raise T2JaxError(f"truth lacks {', '.join(missing)} (law '{law.name}' has {', '.join(law.params)})")
        self.law, self.kernel, self.draw_params = law, kernel, draw
        self.params = tuple(kernel.params)  # ranked among the draws

    def draw(self, rng) -> dict:
        return self.draw_params(rng)

    def simulate(self, params, rng) -> np.ndarray:
        return self.kernel.simulate(params, rng)

    def optima(self, truths: pd.DataFrame, ct: float, ci: float) -> dict:
        """Per study, the true optimum's N, D, k and accuracy at ``(ct, ci)``."""
        alloc = allocation_draws(truths, self.law, ct, ci)
        return {q: alloc[q].to_numpy() for q in QUANTITIES}


class OutsideTruth:
    """Studies drawn from a model outside the law's family (see the module docstring)."""

    params = ()  # no parameters of the law to rank

    def __init__(self, model, design):
        for attr in ("simulate", "allocation"):
            if not callable(getattr(model, attr, None)):
                raise T2JaxError(f"a truth outside the law's family needs a '{attr}' method "
                                 f"(simulate(design, rng) -> counts; allocation(C_train, C_inf) -> dict)")
        self.model, self.design = model, design
        self.name = str(getattr(model, "name", type(model).__name__))
        self._optima = {}

    def draw(self, rng) -> dict:
        return {"truth": self.name}

    def simulate(self, params, rng) -> np.ndarray:
        d = self.design
        c = np.asarray(self.model.simulate(d, rng), np.float64)
        if c.shape != (d.checkpoints, d.problems):
            raise T2JaxError(f"truth '{self.name}': simulate returned counts of shape {c.shape}; the design "
                             f"needs {(d.checkpoints, d.problems)} (checkpoints x problems)")
        bad = np.argwhere(~np.isfinite(c) | (c < 0) | (c > d.samples) | (c != np.round(c)))
        if bad.size:
            j, i = bad[0]
            raise T2JaxError(f"truth '{self.name}': count at checkpoint {j}, problem {i} is {c[j, i]!r}; "
                             f"counts are whole numbers in [0, {d.samples}]")
        return c

    def optima(self, truths: pd.DataFrame, ct: float, ci: float) -> dict:
        if (ct, ci) not in self._optima:
            best = self.model.allocation(ct, ci)
            missing = [q for q in QUANTITIES if q not in best]
            if missing:
                raise T2JaxError(f"truth '{self.name}': allocation() lacks {', '.join(missing)}")
            self._optima[(ct, ci)] = {q: float(best[q]) for q in QUANTITIES}
        return {q: np.full(len(truths), v) for q, v in self._optima[(ct, ci)].items()}


def as_truth(truth, law, kernel):
    """The :class:`FamilyTruth` or :class:`OutsideTruth` that ``truth`` describes."""
    if truth is not None and not isinstance(truth, dict) and hasattr(truth, "simulate"):
        return OutsideTruth(truth, kernel.design)
    return FamilyTruth(law, kernel, truth)
