r"""Batched bootstrap refits of any fitter that takes per-run weights.

:func:`bootstrap` draws a multinomial weight matrix :math:`W` (points or groups) and
refits every resample with the same jit-compiled kernel the point fit uses, vmapped
over rows of :math:`W` and mapped over chunks of rows so peak memory stays bounded:

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
import functools
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting.problem import raw_params
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.fitting.varpro import fit_inputs, grid_starts, huber_starts, quick_refine_sse, refine_huber, refine_sse
from t2jax.laws.chinchilla import CHINCHILLA
from t2jax.laws.power_sum import PowerSumLaw
from t2jax.precision import x64
from t2jax.uncertainty.resample import resample_weights

#: Newton iterations of the first, batch-wide refinement pass (see staged_refits).
QUICK_ITERATIONS = {"varpro": 6, "approach3": 40}

#: Rows per chunk when re-running the few refits the first pass left uncertified.
RETRY_CHUNK = 8

#: Default exponent-grid resolution of each bootstrap refit (a coarse global grid
#: locates every resample's basin; Newton then reaches the exact optimum).
BOOTSTRAP_RESOLUTION = {2: 24, 3: 16}


@dataclasses.dataclass(frozen=True)
class BootstrapResult:
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

    def interval(self, level: float = 0.95, columns=None) -> pd.DataFrame:
        """Percentile intervals (converged resamples only), one row per parameter."""
        from t2jax.uncertainty.intervals import percentile_interval

        cols = columns or list(self.point.params)
        ok = self.draws[self.draws["converged"]]
        return percentile_interval(ok[cols], level, point={c: self.point.params.get(c, np.nan) for c in cols})

    def bca(self, runs: Runs, level: float = 0.95, law: PowerSumLaw = CHINCHILLA) -> pd.DataFrame:
        """BCa intervals; the acceleration comes from jackknife refits of ``runs``
        (leave one run out, or one group out for group resampling), batched like the
        bootstrap itself."""
        from t2jax.uncertainty.intervals import bca_interval

        n = len(runs)
        if self.resample == "groups" and runs.group is not None:
            labels = np.unique(runs.group)
            jack = (runs.group[None, :] != labels[:, None]).astype(np.float64)
        else:
            jack = 1.0 - np.eye(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            jk = bootstrap(runs, self.point.method, law=law, weights=jack)
        names = list(self.point.params)
        ok = self.draws[self.draws["converged"]]
        return bca_interval(ok[names], self.point.params, jk.draws[jk.draws["converged"]][names], level)

    def fits(self):
        """Each resample as a :class:`FitResult` (for allocation and other derived quantities)."""
        names = list(self.point.params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            for _, row in self.draws.iterrows():
                yield FitResult(self.point.method, self.point.law, {k: float(row[k]) for k in names},
                                float(row["objective"]), self.point.n_points, bool(row["converged"]))


def map_rows(fn, arrays, chunk: int, mesh=None):
    """``vmap(fn)`` over the rows of ``arrays``, ``chunk`` rows at a time.

    Rows are padded to whole chunks (repeating the last row), so every chunk is the
    same array program whatever the number of rows or devices: memory stays bounded
    by one chunk, and results do not depend on how chunks are spread. With a
    ``mesh`` (one axis, ``"batch"``), chunks are split across its devices with
    ``shard_map``; each device maps over its own chunks.
    """
    R = arrays[0].shape[0]
    per = chunk * (mesh.size if mesh is not None else 1)
    pad = (-R) % per
    padded = [jnp.concatenate([a, jnp.repeat(a[-1:], pad, axis=0)]) if pad else a for a in arrays]
    blocks = [a.reshape((-1, chunk) + a.shape[1:]) for a in padded]
    run = lambda *b: jax.lax.map(lambda xs: jax.vmap(fn)(*xs), b)
    if mesh is not None:
        from jax.sharding import PartitionSpec as P

        run = jax.shard_map(run, mesh=mesh, in_specs=P("batch"), out_specs=P("batch"), check_vma=False)
    out = run(*blocks)
    return jax.tree_util.tree_map(lambda a: a.reshape((-1,) + a.shape[2:])[:R], out)


def batch_mesh(devices=None):
    """A one-axis mesh over ``devices`` (default: all), or None for a single device."""
    devices = jax.devices() if devices is None else list(devices)
    if len(devices) < 2:
        return None
    return jax.sharding.Mesh(np.array(devices), ("batch",))


@functools.partial(jax.jit, static_argnames=("n_starts", "chunk", "kind", "mesh"))
def grid_batch(X, y, W, grids, delta, n_starts: int, chunk: int, kind: str, mesh=None):
    """Grid starts for every row of ``W``, ``chunk`` rows at a time.

    The normal equations of a chunk are matrix products of its weight rows with the
    per-point feature tables; memory is ``chunk x grid x 2^m`` small systems.
    """
    if kind == "varpro":
        return map_rows(lambda w: grid_starts(X, y, w, grids, n_starts), (W,), chunk, mesh)
    return map_rows(lambda w: huber_starts(X, y, w, grids, delta, n_starts, True), (W,), chunk, mesh)


@functools.partial(jax.jit, static_argnames=("max_iter", "kind", "all_starts", "chunk", "mesh"))
def refine_batch(X, y, W, starts, valid, delta, max_iter: int, kind: str, all_starts: bool, chunk: int = 128, mesh=None):
    """Refine every row: from its best start only, or from all its valid starts."""
    if not all_starts:
        valid = valid & (jnp.arange(valid.shape[1]) == 0)
    if kind == "varpro" and not all_starts:
        one = lambda w, t, v: quick_refine_sse(X, y, w, t[0], max_iter)
    elif kind == "varpro":
        one = lambda w, t, v: refine_sse(X, y, w, t, v, max_iter)
    else:
        one = lambda w, p, v: refine_huber(X, y, w, p, v, delta, True, max_iter)
    return map_rows(one, (W, starts, valid), chunk, mesh)


def _on_subset(fn, todo, out, *batched):
    """Re-run ``fn`` on the rows where ``todo`` holds (padded to a power of two to bound
    recompilation) and write its outputs into ``out``."""
    idx = np.flatnonzero(todo)
    if idx.size == 0:
        return out
    size = 1 << int(np.ceil(np.log2(idx.size)))
    pad = np.concatenate([idx, np.full(size - idx.size, idx[0])])
    again = fn(*(a[pad] for a in batched))
    return tuple(_scatter(a, b, idx) for a, b in zip(out, again))


def _scatter(full, part, idx):
    full = np.array(full)
    full[idx] = np.asarray(part)[: idx.size]
    return full


def staged_refits(X, y, W, grids, chunk, kind: str, delta: float = 1e-3, mesh=None):
    """Every resample's global optimum, in three passes of decreasing size.

    1. Grid starts for all resamples; damped Newton from the best start, a few
       iterations (most resamples converge in about 5).
    2. The unconverged few: the same, with the full iteration budget.
    3. Any still uncertified, or whose grid shows a second basin: Newton from every
       grid start (for VarPro on the exact profile, where active sets may change),
       keeping the best.
    """
    starts, valid = grid_batch(X, y, W, grids, delta, 2, chunk, kind, mesh)
    quick = functools.partial(refine_batch, X, y, delta=delta, kind=kind, all_starts=False, chunk=chunk, mesh=mesh)
    out = quick(W, starts, valid, max_iter=QUICK_ITERATIONS[kind])
    # the few stragglers: small, fixed-size chunks on one device (results do not depend on placement)
    small = functools.partial(refine_batch, X, y, delta=delta, kind=kind, chunk=RETRY_CHUNK)
    out = _on_subset(lambda w, s, v: small(w, s, v, max_iter=200, all_starts=False), ~np.asarray(out[-1]), out, W, starts, valid)
    todo = ~np.asarray(out[-1]) | np.asarray(valid)[:, 1:].any(axis=1)
    return _on_subset(lambda w, s, v: small(w, s, v, max_iter=500, all_starts=True), todo, out, W, starts, valid)


def _blocks(R: int, unit: int, progress):
    """Row blocks of whole chunks; wrapped in a progress bar when asked (or when long
    and on a terminal)."""
    import sys

    if progress is None:
        progress = R >= 2000 and sys.stderr.isatty()
    if not progress:
        return [slice(0, R)]
    size = max(unit, -(-R // 20) // unit * unit)
    blocks = [slice(i, min(i + size, R)) for i in range(0, R, size)]
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with numpyro; without it, no bar
        return blocks
    return tqdm(blocks, desc="bootstrap refits", unit="block")


def bootstrap_weights(runs: Runs, n_resamples: int, seed: int, resample: str, groups=None) -> np.ndarray:
    if resample == "points":
        return resample_weights(seed, len(runs), n_resamples)
    if resample == "groups":
        labels = runs.group if groups is None else groups
        if labels is None:
            raise T2JaxError("group resampling needs group labels (load the runs with group_col, or pass groups=)")
        return resample_weights(seed, len(runs), n_resamples, groups=labels)
    raise T2JaxError(f"resample must be 'points' or 'groups', not {resample!r}")


@x64
def bootstrap(
    runs: Runs,
    method: str = "varpro",
    n_resamples: int = 1000,
    *,
    seed: int = 0,
    resample: str = "points",
    groups=None,
    law: PowerSumLaw = CHINCHILLA,
    delta: float = 1e-3,
    resolution=None,
    chunk: int = 128,
    weights=None,
    devices=None,
    progress=None,
) -> BootstrapResult:
    """Refit ``runs`` on ``n_resamples`` bootstrap resamples (seeded).

    Args:
      runs: the data.
      method: ``"varpro"`` (squared error) or ``"approach3"``.
      n_resamples: number of resamples R.
      seed: PRNG seed; the same seed gives the same numbers.
      resample: ``"points"`` or ``"groups"`` (whole groups, from ``runs.group`` or ``groups``).
      law: an additive power law (Chinchilla by default; ``T2_LOSS`` for T² Approach 1).
      resolution: exponent-grid points per axis for each refit (default 24 for two
        exponents, 16 for three).
      chunk: resamples per vectorised block (memory grows linearly with it).
      weights: a ready ``(R, n)`` weight matrix instead of drawing one.
      devices: devices to shard the resamples across (default: all visible); results
        are identical to a single-device run.
      progress: show a progress bar (default: for 2,000+ resamples on a terminal).
        Resamples are then refitted in a few host-side blocks of whole chunks, which
        does not change any number.
    """
    from t2jax.fitting import approach3, varpro

    if method not in ("varpro", "approach3"):
        raise T2JaxError(f"bootstrap supports method 'varpro' or 'approach3', not {method!r}")
    W = bootstrap_weights(runs, n_resamples, seed, resample, groups) if weights is None else np.asarray(weights, np.float64)
    if W.ndim != 2 or W.shape[1] != len(runs):
        raise T2JaxError(f"weights must be (resamples, {len(runs)}); got {W.shape}")
    point = (varpro if method == "varpro" else approach3)(runs, law=law)
    res = resolution or BOOTSTRAP_RESOLUTION.get(len(law.exponents), 12)
    prob, X, y, _, grids = fit_inputs(runs, law, method, None, res, (0.02, 2.0))
    m = len(law.coefficients)
    mesh = batch_mesh(devices)
    chunk = max(1, min(chunk, W.shape[0]))  # independent of the device count: same numbers anywhere
    start = time.perf_counter()
    blocks = _blocks(W.shape[0], chunk * (mesh.size if mesh is not None else 1), progress)
    parts = [staged_refits(X, y, jnp.asarray(W[b]), grids, chunk, method, delta, mesh=mesh) for b in blocks]
    out = tuple(np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(len(parts[0])))
    if method == "varpro":
        coef, theta, value, converged = out
    else:
        p, value, converged = out
        coef, theta = np.exp(p[:, :m]), p[:, m:]
    coef, theta, value, converged = (np.asarray(a) for a in (coef, theta, value, converged))
    seconds = time.perf_counter() - start
    rows = [raw_params(law, c, t, prob.scale) for c, t in zip(coef, theta)]
    draws = pd.DataFrame(rows, columns=list(law.param_names))
    draws["objective"] = value
    draws["converged"] = converged.astype(bool)
    out = BootstrapResult(point=point, draws=draws, weights=W, seed=seed, resample=resample, seconds=seconds)
    if out.n_failed:
        warnings.warn(f"{out.n_failed} of {W.shape[0]} bootstrap refits did not converge; intervals use the others",
                      FitWarning, stacklevel=2)
    return out
