r"""Many simulated studies of the joint model at once (:mod:`t2jax.calibration`).

A :class:`JointStudies` kernel holds one design (checkpoints, problems, samples per
problem) and works on a batch of studies, each an ``(J, P)`` table of counts:

* :meth:`~JointStudies.simulate`: one study's counts drawn from the model itself (every
  checkpoint's problems fresh draws from its Beta, then binomial counts);
* :meth:`~JointStudies.prepare`: the studies' counts as each checkpoint's distinct counts
  and their multiplicities (:class:`~t2jax.families.t2_joint.fit.DistinctCounts`), the
  form the fits and refits take;
* :meth:`~JointStudies.fit`: every study's maximum-likelihood fit: the structural start of
  :func:`~t2jax.families.t2_joint.fit.seed` per study (a few small programs), then Newton
  from it and the four moved-exponent starts, every study in one mapped program;
* :meth:`~JointStudies.refit`: every (study, problem resample) refit as one batch through
  the batched driver (:func:`~t2jax.uncertainty.batched.staged_newton`): rows carry the
  study's index and the resample's problem weights, the studies' counts are shared, so a
  batch of studies x resamples needs one copy of the counts, not one per row.
"""

from __future__ import annotations

from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.data.design import Design
from t2jax.data.samples import Samples
from t2jax.families.t2_beta.simulate import T2_TRUTH, t2_grid
from t2jax.families.t2_joint.fit import (
    beta_params,
    bounds_hit,
    counts_arrays,
    distinct_counts,
    newton_joint,
    refine,
    seed,
    starts,
    to_params,
    to_unconstrained,
)
from t2jax.families.t2_joint.laws import JOINT_PARAMS, from_t2_beta, joint_beta
from t2jax.families.t2_joint.uncertainty import MAX_ITERATIONS, QUICK_ITERATIONS
from t2jax.programs import program
from t2jax.uncertainty.batched import map_rows, staged_newton


@program(static_argnames=("mesh",), storable=lambda mesh=None, **_: mesh is None)
def study_fits(u0s, logN, logD, beta, n, c, m, mesh=None):
    """:func:`~t2jax.families.t2_joint.fit.refine` for every study: its starts ``u0s[s]``,
    its distinct counts (:class:`~t2jax.families.t2_joint.fit.DistinctCounts`: rows
    ``beta[s], n[s], c[s]`` with multiplicities ``m[s]``), one study at a time on each device."""
    return map_rows(lambda u, b, n_, c_, w: refine(u, logN, logD, n_, c_, w, b), (u0s, beta, n, c, m), 1, mesh)


@program(static_argnames=("chunk", "max_iter", "mesh"), storable=lambda mesh=None, **_: mesh is None)
def study_refits(u0s, logN, logD, beta, n, c, index, study, column_weights, chunk: int, max_iter: int = 200,
                 mesh=None):
    """Newton from ``u0s`` (a row per refit) on the distinct counts of study ``study[r]``
    (rows ``beta, n, c``), each weighted by the resample's multiplicities
    ``column_weights[r]`` of the problems that have it (summed through ``index``)."""

    def one(s, cw, u0):
        w = jnp.zeros(c.shape[1:], c.dtype).at[index[s]].add(jnp.broadcast_to(cw, index.shape[1:]))
        res = newton_joint(u0, logN, logD, n[s], c[s], w, max_iter, beta[s])
        return res.x, res.value, res.converged

    return map_rows(one, (study, column_weights, u0s), chunk, mesh)


class JointStudies:
    """The joint model's study kernel at ``design`` (see the module docstring)."""

    params = JOINT_PARAMS
    #: the calibration benchmark's truth: the testbed's T² Approach 2 model in joint form
    truth = from_t2_beta(T2_TRUTH)

    def __init__(self, design: Design):
        self.design = design
        N, D = design.N, design.D
        self.template = Samples(N, D, np.full((N.size, design.problems), float(design.samples)),
                                np.zeros((N.size, design.problems)), np.array([f"c{j}" for j in range(N.size)]),
                                np.arange(design.problems))
        logN, logD, n, _, w, self.scale = counts_arrays(self.template)
        self.shared = tuple(jnp.asarray(a) for a in (logN, logD, n))
        self.w = jnp.asarray(w)

    @staticmethod
    def default_design(**options) -> Design:
        """The calibration benchmark's design: the paper-like grid with ``D/N <= 3,000``
        (76 checkpoints), 200 problems, 2,048 samples each."""
        N, D = t2_grid(max_tokens_per_param=3000)
        return Design(N, D, **options)

    def simulate(self, params: dict, rng: np.random.Generator) -> np.ndarray:
        """One study's counts ``(J, P)``: every checkpoint's problems drawn from its Beta."""
        with jax.enable_x64(True):
            a, b = (np.asarray(v) for v in joint_beta(params, self.design.N, self.design.D))
        p = rng.beta(a[:, None], b[:, None], (a.size, self.design.problems))
        return rng.binomial(self.design.samples, p).astype(np.float64)

    def width(self, C: np.ndarray) -> int:
        """The longest list of distinct counts of any study in ``C``."""
        return self._distinct(C).width

    def prepare(self, C: np.ndarray, width: Optional[int] = None):
        """The studies' counts ``(S, J, P)`` in the form :meth:`fit` and :meth:`refit` take:
        ``(C, DistinctCounts at width)``; processes that split one run pass the same
        width, so every study runs the same program wherever it runs."""
        return np.asarray(C, np.float64), self._distinct(C, width)

    def _distinct(self, C, width=None):
        n, w = np.asarray(self.shared[2]), np.asarray(self.w)
        return distinct_counts(n, C, w, width)

    def fit(self, counts, mesh=None):
        """Every study's fit from :meth:`prepare`'s ``counts``: ``(U, value, converged,
        flagged)``; ``U`` in the fit's coordinates (a row per study), ``flagged`` where a
        fit sits at a bound."""
        C, distinct = counts
        logN, logD, n = (np.asarray(a) for a in self.shared)
        # the structural start (per-checkpoint Beta fits, VarPro), study by study
        u0s = [starts(seed(self.template, (logN, logD, n, c, np.asarray(self.w), self.scale))) for c in C]
        U, value, converged = study_fits(jnp.stack(u0s), *self.shared[:2],
                                         *(jnp.asarray(a) for a in distinct[:4]), mesh=mesh)
        U = np.asarray(U)
        return U, np.asarray(value) * float(np.sum(self.w)), np.asarray(converged), self.flagged(U)

    def flagged(self, U) -> np.ndarray:
        """Rows of ``U`` whose fit sits at a bound (:func:`~t2jax.families.t2_joint.fit.bounds_hit`)."""
        with jax.enable_x64(True):
            L = np.asarray(jax.vmap(lambda u: beta_params(u, *self.shared[:2])[2])(jnp.asarray(U)))
        return np.any(np.stack(list(bounds_hit(to_params(U, self.scale), L).values())), axis=0)

    def refit(self, counts, U, study, column_weights, *, seeds=None, mesh=None, progress=None):
        """Refits of every row (a study's index and its problem weights), each from its
        study's fit: ``(U, value, converged)``. (``seeds``, the studies' bootstrap seeds, go
        unused: the weights are these refits' only random step.)"""
        d = counts[1]
        shared = (*self.shared[:2], *(jnp.asarray(a) for a in (d.beta, d.n, d.c, d.index)))
        refit = lambda rows, u, it, chunk, m: study_refits(u, *shared, *rows, chunk=chunk, max_iter=it, mesh=m)
        return staged_newton(refit, (np.asarray(study), np.asarray(column_weights)), np.asarray(U)[study],
                             quick=QUICK_ITERATIONS, full=MAX_ITERATIONS, kind="heavy", mesh=mesh,
                             progress=progress, label="study refits")

    def table(self, U) -> pd.DataFrame:
        """Raw parameters of every row of ``U``."""
        return pd.DataFrame(to_params(np.atleast_2d(U), self.scale))

    def to_u(self, params: dict) -> np.ndarray:
        return to_unconstrained(params, self.scale)
