"""Bootstrap of T² Approach 2: checkpoints resampled, both stages refitted per resample.

Stage 1 (the Chinchilla surface of the per-checkpoint loss) is linear given its
exponents, so it goes through the batched VarPro engine. Stage 2 has no such
structure: every resample's ``theta`` is refined by damped Newton from the
point fit's ``theta`` (the structured solution): a capped bulk pass over all
resamples in wide vmapped chunks, then the few stragglers with the full budget.
"""

from __future__ import annotations

import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.data.runs import Runs
from t2jax.errors import warn
from t2jax.families.power_sum.bootstrap import power_sum_bootstrap
from t2jax.families.power_sum.laws import CHINCHILLA
from t2jax.families.t2_beta.fit import default_stage1_loss, fit_t2_beta, stage2_sse
from t2jax.families.t2_beta.laws import THETA
from t2jax.fitting.newton import NewtonResult, minimize
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.precision import x64
from t2jax.programs import program
from t2jax.uncertainty.batched import batch_mesh, map_rows, staged_newton
from t2jax.uncertainty.resample import resample_weights
from t2jax.uncertainty.results import BootstrapResult


QUICK_ITERATIONS = 30  #: the bulk pass: most well-posed resamples converge within it


@program(static_argnames=("max_iter", "chunk", "mesh"), storable=lambda mesh=None, **_: mesh is None)
def theta_refits(L, ks, acc, W, theta0s, max_iter: int, chunk: int, mesh=None):
    """Stage-2 Newton from ``theta0s`` (a row per resample), ``chunk`` resamples at a time."""
    one = lambda l, w, t: minimize(stage2_sse, t, l, ks, acc, w[:, None], max_iter=max_iter)
    return map_rows(one, (L, W, theta0s), chunk=chunk, mesh=mesh)


def staged_theta(L, ks, acc, W, theta0, mesh=None, progress=None) -> NewtonResult:
    """Every resample's stage 2 from the point fit's ``theta`` through the batched driver
    (:func:`~t2jax.uncertainty.batched.staged_newton`): a bulk pass of ``QUICK_ITERATIONS``,
    then the unconverged few with the full budget, in ``retry`` chunks (8 rows on CPU:
    results bitwise independent of blocking; wide on accelerators)."""
    starts = np.broadcast_to(np.asarray(theta0), (W.shape[0], theta0.size))
    refit = lambda rows, t, it, chunk, m: theta_refits(rows[0], ks, acc, rows[1], t, it, chunk, m)
    return NewtonResult(*staged_newton(refit, (L, W), starts, quick=QUICK_ITERATIONS, full=500, mesh=mesh,
                                       progress=progress, label="T² Approach 2 refits"))


@x64
def bootstrap_t2_beta(N, D, ks, acc, n_resamples: int = 1000, *, stage1_loss=None, seed: int = 0, devices=None,
                      method: str = "varpro", point=None, chunk: int = 128, progress=None) -> BootstrapResult:
    """Resample checkpoints (rows of ``acc``) and refit T² Approach 2 on each resample.

    Arguments as :func:`t2jax.families.t2_beta.fit.fit_t2_beta`; ``method`` fits stage 1
    (as in the point fit ``point``, computed when not given); ``devices``, ``chunk`` and
    ``progress`` drive stage 1's batched refits.
    """
    point = point or fit_t2_beta(N, D, ks, acc, stage1_loss=stage1_loss, stage1_method=method)
    N, D, ks, acc = (np.asarray(v, np.float64) for v in (N, D, ks, acc))
    if stage1_loss is None:
        stage1_loss = default_stage1_loss(ks, acc)
    W = resample_weights(seed, N.size, n_resamples)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        names = list(CHINCHILLA.params)
        stage1_point = FitResult(method, CHINCHILLA.name, {k: point.params[k] for k in names},
                                 point.extras.get("stage1", {}).get("objective", np.nan), N.size, True)
        stage1 = power_sum_bootstrap(Runs(N, D, np.asarray(stage1_loss, np.float64)), CHINCHILLA, n_resamples,
                                     method=method, seed=seed, point=stage1_point, weights=W, devices=devices,
                                     chunk=chunk, progress=progress)
    params = {k: jnp.asarray(stage1.draws[k].to_numpy()) for k in names}
    L = jax.vmap(lambda p: chinchilla_loss(p, jnp.asarray(N), jnp.asarray(D)))(params)
    theta0 = jnp.asarray([point.params[t] for t in THETA])
    res = staged_theta(L, jnp.asarray(ks), jnp.asarray(acc), jnp.asarray(W), theta0, batch_mesh(devices), progress)
    draws = stage1.draws[names].copy()
    for i, name in enumerate(THETA):
        draws[name] = np.asarray(res.x[:, i])
    draws["objective"] = np.asarray(res.value)
    draws["converged"] = stage1.draws["converged"].to_numpy() & np.asarray(res.converged)
    out = BootstrapResult(point=point, draws=draws, weights=W, seed=seed, resample="groups", seconds=time.perf_counter() - start)
    if out.n_failed:
        warn(f"{out.n_failed} of {n_resamples} T² Approach-2 refits did not converge; intervals use the others",
                      FitWarning)
    return out
