r"""Batched bootstrap refits of any additive power law (and, through
:mod:`t2jax.uncertainty.t2beta`, of T² Approach 2).

:func:`bootstrap` draws a multinomial weight matrix :math:`W` (points or groups) and
refits every resample with the method's refit kernel (:mod:`~t2jax.uncertainty.kernels`)
through the batched driver (:mod:`~t2jax.uncertainty.batched`):

* VarPro (squared error): the exponent-grid normal equations of a whole chunk are
  matrix products of the weight rows with the per-point feature tables; every
  resample's grid minima are then refined exactly by Newton on its own profile.
* Approach 3: each resample's relative-residual grid seeds Newton on its own exact
  Huber objective.

Each resample reaches its own optimum: the result carries a per-resample converged
flag and the count that did not converge, and a warning names it.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError, warn
from t2jax.fitting.api import choose_method, fit, power_sum_runs
from t2jax.fitting.engine import DEFAULT_BOUNDS, fit_inputs
from t2jax.fitting.problem import raw_params
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.validate import check_count, check_seed
from t2jax.uncertainty.batched import batch_mesh, row_blocks, staged_refits
from t2jax.uncertainty.intervals import DrawsSummary, bca_interval
from t2jax.uncertainty.kernels import get_kernel, refit_data
from t2jax.uncertainty.resample import resample_weights

#: Default exponent-grid resolution of each bootstrap refit (a coarse global grid
#: locates every resample's basin; Newton then reaches the exact optimum).
BOOTSTRAP_RESOLUTION = {2: 24, 3: 16}


@dataclasses.dataclass(frozen=True)
class BootstrapResult(DrawsSummary):
    """Bootstrap refits: one row of ``draws`` per resample, raw units.

    Attributes:
      point: the fit of the original data.
      draws: DataFrame of parameters per resample (plus ``objective``, ``converged``).
      weights: the ``(R, n)`` multiplicity matrix used.
      seed, resample: how the weights were drawn.
      seconds: wall time of the refits.
    """

    point: FitResult
    draws: pd.DataFrame
    weights: np.ndarray
    seed: int
    resample: str
    seconds: float

    @property
    def n_failed(self) -> int:
        return int((~self.draws["converged"]).sum())

    @property
    def usable_draws(self) -> pd.DataFrame:
        """Converged resamples only."""
        return self.draws[self.draws["converged"]]

    def bca(self, runs: Runs, level: float = 0.95, law=None) -> pd.DataFrame:
        """BCa intervals; the acceleration comes from jackknife refits of ``runs``
        (leave one run out, or one group out for group resampling), batched like the
        bootstrap itself."""
        if get_law(law or self.point.law).family != "power-sum" or not isinstance(runs, Runs):
            raise T2JaxError("BCa intervals cover additive power-law fits of runs; use interval() (percentile) here")
        n = len(runs)
        if self.resample == "groups" and runs.group is not None:
            labels = np.unique(runs.group)
            jack = (runs.group[None, :] != labels[:, None]).astype(np.float64)
        else:
            jack = 1.0 - np.eye(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            jk = bootstrap(runs, self.point.method, law=law or self.point.law, weights=jack)
        names = list(self.point.params)
        return bca_interval(self.usable_draws[names], self.point.params, jk.usable_draws[names], level)

    def fits(self):
        """Each resample as a :class:`FitResult` (for allocation and other derived quantities)."""
        names = list(self.point.params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            for _, row in self.draws.iterrows():
                yield FitResult(self.point.method, self.point.law, {k: float(row[k]) for k in names},
                                float(row["objective"]), self.point.n_points, bool(row["converged"]))

    def to_dict(self, level: float = 0.95) -> dict:
        """JSON-ready summary: settings, intervals at ``level`` and the converged draws."""
        return {
            "resamples": int(self.weights.shape[0]), "resample": self.resample, "seed": self.seed,
            "failed": self.n_failed, "seconds": round(self.seconds, 3), "level": level,
            "intervals": self.interval(level).to_dict(orient="index"),
            "draws": self.usable_draws[list(self.point.params)].to_dict(orient="list"),
        }


def bootstrap_weights(runs: Runs, n_resamples: int, seed: int, resample: str, groups=None) -> np.ndarray:
    """The ``(R, n)`` multiplicities of point or group resampling (see :mod:`~t2jax.uncertainty.resample`)."""
    if resample == "points":
        return resample_weights(seed, len(runs), n_resamples)
    if resample == "groups":
        labels = runs.group if groups is None else groups
        if labels is None:
            raise T2JaxError("group resampling needs group labels: --resample groups needs --group-col "
                             "(in Python: load the runs with group_col, or pass groups=)")
        return resample_weights(seed, len(runs), n_resamples, groups=labels)
    raise T2JaxError(f"resample must be 'points' or 'groups', not {resample!r}")


def bootstrap(data, method=None, n_resamples: int = 1000, *, seed: int = 0, resample=None, groups=None,
              law="chinchilla", delta: float = 1e-3, resolution=None, chunk: int = 128, weights=None, devices=None,
              progress=None, ks=None, timings=None) -> BootstrapResult:
    """Refit on ``n_resamples`` bootstrap resamples (seeded).

    Args:
      data: training runs, or repeated-sampling counts for a pass@k law.
      method: ``"varpro"`` (squared error) or ``"approach3"`` (default: the law's first).
      n_resamples: number of resamples R.
      seed: PRNG seed; the same seed gives the same numbers.
      resample: ``"points"`` (the default for loss laws) or ``"groups"`` (whole groups, from
        ``runs.group`` or ``groups``; for counts, the group is the checkpoint); for
        ``t2-joint`` also ``"problems"``, its default (:mod:`~t2jax.uncertainty.joint`).
      law: a registered law or its name: an additive power law (``chinchilla``,
        ``t2-loss``), ``t2-beta`` (checkpoints resampled, both stages refitted) or
        ``t2-joint``.
      resolution: exponent-grid points per axis for each refit (default 24 for two
        exponents, 16 for three).
      chunk: resamples per vectorised block (memory grows linearly with it).
      weights: a ready ``(R, n)`` weight matrix instead of drawing one.
      devices: devices to shard the resamples across (default: all visible); results
        are identical to a single-device run.
      progress: show a progress bar (default: for 2,000+ resamples on a terminal).
        Resamples are then refitted in a few host-side blocks of whole chunks, which
        does not change any number.
      ks: pass@k laws: the k values (default as in :func:`t2jax.fit`).
      timings: a dict to receive seconds and rows per refit pass (grid, quick, retry,
        all_starts), for benchmarks.
    """
    law = get_law(law)
    seed, n_resamples = check_seed(seed), check_count("n_resamples", n_resamples)
    if resolution is not None:
        check_count("resolution", resolution, 2)
    if law.family == "t2-beta":
        from t2jax.uncertainty.t2beta import bootstrap_t2_beta_table

        return bootstrap_t2_beta_table(data, n_resamples, seed=seed, ks=ks, devices=devices)
    if law.family == "t2-joint":
        from t2jax.uncertainty.joint import bootstrap_joint

        return bootstrap_joint(data, n_resamples, seed=seed, resample=resample or "problems", ks=ks)
    if law.family != "power-sum":
        raise T2JaxError(f"bootstrap refits additive power laws, t2-beta and t2-joint; law '{law.name}' (family "
                         f"{law.family}) has no batched refit yet")
    method = choose_method(law, method)
    kernel = get_kernel(method)
    runs = power_sum_runs(data, law, ks)
    return _power_sum_bootstrap(runs, law, kernel, n_resamples, seed, resample or "points", groups, delta, resolution,
                                chunk, weights, devices, progress, timings)


@x64
def _power_sum_bootstrap(runs, law, kernel, n_resamples, seed, resample, groups, delta, resolution, chunk, weights,
                         devices, progress, timings) -> BootstrapResult:
    W = bootstrap_weights(runs, n_resamples, seed, resample, groups) if weights is None else np.asarray(weights, np.float64)
    if W.ndim != 2 or W.shape[1] != len(runs):
        raise T2JaxError(f"weights must be (resamples, {len(runs)}); got {W.shape}")
    point = fit(runs, law, kernel.name)
    res = resolution or BOOTSTRAP_RESOLUTION.get(len(law.exponents), 12)
    prob, X, y, _, grids = fit_inputs(runs, law, kernel.name, None, res, DEFAULT_BOUNDS)
    data = refit_data(X, y, grids, delta)
    mesh = batch_mesh(devices)
    chunk = max(1, min(chunk, W.shape[0]))  # independent of the device count: same numbers anywhere
    start = time.perf_counter()
    blocks = row_blocks(W.shape[0], chunk * (mesh.size if mesh is not None else 1), progress)
    parts = [staged_refits(kernel, data, jnp.asarray(W[b]), chunk, mesh=mesh, timings=timings) for b in blocks]
    out = tuple(np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(len(parts[0])))
    coef, theta, value, converged = kernel.unpack(out, len(law.coefficients))
    seconds = time.perf_counter() - start
    rows = [raw_params(law, c, t, prob.scale) for c, t in zip(coef, theta)]
    draws = pd.DataFrame(rows, columns=list(law.param_names))
    draws["objective"] = value
    draws["converged"] = converged.astype(bool)
    out = BootstrapResult(point=point, draws=draws, weights=W, seed=seed, resample=resample, seconds=seconds)
    if out.n_failed:
        warn(f"{out.n_failed} of {W.shape[0]} bootstrap refits did not converge; intervals use the others",
                      FitWarning)
    return out
