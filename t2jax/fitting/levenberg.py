r"""Levenberg--Marquardt for small nonlinear least squares, batch-friendly.

Minimises :math:`\tfrac12\sum_i r_i(p)^2` with the Jacobian from forward-mode
autodiff (one tangent per parameter: cheap for 3--7 parameters), solving
:math:`(J^\top J + \lambda\,\mathrm{diag}(J^\top J))\,s = -J^\top r` each step.
Much cheaper per iteration than a Newton step on a profiled objective, so it is the
first pass of batched refits; results it cannot certify go to :mod:`newton`.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from t2jax.fitting.newton import NewtonResult


def least_squares(residual: Callable, p0, *args, max_iter: int = 30, gtol: float = 1e-9, active=True) -> NewtonResult:
    """Minimise ``0.5 * sum(residual(p, *args)**2)`` from ``p0``.

    Converged means ``max_i |g_i| (1 + |p_i|) / (1 + f) < gtol`` with ``g = J^T r``,
    or, once no step lowers ``f`` any more (rounding), that measure below ``1e3 gtol``.
    """
    jac = jax.jacfwd(residual)

    def measure(p):
        r = residual(p, *args)
        J = jac(p, *args)
        f = 0.5 * jnp.sum(r * r)
        g = J.T @ r
        return f, g, J.T @ J, jnp.max(jnp.abs(g) * (1.0 + jnp.abs(p))) / (1.0 + f)

    def body(state):
        p, f, g, A, lam, it, _ = state
        d = jnp.maximum(jnp.diag(A), 1e-300)
        step = -jnp.linalg.solve(A + lam * jnp.diag(d), g)
        f_new, g_new, A_new, sg_new = measure(p + step)
        ok = jnp.isfinite(f_new) & (f_new < f)
        pick = lambda new, old: jnp.where(ok, new, old)
        sg = pick(sg_new, jnp.max(jnp.abs(g) * (1.0 + jnp.abs(p))) / (1.0 + f))
        return (pick(p + step, p), pick(f_new, f), pick(g_new, g), pick(A_new, A),
                jnp.where(ok, jnp.maximum(lam * 0.2, 1e-12), lam * 8.0), it + 1, sg)

    def cond(state):
        return active & (state[5] < max_iter) & (state[6] >= gtol) & (state[4] < 1e12)

    p0 = jnp.asarray(p0)
    f0, g0, A0, sg0 = measure(p0)
    p, f, g, A, lam, it, sg = jax.lax.while_loop(cond, body, (p0, f0, g0, A0, jnp.asarray(1e-3, p0.dtype), jnp.asarray(0), sg0))
    stalled = lam >= 1e12
    return NewtonResult(p, 2.0 * f, sg, it, (sg < gtol) | (stalled & (sg < 1e3 * gtol)))
