r"""The power-law engine: every fit of an additive power law, point or batched, runs here.

For :math:`L = E + \sum_j C_j x_j^{-\theta_j}` and fixed exponents :math:`\theta`, the
law is linear in :math:`c = (E, C_j) \ge 0`. The engine therefore

1. **starts** from the best local minima of an exhaustive exponent grid
   (:mod:`t2jax.fitting.grid`: all Gram matrices as matrix products, exact NNLS),
   :func:`grid_starts` for squared error, :func:`huber_starts` for Huber objectives
   (relative least squares seeds Approach 3, :math:`\log\hat L - \log L \approx (\hat L - L)/L`);
2. **refines** exactly with damped Newton (:mod:`t2jax.fitting.newton`):
   :func:`refine_sse` on the VarPro profile
   :math:`f(\theta) = \min_{c \ge 0} \sum_i w_i (y_i - F_i(\theta) c)^2`,
   :func:`quick_refine_sse` on all parameters with the active set held (cheap in large
   batches), :func:`refine_huber` on the exact Huber objective;
3. **builds the result** in raw units with bound flags (:func:`power_law_result`).

Every function takes per-run weights ``w``, so the point fits and the batched bootstrap
(:mod:`t2jax.uncertainty`) share them.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting.extrapolation import fitted_range
from t2jax.fitting.grid import huber_irls_grid, local_minima, profile_grid
from t2jax.fitting.newton import minimize
from t2jax.fitting.nnls import nnls_exact
from t2jax.fitting.problem import make_problem, raw_params
from t2jax.fitting.result import FitResult
from t2jax.laws.law import Law
from t2jax.laws.power_sum import features, log_predict
from t2jax.programs import program
from t2jax.validate import check_count, check_memory, check_positive

DEFAULT_BOUNDS = (0.02, 2.0)
DEFAULT_RESOLUTION = {1: 1024, 2: 128, 3: 64}
#: Grid minima refined exactly, per method (Approach 3's Huber surface has more basins).
DEFAULT_STARTS = {"varpro": 4, "approach3": 6}


def exponent_grids(law: Law, resolution, bounds) -> tuple:
    """One linear grid per exponent; ``resolution=None`` picks 128 for 2 exponents, 64 for 3."""
    J = len(law.exponents)
    resolution = DEFAULT_RESOLUTION.get(J, 24) if resolution is None else check_count("resolution", resolution, 2)
    m = len(law.linear.coefficients) if law.linear is not None else J + 1
    check_memory(f"an exponent grid of {resolution:,} points per axis", 64.0 * float(resolution) ** J * (m * m + m + 2),
                 f"use a smaller resolution (default {DEFAULT_RESOLUTION.get(J, 24)}; the grid only seeds the refinement)")
    lo, hi = bounds
    return tuple(jnp.linspace(lo, hi, resolution) for _ in range(J))


def profile_sse(theta, X, y, w):
    """The VarPro profile: least squares over ``c >= 0`` at exponents ``theta``."""
    F = features(X, theta)
    coef, _ = nnls_exact(F, y, w)
    r = y - F @ coef
    return jnp.sum(w * r * r)


def huber_objective(p, X, y, w, delta, m):
    """Huber loss (in units of ``delta``) of the linear-space law, ``p = (log c, theta)``."""
    pred = features(X, p[m:]) @ jnp.exp(p[:m])
    return jnp.sum(w * optax.losses.huber_loss(pred, y, delta=delta)) / delta


def log_huber_objective(p, logX, log_y, w, delta, m):
    """Approach 3: Huber on ``log L_hat - log L`` with the log-sum-exp law, in units of delta."""
    return jnp.sum(w * optax.losses.huber_loss(log_predict(p[:m], p[m:], logX), log_y, delta=delta)) / delta


def grid_starts(X, y, w, grids, n_starts):
    """The ``n_starts`` best local minima of the VarPro profile on the exponent grid."""
    rss, _ = profile_grid(X, y, w, grids)
    idx, valid = local_minima(rss, n_starts)
    starts = jnp.stack(jnp.unravel_index(idx, rss.shape), -1)
    return jnp.stack([g[starts[:, j]] for j, g in enumerate(grids)], -1), valid


def profile_derivatives(theta, X, y, w):
    r"""Value, gradient and exact Hessian of :func:`profile_sse` in closed form.

    With :math:`c^*(\theta)` the NNLS solution on its support :math:`S` (locally constant),
    :math:`\partial f/\partial c = 0` on :math:`S` and :math:`dc^*/d\theta = 0` off it, so
    the profile's gradient is :math:`\partial f/\partial\theta` at :math:`(c^*, \theta)` and its
    Hessian the Schur complement :math:`H_{\theta\theta} - H_{\theta S} H_{SS}^{-1} H_{S\theta}` of
    :func:`sse_derivatives`' Hessian: no autodiff through NNLS, so cheaper to trace and compile.
    """
    coef, mask = nnls_exact(features(X, theta), y, w)
    m = coef.shape[0]
    value, grad, H = sse_derivatives(jnp.concatenate([coef, theta]), X, y, jnp.sqrt(w), mask)
    on = mask.astype(bool)
    Hcc = jnp.where(on[:, None] & on[None, :], H[:m, :m], jnp.eye(m, dtype=H.dtype))
    Hct = jnp.where(on[:, None], H[:m, m:], 0.0)
    return value, grad[m:], H[m:, m:] - Hct.T @ jnp.linalg.solve(Hcc, Hct)


def refine_sse(X, y, w, thetas, valid, max_iter: int = 200):
    """Newton on the profile from each valid start; the best optimum and its coefficients."""
    runs = jax.vmap(lambda t, v: minimize(profile_sse, t, X, y, w, max_iter=max_iter, active=v,
                                          derivatives=profile_derivatives))(thetas, valid)
    value = jnp.where(valid & jnp.isfinite(runs.value), runs.value, jnp.inf)
    best = jnp.argmin(value)
    theta = runs.x[best]
    coef, _ = nnls_exact(features(X, theta), y, w)
    return coef, theta, runs.value[best], runs.converged[best]


def power_sum_residual(p, X, y, sqrt_w, mask):
    """Weighted residuals of the law at ``p = (coef, theta)``; coefficients off ``mask`` are 0."""
    m = mask.shape[0]
    return sqrt_w * (y - features(X, p[m:]) @ (p[:m] * mask))


def sse_full(p, X, y, sqrt_w, mask):
    r = power_sum_residual(p, X, y, sqrt_w, mask)
    return jnp.sum(r * r)


def sse_derivatives(p, X, y, sqrt_w, mask):
    r"""Value, gradient and exact Hessian of :func:`sse_full` in closed form.

    With :math:`u_j = x_j^{-\theta_j}`, :math:`\ell_j = \log x_j` and masked coefficients
    :math:`\tilde c`, the residual Jacobian has columns :math:`-1, -u_j, \tilde c_j u_j \ell_j`,
    and the only second derivatives of the law are
    :math:`\partial^2 f / \partial c_j \partial\theta_j = -u_j \ell_j` and
    :math:`\partial^2 f / \partial\theta_j^2 = \tilde c_j u_j \ell_j^2`, so
    :math:`H = 2 J^\top W J - 2 \sum_i w_i r_i \nabla^2 f_i` costs two small matrix products.
    """
    m = mask.shape[0]
    c, theta = p[:m] * mask, p[m:]
    logX = jnp.log(X)
    u = jnp.exp(-theta[None, :] * logX)
    w = sqrt_w * sqrt_w
    r = y - (c[0] + u @ c[1:])
    dfc = jnp.concatenate([jnp.ones_like(u[:, :1]), u], axis=1) * mask[None, :]
    dft = -c[None, 1:] * u * logX
    J = jnp.concatenate([dfc, dft], axis=1)  # df/dp, (n, m + J)
    wr = w * r
    value = jnp.sum(wr * r)
    grad = -2.0 * (J.T @ wr)
    H = 2.0 * (J.T @ (w[:, None] * J))
    cross = -(wr @ (u * logX)) * mask[1:]  # sum_i w r d2f/dc_j dtheta_j
    diag_t = wr @ (c[None, 1:] * u * logX * logX)  # sum_i w r d2f/dtheta_j^2
    k = jnp.arange(1, m)
    H = H.at[k, m - 1 + k].add(-2.0 * cross).at[m - 1 + k, k].add(-2.0 * cross)
    H = H.at[m - 1 + k, m - 1 + k].add(-2.0 * diag_t)
    return value, grad, H


def quick_refine_sse(X, y, w, theta0, max_iter: int = 30):
    """Damped Newton on all parameters (a Hessian of elementwise operations only, so
    cheap in large batches) from the grid's best start, with the grid's active set
    held fixed; ``converged`` is False if a coefficient went negative (the active set
    changed: the exact profile refinement must decide)."""
    coef0, mask = nnls_exact(features(X, theta0), y, w)
    res = minimize(sse_full, jnp.concatenate([coef0, theta0]), X, y, jnp.sqrt(w), mask, max_iter=max_iter,
                   derivatives=sse_derivatives)
    m = mask.shape[0]
    coef = res.x[:m] * mask
    ok = res.converged & jnp.all(coef >= 0.0)
    return coef, res.x[m:], res.value, ok


@program(static_argnames=("n_starts",))
def fit_sse(X, y, w, grids, n_starts):
    thetas, valid = grid_starts(X, y, w, grids, n_starts)
    return refine_sse(X, y, w, thetas, valid)


def seed_log_coef(coef, X, y):
    """Log-coefficients from a grid solution; zeros become negligible positive values."""
    typical = jnp.concatenate([jnp.ones(1, X.dtype), jnp.exp(-jnp.mean(jnp.log(X), 0))])
    floor = 1e-8 * jnp.mean(y) / typical
    return jnp.log(jnp.maximum(coef, floor))


def huber_starts(X, y, w, grids, delta, n_starts, log_space):
    """Starts ``(log c, theta)`` at the grid's best local minima, and which are real.

    Approach 3 (``log_space``) seeds from relative least squares,
    ``log L_hat - log L ~ (L_hat - L) / L``; Huber VarPro from a Huber-IRLS grid.
    """
    m = X.shape[1] + 1
    if log_space:
        obj_grid, coef_grid = profile_grid(X, y, w / (y * y), grids)
    else:
        obj_grid, coef_grid = huber_irls_grid(X, y, w, grids, delta)
    idx, valid = local_minima(obj_grid, n_starts)
    flat_coef = coef_grid.reshape(-1, m)[idx]
    starts = jnp.stack(jnp.unravel_index(idx, obj_grid.shape), -1)
    thetas = jnp.stack([g[starts[:, j]] for j, g in enumerate(grids)], -1)
    return jnp.concatenate([jax.vmap(lambda c: seed_log_coef(c, X, y))(flat_coef), thetas], axis=1), valid


def refine_huber(X, y, w, p0s, valid, delta, log_space, max_iter: int = 200):
    """Newton on the exact Huber objective from each valid start; the best optimum
    ``(p, objective, converged)`` with the objective in the loss's own units."""
    m = X.shape[1] + 1
    if log_space:
        objective, data = log_huber_objective, (jnp.log(X), jnp.log(y))
    else:
        objective, data = huber_objective, (X, y)
    runs = jax.vmap(lambda p, v: minimize(objective, p, *data, w, delta, m, max_iter=max_iter, active=v))(p0s, valid)
    value = jnp.where(valid & jnp.isfinite(runs.value), runs.value, jnp.inf)
    best = jnp.argmin(value)
    return runs.x[best], runs.value[best] * delta, runs.converged[best]


@program(static_argnames=("n_starts", "log_space"))
def fit_huber(X, y, w, grids, delta, n_starts, log_space):
    """Grid seeds, then Newton on the exact objective from each."""
    p0s, valid = huber_starts(X, y, w, grids, delta, n_starts, log_space)
    return refine_huber(X, y, w, p0s, valid, delta, log_space)


def bound_flags(law: Law, coef, X, theta, bounds, y) -> tuple:
    """Coefficients that vanish, exponents on or outside the grid range."""
    contribution = np.asarray(coef) * np.concatenate([[1.0], np.max(np.asarray(X) ** -np.asarray(theta), axis=0)])
    flags = [n for n, c in zip(law.coefficients, contribution) if c <= 1e-7 * float(np.min(y))]
    lo, hi = bounds
    flags += [n for n, t in zip(law.exponents, np.asarray(theta)) if t <= lo or t >= hi]
    return tuple(flags)


def fit_inputs(runs: Runs, law: Law, method: str, weights, resolution, bounds):
    """The scaled problem, its arrays, validated weights and the exponent grids."""
    prob = make_problem(runs, law, method)
    if weights is None:
        w = np.ones_like(prob.y)
    else:
        w = np.asarray(weights, np.float64)
        if w.shape != prob.y.shape or not np.isfinite(w).all() or (w < 0).any():
            raise T2JaxError(f"{method}: weights must be {prob.y.size} finite values >= 0")
    return prob, jnp.asarray(prob.X), jnp.asarray(prob.y), jnp.asarray(w), exponent_grids(law, resolution, bounds)


def power_law_result(method, law: Law, prob, coef, theta, value, converged, bounds, extras) -> FitResult:
    """A :class:`FitResult` in raw units, with bound flags and the fitted ranges, from
    scaled coefficients."""
    raw = dict(zip(law.covariates, (np.asarray(prob.X) * prob.scale).T))
    if "N" in raw and "D" in raw:
        extras = dict(extras) | {"fitted_range": fitted_range(raw["N"], raw["D"], raw.get("k"))}
    return FitResult(
        method=method,
        law=law.name,
        params=raw_params(law, coef, theta, prob.scale),
        objective=float(value),
        n_points=int(prob.y.size),
        converged=bool(converged),
        at_bound=bound_flags(law, coef, prob.X, theta, bounds, prob.y),
        extras=extras,
    )


#: Point fits pad their runs to a power of two (at least this many), so datasets of
#: similar size share one compiled and stored program (:mod:`t2jax.programs`).
PAD_MIN = 32


def pad_rows(X, y, w):
    """Rows up to the next power of two, each with weight 0, so every weighted sum is
    unchanged; padded covariates are the columns' geometric means and padded losses the
    mean loss, which also keeps :func:`seed_log_coef`'s (unweighted) scales."""
    n = int(y.shape[0])
    extra = max(PAD_MIN, 1 << (n - 1).bit_length()) - n
    if extra <= 0:
        return X, y, w
    X, y, w = (np.asarray(a) for a in (X, y, w))  # on the host: no compiled program per shape
    fill = (np.exp(np.mean(np.log(X), 0)), np.mean(y), 0.0)
    return tuple(jnp.asarray(np.concatenate([a, np.broadcast_to(f, (extra,) + a.shape[1:])])) for a, f in zip((X, y, w), fill))


def fit_power_law(runs: Runs, law: Law, method: str, *, loss: str = "squared", delta: float = 1e-3,
                  resolution=None, bounds=DEFAULT_BOUNDS, n_starts=None, weights=None) -> FitResult:
    """Grid starts, exact Newton refinement, result: ``method="varpro"`` minimises squared
    error (``loss="squared"``) or Huber on the loss (``loss="huber"``); ``"approach3"``
    minimises Huber on log loss in the log-sum-exp form. Call inside float64."""
    if method not in DEFAULT_STARTS:
        raise T2JaxError(f"additive power laws are fitted by {' or '.join(DEFAULT_STARTS)}, not {method!r}")
    n_starts = n_starts or DEFAULT_STARTS[method]
    if method == "approach3" or loss == "huber":
        delta = check_positive("delta (the Huber threshold)", delta)
    prob, X, y, w, grids = fit_inputs(runs, law, method, weights, resolution, bounds)
    X, y, w = pad_rows(X, y, w)
    if method == "varpro" and loss == "squared":
        coef, theta, value, converged = fit_sse(X, y, w, grids, n_starts)
        extras = {"loss": loss}
    else:
        log_space = method == "approach3"
        p, value, converged = fit_huber(X, y, w, grids, delta, n_starts, log_space)
        m = len(law.coefficients)
        coef, theta = np.exp(np.asarray(p[:m])), np.asarray(p[m:])
        extras = {"delta": delta} if log_space else {"loss": loss, "delta": delta}
    return power_law_result(method, law, prob, coef, theta, value, converged, bounds, extras)
