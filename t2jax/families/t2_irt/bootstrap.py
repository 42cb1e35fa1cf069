r"""Bootstrap of ``t2-irt``: problems resampled (each problem's answers at every
checkpoint move together, so its difficulty stays shared), every resample refitted by EM
from the point fit through the one batched driver (a capped quick pass over all
resamples, then the unconverged continue; chunked, sharded over devices). The grid and
the Beta-binomial concentration :math:`\nu` stay at the point fit's (the concentration
is chosen once, on the counts as observed)."""

from __future__ import annotations

import time

import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError, warn
from t2jax.families.t2_irt.fit import MAX_EM, counts_arrays, em_run, fit_irt
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, WEIGHTS
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
def em_refits(W, X0, g, logN, logD, n, c, max_iter: int, chunk: int, mesh=None):
    """EM on every resample (a row of problem weights ``W``) from its state ``X0``
    (``log A_s, log B_s, log alpha, log beta, log pi_0, log pi_1..K``)."""

    def one(w, x0):
        v, lp0, lp, marginal, _, done = em_run(x0[:4], x0[4], x0[5:], g, logN, logD, n, c, w, max_iter)
        return jnp.concatenate([v, lp0[None], lp]), -marginal, done

    return map_rows(one, (W, X0), chunk, mesh)


def point_state(params, scale) -> np.ndarray:
    al, be = params["alpha"], params["beta"]
    w = np.array([params["w_unsolvable"]] + [params[n] for n in WEIGHTS])
    return np.concatenate([[np.log(max(params["A"], 1e-300) / scale[0] ** al),
                            np.log(max(params["B"], 1e-300) / scale[1] ** be), np.log(al), np.log(be)],
                           np.log(np.maximum(w, 1e-300))])


@x64
def bootstrap_irt(counts, n_resamples: int, *, seed: int, point=None, devices=None, progress=None) -> BootstrapResult:
    """Resample problems ``n_resamples`` times (seeded) and refit each resample."""
    point = point or fit_irt(counts)
    logN, logD, n, c, scale = counts_arrays(counts)
    p = point.params
    g = np.linspace(p["g_lo"], p["g_hi"], K)
    W = point_weights(seed, n.shape[1], n_resamples)
    x0 = point_state(p, scale)
    shared = tuple(jnp.asarray(a) for a in (g, logN, logD, n, c))
    refit = lambda rows, x, it, chunk, m: em_refits(rows[0], x, *shared, max_iter=it, chunk=chunk, mesh=m)
    mesh = batch_mesh(devices)
    start = time.perf_counter()
    X, value, converged = staged_newton(refit, (W,), np.broadcast_to(x0, (n_resamples, x0.size)),
                                        quick=QUICK_ITERATIONS, full=MAX_EM, kind="heavy", mesh=mesh,
                                        progress=progress, label="t2-irt refits")
    X = np.asarray(X)
    al, be = np.exp(X[:, 2]), np.exp(X[:, 3])
    columns = {"E": np.zeros(n_resamples), "A": np.exp(X[:, 0]) * scale[0] ** al,
               "B": np.exp(X[:, 1]) * scale[1] ** be, "alpha": al, "beta": be, "nu": np.full(n_resamples, p["nu"]),
               "g_lo": np.full(n_resamples, p["g_lo"]), "g_hi": np.full(n_resamples, p["g_hi"]),
               "w_unsolvable": np.exp(X[:, 4])} | {name: np.exp(X[:, 5 + i]) for i, name in enumerate(WEIGHTS)}
    draws = pd.DataFrame(columns)[list(IRT_PARAMS)]
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
