r"""Many simulated studies of ``t2-irt`` at once (:mod:`t2jax.calibration`).

An :class:`IrtStudies` kernel holds one design (checkpoints, problems, samples per
problem; every checkpoint asks the same problems) and works on a batch of studies, each a
``(J, P)`` table of counts:

* :meth:`~IrtStudies.simulate`: one study's counts from the model itself: each problem's
  difficulty drawn once from the difficulty distribution (the atom or within a bin) and kept at
  every checkpoint, each cell's success rate from the Beta around its node, binomial counts;
* :meth:`~IrtStudies.fit`: every study's maximum-likelihood fit as
  :func:`~t2jax.families.t2_irt.fit.fit_irt` makes it (the start per study on the host,
  then EM for every study in one mapped program, twice, then the concentration's grid for
  every study in another);
* :meth:`~IrtStudies.refit`: every (study, problem resample) EM refit as one batch through
  the batched driver, the program the bootstrap runs
  (:func:`~t2jax.families.t2_irt.bootstrap.em_refits`): rows carry their study's index and
  the resample's problem weights; the counts are shared, one copy per study.

Rows of ``U`` are EM states with the study's grid and concentration
(:func:`~t2jax.families.t2_irt.fit.state_params`).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from t2jax.data.design import Design
from t2jax.data.samples import Samples
from t2jax.families.t2_irt.bootstrap import grid_offsets, point_state, refit_rows, shifted
from t2jax.families.t2_irt.fit import at_bounds, fit_states, state_params
from t2jax.families.t2_irt.likelihood import counts_arrays
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, WEIGHTS


def _normalised(w):
    return w / w.sum()


class IrtStudies:
    """``t2-irt``'s study kernel at ``design`` (see the module docstring)."""

    params = IRT_PARAMS
    #: the calibration benchmark's own-family truth: benchmarks' logit-normal truth in
    #: t2-irt's conventions (E = 0: difficulties shifted by its best ability, 3.4 logits),
    #: difficulties N(-2.9, 1.5) on the grid, a twentieth unsolvable, nu = 300
    truth = ({"E": 0.0, "A": 800.0, "B": 2600.0, "alpha": 0.34, "beta": 0.28, "nu": 300.0, "g_lo": -8.9,
              "g_hi": 4.1, "w_unsolvable": 0.05}
             | dict(zip(WEIGHTS, 0.95 * _normalised(np.exp(-0.5 * ((np.linspace(-8.9, 4.1, K) + 2.9) / 1.5) ** 2)))))

    def __init__(self, design: Design):
        self.design = design
        n = np.full((design.checkpoints, design.problems), float(design.samples))
        template = Samples(design.N, design.D, n, np.zeros_like(n), np.array([f"c{j}" for j in range(design.checkpoints)]),
                           np.arange(design.problems))
        self.logN, self.logD, self.n, _, self.scale = counts_arrays(template)

    @staticmethod
    def default_design(**options) -> Design:
        """The calibration benchmark's design: 6 sizes (5e6 to 1e9) x 7 token counts (1e9 to
        2e12), 130 problems, 1,000 samples each, budgets (1e20, 1e9) and (1e20, 1e10)."""
        sizes, tokens = np.geomspace(5e6, 1e9, 6), np.geomspace(1e9, 2e12, 7)
        options = {"problems": 130, "samples": 1000, "budgets": ((1e20, 1e9), (1e20, 1e10))} | options
        return Design(np.repeat(sizes, tokens.size), np.tile(tokens, sizes.size), **options)

    def simulate(self, params: dict, rng: np.random.Generator) -> np.ndarray:
        """One study's counts ``(J, P)``: difficulties drawn once per problem (a bin, then
        uniformly within it; or the atom, never solved), kept at every checkpoint."""
        d = self.design
        w = np.array([params["w_unsolvable"]] + [params[n] for n in WEIGHTS], np.float64)
        node = rng.choice(K + 1, size=d.problems, p=w / w.sum())  # 0: the atom, else a bin
        width = (params["g_hi"] - params["g_lo"]) / (K - 1)
        difficulty = params["g_lo"] + width * (np.maximum(node - 1, 0) + rng.uniform(-0.5, 0.5, d.problems))
        L = params["A"] * d.N ** -params["alpha"] + params["B"] * d.D ** -params["beta"]
        mu = 0.5 * (1.0 + np.tanh(-0.5 * (L[:, None] + difficulty[None, :])))  # sigmoid(-L - d)
        p = rng.beta(np.maximum(mu * params["nu"], 1e-300), np.maximum((1.0 - mu) * params["nu"], 1e-300))
        return np.where(node[None, :] == 0, 0.0, rng.binomial(d.samples, p)).astype(np.float64)

    def width(self, C: np.ndarray) -> int:
        """Counts are kept as tables: no width to share."""
        return 0

    def prepare(self, C: np.ndarray, width: Optional[int] = None) -> np.ndarray:
        return np.asarray(C, np.float64)

    def fit(self, C, mesh=None):
        """Every study's fit: ``(U, value, converged, flagged)``, ``value`` minus the
        marginal log-likelihood, ``flagged`` where a fit sits at a bound."""
        X, value, done, best, _, _ = fit_states(self.design.N, self.design.D, self.logN, self.logD, self.n, C,
                                                mesh=mesh)
        flagged = np.array([bool(at_bounds(x, b, self.logN, self.logD, self.n)) for x, b in zip(X, best)])
        return X, -value, done, flagged

    def refit(self, C, U, study, column_weights, *, seeds, mesh=None, progress=None):
        """EM refits of every row (a study's index and its problem weights), each from its
        study's fit with its bins moved as a bootstrap with the study's seed (``seeds``,
        one per study, rows study by study) moves them: ``(U, value, converged)``."""
        per = len(study) // max(len(seeds), 1)
        X0 = shifted(np.asarray(U)[study], np.concatenate([grid_offsets(s, per) for s in seeds]))
        return refit_rows(X0, self.logN, self.logD, self.n, C, study, column_weights, mesh=mesh,
                          progress=progress, label="study refits")

    def table(self, U) -> pd.DataFrame:
        """Raw parameters of every row of ``U``."""
        return pd.DataFrame(state_params(U, self.scale))[list(IRT_PARAMS)]

    def to_u(self, params: dict) -> np.ndarray:
        return point_state(params, self.scale)
