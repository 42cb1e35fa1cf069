r"""Damped Newton minimisation of a small smooth objective (the exact refinement step).

Scaling-law objectives have 2--7 parameters, so the exact Hessian is cheap and Newton
converges quadratically to the optimum a grid has already located. Each iteration
solves :math:`(H + \lambda\,\mathrm{diag}(\max(|H_{ii}|, \epsilon)))\,s = -g`
(Levenberg--Marquardt damping): a step that lowers :math:`f` is taken and
:math:`\lambda` shrinks; one that does not is refused and :math:`\lambda` grows, so
the method falls back to scaled gradient descent where the Hessian is indefinite.

Everything is a ``lax.while_loop``: jit-able and ``vmap``-able over starts or resamples.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp
from jax import export

STALL_FACTOR = 1e4


class NewtonResult(NamedTuple):
    x: jax.Array
    value: jax.Array
    grad_norm: jax.Array
    iterations: jax.Array
    converged: jax.Array


# programs that return it can be stored between runs (t2jax.programs)
export.register_namedtuple_serialization(NewtonResult, serialized_name="t2jax.NewtonResult")

def minimize(
    f: Callable,
    x0,
    *args,
    max_iter: int = 200,
    gtol: float = 1e-9,
    xtol: float = 1e-12,
    active=True,
    derivatives: Optional[Callable] = None,
) -> NewtonResult:
    """Minimise ``f(x, *args)`` from ``x0``.

    Converged means the scaled gradient ``max_i |g_i| (1 + |x_i|) / (1 + |f|)`` fell
    below ``gtol``; or a taken step moved no coordinate by more than ``xtol`` relative,
    or no step lowers ``f`` at machine precision any more, while that gradient measure
    was below ``STALL_FACTOR * gtol`` (objectives with kinks in their curvature, such as
    Huber's, pin the optimum to ~1e-8 relative with such a residual gradient).
    Otherwise ``converged`` is False.
    ``active=False`` skips the iterations (a start that is only padding in a batch).
    ``derivatives(x, *args) -> (f, g, H)`` replaces autodiff where a closed form is
    cheaper (e.g. least squares of a power law); by default they come from ``f``.
    """
    if derivatives is None:
        derivatives = _autodiff_derivatives(f)

    def scaled_grad(x, fx, g):
        return jnp.max(jnp.abs(g) * (1.0 + jnp.abs(x))) / (1.0 + jnp.abs(fx))

    # One evaluation of the derivatives per iteration, at the trial point ``x + step``; the
    # first iteration evaluates them at ``x0`` (``step`` 0) and is always taken. The loop
    # body is then the only place the objective's Hessian appears in the compiled program.
    def body(state):
        x, step, fx, g, H, lam, it, _, small_step = state
        first = it < 0
        f_new, g_new, H_new = derivatives(x + step, *args)
        ok = first | (jnp.isfinite(f_new) & (f_new < fx) & jnp.all(jnp.isfinite(step)))
        x = jnp.where(ok, x + step, x)
        fx = jnp.where(ok, f_new, fx)
        g = jnp.where(ok, g_new, g)
        H = jnp.where(ok, H_new, H)
        lam = jnp.where(first, lam, jnp.where(ok, jnp.maximum(lam * 0.2, 1e-15), lam * 8.0))
        tiny = ~first & ok & (jnp.max(jnp.abs(step) / (1.0 + jnp.abs(x))) < xtol)
        d = jnp.maximum(jnp.abs(jnp.diag(H)), 1e-12)
        step = -jnp.linalg.solve(H + lam * jnp.diag(d), g)
        return x, step, fx, g, H, lam, it + 1, scaled_grad(x, fx, g), tiny

    def cond(state):
        x, step, fx, g, H, lam, it, sg, small_step = state
        done = (sg < gtol) | (small_step & (sg < STALL_FACTOR * gtol)) | (lam > 1e16)
        return (it < 0) | (active & (it < max_iter) & ~done)

    x0 = jnp.asarray(x0)
    n = x0.shape[0]
    init = (x0, jnp.zeros_like(x0), jnp.asarray(jnp.inf, x0.dtype), jnp.zeros_like(x0), jnp.eye(n, dtype=x0.dtype),
            jnp.asarray(1e-3, x0.dtype), jnp.asarray(-1), jnp.asarray(jnp.inf, x0.dtype), jnp.asarray(False))
    x, step, fx, g, H, lam, it, sg, small_step = jax.lax.while_loop(cond, body, init)
    converged = (sg < gtol) | ((small_step | (lam > 1e16)) & (sg < STALL_FACTOR * gtol))
    return NewtonResult(x, fx, sg, it, converged)


def _autodiff_derivatives(f):
    """``(f, g, H)`` of ``f`` by autodiff: reverse mode for the value and gradient,
    forward over reverse for the Hessian."""
    value_and_grad, hessian = jax.value_and_grad(f), jax.hessian(f)

    def derivatives(x, *args):
        fx, g = value_and_grad(x, *args)
        return fx, g, hessian(x, *args)

    return derivatives
