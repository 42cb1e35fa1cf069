r"""Batched bootstrap refits of an additive power law.

Resamples are rows of a multinomial weight matrix :math:`W` (points or groups), refitted
with the method's refit kernel (:mod:`~t2jax.families.power_sum.kernels`) through the one
batched driver (:mod:`~t2jax.uncertainty.batched`):

* VarPro (squared error): the exponent-grid normal equations of a whole chunk are
  matrix products of the weight rows with the per-point feature tables; every
  resample's grid minima are then refined exactly by Newton on its own profile.
* Approach 3: each resample's relative-residual grid seeds Newton on its own exact
  Huber objective.

Each resample reaches its own optimum: the result carries a per-resample converged
flag and the count that did not converge, and a warning names it.
"""

from __future__ import annotations

import time

import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError, warn
from t2jax.families.power_sum.kernels import get_kernel, refit_data
from t2jax.fitting.engine import DEFAULT_BOUNDS, fit_inputs, fit_power_law
from t2jax.fitting.problem import raw_params
from t2jax.fitting.result import FitWarning
from t2jax.precision import x64
from t2jax.uncertainty.batched import batch_mesh, row_blocks, staged_refits
from t2jax.uncertainty.resample import resample_weights
from t2jax.uncertainty.results import BootstrapResult

#: Default exponent-grid resolution of each bootstrap refit (a coarse global grid
#: locates every resample's basin; Newton then reaches the exact optimum).
BOOTSTRAP_RESOLUTION = {2: 24, 3: 16}


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


@x64
def power_sum_bootstrap(runs, law, n_resamples, *, method, seed, point=None, resample=None, groups=None,
                        delta=1e-3, resolution=None, chunk=128, weights=None, devices=None, progress=None,
                        timings=None) -> BootstrapResult:
    """Refit ``law`` on ``n_resamples`` resamples of ``runs`` by ``method`` (a refit kernel);
    ``point`` is the fit of the original runs by the same method (computed when not given)."""
    kernel = get_kernel(method)
    resample = resample or "points"
    W = bootstrap_weights(runs, n_resamples, seed, resample, groups) if weights is None else np.asarray(weights, np.float64)
    if W.ndim != 2 or W.shape[1] != len(runs):
        raise T2JaxError(f"weights must be (resamples, {len(runs)}); got {W.shape}")
    point = point or fit_power_law(runs, law, kernel.name, delta=delta)
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
    draws = pd.DataFrame(rows, columns=list(law.params))
    draws["objective"] = value
    draws["converged"] = converged.astype(bool)
    out = BootstrapResult(point=point, draws=draws, weights=W, seed=seed, resample=resample, seconds=seconds)
    if out.n_failed:
        warn(f"{out.n_failed} of {W.shape[0]} bootstrap refits did not converge; intervals use the others",
             FitWarning)
    return out
