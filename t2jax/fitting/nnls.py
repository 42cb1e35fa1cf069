r"""Exact non-negative least squares for tiny systems, by enumerating active sets.

For the normal equations :math:`G c = b` of a law with :math:`m \le 5` linear
coefficients, the NNLS optimum is the unconstrained least-squares solution on its
own support. Solving all :math:`2^m` masked systems at once and keeping the feasible
one with the least residual is therefore exact, branch-free and batchable over any
leading shape (an exponent grid, resamples, or both).
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np


def _masks(m: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=m)))


def spd_solve(G, b):
    """Solve ``G x = b`` for small symmetric positive definite ``G`` (``m <= 6``).

    An unrolled Cholesky factorisation in elementwise array operations: for millions
    of tiny systems (an exponent grid times resamples) this vectorises far better
    than a batched LAPACK call. A matrix that is not positive definite gives NaN.
    """
    m = G.shape[-1]
    L = [[None] * m for _ in range(m)]
    for j in range(m):
        d = G[..., j, j] - sum(L[j][k] ** 2 for k in range(j))
        L[j][j] = jnp.sqrt(jnp.where(d > 0, d, jnp.nan))
        for i in range(j + 1, m):
            L[i][j] = (G[..., i, j] - sum(L[i][k] * L[j][k] for k in range(j))) / L[j][j]
    z = [None] * m
    for i in range(m):
        z[i] = (b[..., i] - sum(L[i][k] * z[k] for k in range(i))) / L[i][i]
    x = [None] * m
    for i in reversed(range(m)):
        x[i] = (z[i] - sum(L[k][i] * x[k] for k in range(i + 1, m))) / L[i][i]
    return jnp.stack(x, axis=-1)


def masked_solve(G, b, mask, unrolled: bool = True):
    """Solve ``G c = b`` on the coefficients where ``mask`` is 1; the others are 0.

    ``unrolled`` uses :func:`spd_solve` (best for huge batches of systems); otherwise
    LAPACK (best under autodiff of a few systems)."""
    outer = mask[..., :, None] * mask[..., None, :]
    eye = jnp.eye(G.shape[-1], dtype=G.dtype)
    Gm = G * outer + eye * (1.0 - mask[..., None, :])
    if unrolled:
        return spd_solve(Gm, b * mask)
    return jnp.linalg.solve(Gm, (b * mask)[..., None])[..., 0]


def _support_solve(G, b, mask_row):
    """Solve on the (static) support ``mask_row`` only: a ``k x k`` system for ``k`` active
    coefficients rather than an ``m x m`` one padded with identity rows (same arithmetic,
    about a quarter of the work over all supports)."""
    active = [i for i, on in enumerate(mask_row) if on]
    out = jnp.zeros(b.shape, b.dtype)
    if not active:
        return out
    idx = np.array(active)
    sub = spd_solve(G[..., idx[:, None], idx[None, :]], b[..., idx])
    return out.at[..., idx].set(sub)


def nnls_normal(G, b, yy):
    """NNLS from normal equations, batched over leading axes.

    Args:
      G: ``(..., m, m)`` Gram matrices ``F^T W F``.
      b: ``(..., m)`` moments ``F^T W y``.
      yy: ``(...)`` weighted sums of squares ``y^T W y``.
    Returns:
      ``(coef, rss, mask)``: the optimum, its residual sum of squares and its support.
    """
    m = G.shape[-1]
    best_coef = jnp.zeros(b.shape, b.dtype)
    best_rss = jnp.full(yy.shape, jnp.inf, yy.dtype)
    best_mask = jnp.zeros(b.shape, b.dtype)
    for row in _masks(m):  # a running minimum: no (..., 2^m, m) intermediate in memory
        coef = _support_solve(G, b, row)
        rss = yy - jnp.sum(coef * b, axis=-1)
        feasible = jnp.all(coef >= 0.0, axis=-1) & jnp.all(jnp.isfinite(coef), axis=-1) & jnp.isfinite(rss)
        better = jnp.where(feasible, rss, jnp.inf) < best_rss  # strict: the first of equal minima wins
        best_coef = jnp.where(better[..., None], coef, best_coef)
        best_rss = jnp.where(better, rss, best_rss)
        best_mask = jnp.where(better[..., None], jnp.asarray(row, b.dtype), best_mask)
    return best_coef, best_rss, best_mask


def nnls_exact(F, y, w):
    """NNLS of ``min_c>=0 sum w (y - F c)^2`` on one design matrix, differentiable in ``F``.

    The support is chosen by :func:`nnls_normal` (not differentiated: it is piecewise
    constant); the coefficients are re-solved on it with one step of iterative
    refinement, so they keep full float64 accuracy.
    """
    wF = F * w[:, None]
    G, b = F.T @ wF, wF.T @ y
    _, _, mask = nnls_normal(jax.lax.stop_gradient(G), jax.lax.stop_gradient(b), jnp.sum(w * y * y))
    mask = jax.lax.stop_gradient(mask)
    coef = masked_solve(G, b, mask, unrolled=False)
    coef = coef + masked_solve(G, wF.T @ (y - F @ coef), mask, unrolled=False)
    return coef, mask
