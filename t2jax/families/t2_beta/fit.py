r"""T² Approach 2: a Beta model of per-question success driven by a fitted loss.

Stage 1 fits a Chinchilla surface :math:`\hat L(N, D)` to a per-checkpoint loss
(by default the k = 1 task loss :math:`-\log \overline{\mathrm{pass}@1}`). Stage 2
fits :math:`\theta` of (see :mod:`t2jax.families.t2_beta.laws`)

.. math:: \mathrm{Acc}(N, D, k) = 1 - B(\mu\nu, (1-\mu)\nu + k) / B(\mu\nu, (1-\mu)\nu),

by least squares against observed pass@k over all checkpoints and k. Seeds come from
structure rather than restarts: a Beta curve per checkpoint gives
:math:`(\mu_c, \nu_c)`; :math:`\log\nu_c` is linear in :math:`(\theta_3, \theta_4)`;
:math:`\mu_c` is linear in :math:`\theta_2` on a :math:`(\theta_0, \theta_1)` grid.
Damped Newton on the exact objective finishes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting.engine import fit_power_law
from t2jax.fitting.newton import minimize
from t2jax.fitting.result import FitResult
from t2jax.laws.beta import beta_pass_at_k
from t2jax.families.power_sum.laws import CHINCHILLA
from t2jax.families.t2_beta.laws import THETA, t2_beta_accuracy_from_loss
from t2jax.precision import x64
from t2jax.programs import bucket, program


def _curve_sse(log_ab, ks, acc):
    """Squared error of log pass@k: relative, so near-zero accuracies still pin the curve."""
    pred = beta_pass_at_k(jnp.exp(log_ab[0]), jnp.exp(log_ab[1]), ks)
    return jnp.sum((jnp.log(pred) - jnp.log(acc)) ** 2)


def _per_checkpoint_beta(ks, acc):
    """Beta(a, b) per checkpoint from its pass@k curve, least squares on log pass@k (9 starts)."""
    starts = jnp.log(jnp.array([[a, b] for a in (0.1, 0.5, 2.0) for b in (1.0, 10.0, 100.0)]))

    def one(curve):
        runs = jax.vmap(lambda s: minimize(_curve_sse, s, ks, curve))(starts)
        return runs.x[jnp.argmin(jnp.where(jnp.isfinite(runs.value), runs.value, jnp.inf))]

    ab = jnp.exp(jax.vmap(one)(acc))
    return ab[:, 0] / ab.sum(1), ab.sum(1)


def _seed_theta(L, mu, nu, real):
    """A start for stage 2 from the per-checkpoint Betas of the ``real`` (not padded) rows."""
    V = jnp.stack([jnp.ones_like(L), L], 1) * real[:, None]
    t34 = jnp.linalg.lstsq(V, jnp.log(nu) * real)[0]
    t0s = jnp.linspace(jnp.where(real > 0, L, jnp.inf).min() - 1.0, jnp.where(real > 0, L, -jnp.inf).max() + 1.0, 64)
    t1s = jnp.concatenate([-jnp.geomspace(30.0, 0.03, 32), jnp.geomspace(0.03, 30.0, 32)])
    s = 1.0 / (1.0 + jnp.exp(t1s[None, :, None] * (L[None, None, :] - t0s[:, None, None])))
    t2 = jnp.clip(jnp.sum(s * mu * real, -1) / jnp.sum(s * s * real, -1), 1e-6, 1.0)
    sse = jnp.sum(real * (t2[..., None] * s - mu) ** 2, -1)
    i, j = jnp.unravel_index(jnp.argmin(sse), sse.shape)
    return jnp.stack([t0s[i], t1s[j], t2[i, j], t34[0], t34[1]])


def stage2_sse(theta, L, ks, acc, w):
    """Stage-2 objective: squared error of pass@k over checkpoints (rows) and ``ks``."""
    pred = t2_beta_accuracy_from_loss(theta, L[:, None], ks[None, :])
    return jnp.sum(w * (pred - acc) ** 2)


@program
def fit_theta(L, ks, acc, w, real):
    """Stage 2: ``theta`` from fitted losses ``L`` (checkpoints) and pass@k ``acc`` (checkpoints x ks);
    rows with ``real`` 0 (and weight 0) are padding."""
    mu, nu = _per_checkpoint_beta(ks, acc)
    theta0 = _seed_theta(L, mu, nu, real)
    return minimize(stage2_sse, theta0, L, ks, acc, w, max_iter=500)


def default_stage1_loss(ks, acc) -> np.ndarray:
    """Stage 1's default per-checkpoint loss: the k = 1 task loss ``-log pass@1``."""
    ks, acc = np.asarray(ks, np.float64), np.asarray(acc, np.float64)
    if not (ks == 1).any():
        raise T2JaxError("stage 1 needs pass@1 (k = 1) or an explicit stage1_loss")
    pass1 = acc[:, np.flatnonzero(ks == 1)[0]]
    if (pass1 >= 1.0).any():
        raise T2JaxError(f"pass@1 is exactly 1 at {int((pass1 >= 1).sum())} of {pass1.size} checkpoints (every "
                         f"problem solved in every sample): stage 1's loss -log pass@1 is 0 there; give stage1_loss")
    return -np.log(pass1)


@x64
def fit_t2_beta(N, D, ks, acc, *, stage1_loss=None, stage1_method: str = "varpro", weights=None) -> FitResult:
    """Fit T² Approach 2.

    Args:
      N, D: per-checkpoint parameters and tokens.
      ks: the k values (columns of ``acc``).
      acc: observed aggregate pass@k, shape ``(checkpoints, len(ks))``.
      stage1_loss: per-checkpoint loss for stage 1; default ``-log acc[:, k == 1]``.
      stage1_method: ``"varpro"`` or ``"approach3"``.
      weights: optional per-checkpoint weights.
    """
    N, D, ks, acc = (np.asarray(v, np.float64) for v in (N, D, ks, acc))
    if acc.shape != (N.size, ks.size):
        raise T2JaxError(f"acc must be (checkpoints, ks) = ({N.size}, {ks.size}); got {acc.shape}")
    if not np.isfinite(acc).all() or (acc <= 0).any() or (acc > 1).any():
        raise T2JaxError("pass@k values must lie in (0, 1]")
    if stage1_loss is None:
        stage1_loss = default_stage1_loss(ks, acc)
    w = np.ones(N.size) if weights is None else np.asarray(weights, np.float64)
    try:
        stage1 = fit_power_law(Runs(N, D, np.asarray(stage1_loss, np.float64)), CHINCHILLA, stage1_method, weights=w)
    except T2JaxError as exc:
        raise T2JaxError(f"t2-beta's stage 1 fits law chinchilla to one loss per checkpoint ({N.size} checkpoints), "
                         f"and {exc}") from None
    L_hat = stage1.predict(N, D)
    J = N.size  # checkpoints padded to a bucket size (copies of the first, weight 0): one program for similar tables
    rows = np.concatenate([np.arange(J), np.zeros(bucket(J) - J, int)])
    real = (np.arange(rows.size) < J).astype(np.float64)
    res = fit_theta(*(jnp.asarray(a) for a in (L_hat[rows], ks, acc[rows], (w[rows] * real)[:, None], real)))
    params = dict(stage1.params) | dict(zip(THETA, map(float, np.asarray(res.x))))
    return FitResult(
        method=stage1_method,  # the law's method (stage 1's fitter): feeding it back refits alike
        law="t2-beta",
        params=params,
        objective=float(res.value),
        n_points=int(acc.size),
        converged=bool(res.converged) and stage1.converged,
        at_bound=stage1.at_bound,
        extras={"stage1": {"method": stage1_method, "objective": stage1.objective}},
    )
