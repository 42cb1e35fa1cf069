r"""Exhaustive exponent grids for additive power laws, built from matrix products.

For :math:`L = E + \sum_j C_j x_j^{-\theta_j}` and a grid :math:`\theta_j \in T_j`,
the Gram matrix of every grid point is assembled from per-exponent tables
:math:`P_j[a, i] = x_{ij}^{-T_j[a]}`:

.. math:: G_{jk}(a, b) = \sum_i w_i P_j[a, i] P_k[b, i] = (P_j \,\mathrm{diag}(w)\, P_k^\top)_{ab},

so the whole grid costs :math:`O(J^2 g^2 n)` in matrix products instead of
:math:`g^J` separate fits. Non-negative coefficients then come from the exact
active-set enumeration in :mod:`t2jax.fitting.nnls`.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp

from t2jax.fitting.nnls import nnls_normal


def _place(arr, axes, shape):
    """Broadcast ``arr`` (dims = grid ``axes`` in order, then extra) to ``shape``."""
    J = len(shape)
    extra = arr.shape[len(axes):]
    full = [1] * J
    for k, ax in enumerate(axes):
        full[ax] = arr.shape[k]
    return jnp.broadcast_to(arr.reshape(tuple(full) + extra), shape + extra)


def grid_normal_equations(Xs, y, w, grids):
    """Gram ``G (..., m, m)``, moments ``b (..., m)`` and ``yy`` over the exponent grid.

    ``w`` is either shared, shape ``(n,)`` (fast path: pure matrix products), or one
    weight vector per grid point, shape ``grid_shape + (n,)`` (IRLS).
    """
    shape = tuple(int(g.shape[0]) for g in grids)
    n = Xs.shape[0]
    factors = [(None, None)] + [(Xs[:, j][None, :] ** (-g[:, None]), j) for j, g in enumerate(grids)]
    per_point = w.ndim > 1

    def full(P, ax):  # a factor over the whole grid, shape grid + (n,)
        return jnp.ones((n,), Xs.dtype) if ax is None else _place(P, (ax,), shape)

    def pair(fa, fb):
        (Pa, a), (Pb, b) = fa, fb
        if per_point:
            return jnp.sum(w * full(Pa, a) * full(Pb, b), axis=-1)
        if b is None:
            return jnp.broadcast_to(jnp.sum(w), shape)
        if a is None:
            return _place(Pb @ w, (b,), shape)
        if a == b:
            return _place((Pa * Pb) @ w, (a,), shape)
        return _place((Pa * w) @ Pb.T, (a, b), shape)

    def moment(f, v):
        P, ax = f
        if per_point:
            return jnp.sum(v * full(P, ax), axis=-1)
        return jnp.broadcast_to(jnp.sum(v), shape) if ax is None else _place(P @ v, (ax,), shape)

    m = len(factors)
    rows = [[pair(factors[min(i, k)], factors[max(i, k)]) for k in range(m)] for i in range(m)]
    G = jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2)
    wy = w * y
    b = jnp.stack([moment(f, wy) for f in factors], axis=-1)
    yy = jnp.broadcast_to(jnp.sum(wy * y, axis=-1), shape)
    return G, b, yy


def profile_grid(Xs, y, w, grids):
    """Least squares profiled over the grid: ``(rss, coef)`` of shape ``grid`` and ``grid + (m,)``."""
    G, b, yy = grid_normal_equations(Xs, y, w, grids)
    if len(grids) >= 3:  # bound memory: one slice of the first exponent at a time
        coef, rss, _ = jax.lax.map(lambda a: nnls_normal(*a), (G, b, yy))
    else:
        coef, rss, _ = nnls_normal(G, b, yy)
    return rss, coef


def huber_irls_grid(Xs, y, w, grids, delta, iters: int = 30, scale=None):
    r"""Huber-loss profile over the grid by iteratively reweighted least squares.

    Residuals are divided by ``scale`` (e.g. ``y`` for relative residuals) before the
    Huber weights :math:`\min(1, \delta/|r|)` are formed. Returns ``(objective, coef)``.
    """
    scale = jnp.ones_like(y) if scale is None else scale
    shape = tuple(int(g.shape[0]) for g in grids)
    tables = [Xs[:, j][None, :] ** (-g[:, None]) for j, g in enumerate(grids)]

    def residuals(coef):
        pred = coef[..., :1]
        for j, P in enumerate(tables):
            pred = pred + _place(P, (j,), shape) * coef[..., j + 1 : j + 2]
        return (y - pred) / scale

    def step(coef, _):
        r = residuals(coef)
        wh = w * jnp.minimum(1.0, delta / jnp.maximum(jnp.abs(r), 1e-300))
        _, coef = profile_grid(Xs, y, wh, grids)
        return coef, None

    _, coef = profile_grid(Xs, y, jnp.broadcast_to(w, shape + w.shape[-1:]), grids)
    coef, _ = jax.lax.scan(step, coef, None, length=iters)
    r = residuals(coef)
    obj = jnp.sum(w * jnp.where(jnp.abs(r) <= delta, 0.5 * r * r, delta * (jnp.abs(r) - 0.5 * delta)), axis=-1)
    return obj, coef


def local_minima(values, k: int):
    """Flat indices of up to ``k`` best grid points that are <= all their neighbours."""
    J = values.ndim
    padded = jnp.pad(values, 1, constant_values=jnp.inf)
    is_min = jnp.isfinite(values)
    for offset in itertools.product(range(3), repeat=J):
        sl = tuple(slice(o, o + s) for o, s in zip(offset, values.shape))
        is_min = is_min & (values <= padded[sl])
    score = jnp.where(is_min, values, jnp.inf).ravel()
    order = []
    for _ in range(k):  # k argmins: far cheaper than a sort for small k; ties go to the lower index
        i = jnp.argmin(score)
        order.append(i)
        score = score.at[i].set(jnp.inf)
    order = jnp.stack(order)
    return order, jnp.isfinite(jnp.where(is_min, values, jnp.inf).ravel()[order])
