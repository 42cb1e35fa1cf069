r"""Bootstrap of ``t2-irt``: problems resampled (each problem's answers at every
checkpoint move together, so its difficulty stays shared), every resample refitted by EM
from the point fit through the one batched driver (a capped quick pass over all
resamples, then the unconverged continue; chunked, sharded over devices). The
Beta-binomial concentration :math:`\nu` stays at the point fit's (it is chosen once, on
the counts as observed), and so do the bins' width and span, but each refit places them
at a random offset (uniform within one bin, seeded): where a bin is placed moves the
maximum-likelihood surface (measured on simulated studies of 42 checkpoints x 130
problems x 1,000 samples: N* by up to 10% between offsets), a variation of the estimator
that refits on one fixed grid would leave out of the intervals."""

from __future__ import annotations

import time

import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError, warn
from t2jax.families.t2_irt.fit import MAX_EM, em_run, fit_irt, state_params
from t2jax.families.t2_irt.likelihood import counts_arrays
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, WEIGHTS, grid
from t2jax.fitting.result import FitWarning
from t2jax.precision import x64
from t2jax.programs import program
from t2jax.uncertainty.batched import batch_mesh, map_rows, staged_newton
from t2jax.uncertainty.resample import point_weights
from t2jax.uncertainty.results import BootstrapResult

#: EM iterations of the bulk pass where rows run in chunks (a chunk waits for its slowest
#: row); the unconverged continue to MAX_EM. (Rows that run one at a time take one pass:
#: :func:`~t2jax.uncertainty.batched.staged_newton`.)
QUICK_ITERATIONS = 300


@program(static_argnames=("max_iter", "chunk", "mesh"), storable=lambda mesh=None, **_: mesh is None)
def em_refits(X0, logN, logD, n, C, study, W, max_iter: int, chunk: int, mesh=None):
    """EM on every row from its state ``X0`` (``log A_s, log B_s, log alpha, log beta,
    log pi_0, log pi_1..K, g_lo, g_hi, log nu``): the counts of study ``study[r]`` (``C``:
    studies x checkpoints x problems; one study for a bootstrap), its problems weighted by
    ``W[r]`` (a resample's multiplicities). The grid and nu stay at the row's start."""

    def one(x0, s, w):
        g = grid(x0[K + 5], x0[K + 6])
        v, lp0, lp, marginal, _, done = em_run(x0[:4], x0[4], x0[5 : K + 5], g, logN, logD, n, C[s], w, max_iter)
        return jnp.concatenate([v, lp0[None], lp, x0[K + 5 :]]), -marginal, done

    return map_rows(one, (X0, study, W), chunk, mesh)


def point_state(params, scale) -> np.ndarray:
    """A fit's EM state (the rows :func:`em_refits` takes)."""
    al, be = params["alpha"], params["beta"]
    w = np.array([params["w_unsolvable"]] + [params[n] for n in WEIGHTS])
    return np.concatenate([[np.log(max(params["A"], 1e-300) / scale[0] ** al),
                            np.log(max(params["B"], 1e-300) / scale[1] ** be), np.log(al), np.log(be)],
                           np.log(np.maximum(w, 1e-300)), [params["g_lo"], params["g_hi"], np.log(params["nu"])]])


def grid_offsets(seed: int, n_resamples: int) -> np.ndarray:
    """Each refit's offset of the bins, in bins (uniform in [-1/2, 1/2), seeded)."""
    return np.random.default_rng([seed, 1]).uniform(-0.5, 0.5, n_resamples)


def shifted(X, offsets) -> np.ndarray:
    """EM states ``X`` with their bins moved by ``offsets`` bins."""
    X = np.array(X, np.float64)
    X[:, K + 5 : K + 7] += (offsets * (X[:, K + 6] - X[:, K + 5]) / (K - 1))[:, None]
    return X


def refit_rows(X0, logN, logD, n, C, study, W, *, mesh=None, progress=None, label="t2-irt refits"):
    """Every row's EM refit through the batched driver: ``(X, minus marginal, converged)``."""
    shared = tuple(jnp.asarray(a) for a in (logN, logD, n, C))
    refit = lambda rows, x, it, chunk, m: em_refits(x, *shared, *rows, max_iter=it, chunk=chunk, mesh=m)
    return staged_newton(refit, (np.asarray(study), np.asarray(W)), np.asarray(X0), quick=QUICK_ITERATIONS,
                         full=MAX_EM, kind="heavy", mesh=mesh, progress=progress, label=label)


@x64
def bootstrap_irt(counts, n_resamples: int, *, seed: int, point=None, devices=None, progress=None) -> BootstrapResult:
    """Resample problems ``n_resamples`` times (seeded) and refit each resample."""
    point = point or fit_irt(counts)
    logN, logD, n, c, scale = counts_arrays(counts)
    W = point_weights(seed, n.shape[1], n_resamples)
    x0 = point_state(point.params, scale)
    start = time.perf_counter()
    X0 = shifted(np.broadcast_to(x0, (n_resamples, x0.size)), grid_offsets(seed, n_resamples))
    X, value, converged = refit_rows(X0, logN, logD, n, c[None],
                                     np.zeros(n_resamples, np.int32), W, mesh=batch_mesh(devices), progress=progress)
    X = np.asarray(X)
    draws = pd.DataFrame(state_params(X, scale))[list(IRT_PARAMS)]
    draws["objective"] = np.asarray(value)
    draws["converged"] = np.asarray(converged, bool) & np.all(np.isfinite(X[:, :4]), axis=1)
    out = BootstrapResult(point, draws, W, seed, "problems", time.perf_counter() - start)
    if out.n_failed:
        warn(f"{out.n_failed} of {n_resamples} t2-irt bootstrap refits did not converge; intervals use the others",
             FitWarning)
    return out


def check_resample(resample):
    if resample not in (None, "problems"):
        raise T2JaxError(f"the t2-irt bootstrap resamples problems (resample='problems'), not {resample!r}")
