r"""The least training tokens ``D`` that reach a quality target at ``(N, k)``.

Quality is assumed to improve with ``D`` (as every registered law does), so the least
``D`` is a root of a monotone gap (loss, or log miss rate, above the target) in
:math:`\log D`: Illinois false position, superlinear on these smooth gaps, keeping the
bracket end that reaches the target.

A law whose pass@k acts through its Chinchilla loss surface (``Law.loss_log_miss``:
:math:`\log(1 - \mathrm{pass}@k) = f(L(N, D), k)`, increasing in :math:`L`) needs one
root per ``k`` instead of one per ``(N, k)``: the largest loss :math:`L^*(k)` that reaches
the target, then :math:`D = (B / (L^* - E - A N^{-\alpha}))^{1/\beta}` in closed form for
every ``N`` (:func:`least_D_table`). On a ``(log N, log k)`` grid of 128 x 128 that is 128
roots where the generic path solves 16,384.

:func:`least_cost` searches ``(log N, log k)`` for the least lifetime compute
``6ND + 2NkT`` with ``D`` the largest of several laws' least ``D`` (one law: its own
answer; several: the choice that reaches the target under every law).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from t2jax.allocation.search import grid_zoom_max_axes
from t2jax.allocation.t2 import whole_k
from t2jax.laws.law import Law

N_RANGE = (1e5, 1e16)  #: parameters searched
D_RANGE = (1.0, 1e20)  #: training tokens searched
SOLVER_STEPS = 40  #: false-position steps on a bracket


def _root(gap, good, bad):
    """The end nearest the root of a monotone ``gap`` after :data:`SOLVER_STEPS` Illinois
    steps from the bracket ``[good, bad]`` (``gap <= 0`` at ``good``), and the gaps at the
    bracket's first ends ``(gap(good), gap(bad))``."""
    g_good, g_bad = jax.vmap(gap)(jnp.stack([good, bad]))  # one copy of the gap in the program

    def step(_, state):
        a, b, ga, gb, side = state  # a: not reaching the target; b: reaching it
        m = jnp.clip(b - gb * (b - a) / (gb - ga), jnp.minimum(a, b), jnp.maximum(a, b))
        m = jnp.where(jnp.isfinite(m) & (m != a) & (m != b), m, 0.5 * (a + b))
        gm = gap(m)
        above = gm > 0  # not yet reaching the target: the root lies between m and b
        ga_new = jnp.where(above, gm, jnp.where(side < 0, 0.5 * ga, ga))
        gb_new = jnp.where(above, jnp.where(side > 0, 0.5 * gb, gb), gm)
        return (jnp.where(above, m, a), jnp.where(above, b, m), ga_new, gb_new,
                jnp.where(above, 1, -1))

    _, b, *_ = jax.lax.fori_loop(0, SOLVER_STEPS, step, (bad, good, g_bad, g_good, 0))
    return b, g_good, g_bad


def target_gap(law: Law, params, target, N, D, k):
    """Below or at 0 where ``(N, D, k)`` reaches the target (loss when ``k`` is None,
    else log miss rate)."""
    if k is None:
        return law.loss(params, N, D) - target
    return law.log_miss_rate(params, N, D, k) - jnp.log1p(-target)


def least_D(law: Law, params, target, N, k):
    """Least ``D`` in :data:`D_RANGE` reaching the target at ``(N, k)`` (``inf`` where none does)."""
    lo, hi = jnp.log(D_RANGE[0]), jnp.log(D_RANGE[1])
    b, g_hi, g_lo = _root(lambda logD: target_gap(law, params, target, N, jnp.exp(logD), k), hi, lo)
    return jnp.where(g_hi <= 0, jnp.exp(jnp.where(g_lo <= 0, lo, b)), jnp.inf)


def _excess_range(params):
    """``log(A N^-alpha + B D^-beta)`` at the search box's best and worst corners."""
    excess = lambda N, D: params["A"] * N ** -params["alpha"] + params["B"] * D ** -params["beta"]
    return jnp.log(excess(N_RANGE[1], D_RANGE[1])), jnp.log(excess(N_RANGE[0], D_RANGE[0]))


def least_excess(law: Law, params, target, k):
    """``(log(L* - E), reachable)``: the largest loss :math:`L^*` inside the box reaching
    the pass@k target with ``k`` samples, for a law with ``loss_log_miss``."""
    lo, hi = _excess_range(params)
    gap = lambda u: law.loss_log_miss(params, params["E"] + jnp.exp(u), k) - jnp.log1p(-target)
    b, g_lo, g_hi = _root(gap, lo, hi)
    return jnp.where(g_hi <= 0, hi, b), g_lo <= 0


def D_at_excess(params, N, u, reachable):
    """Least ``D`` in :data:`D_RANGE` with ``A N^-alpha + B D^-beta <= e^u`` (``inf`` where none)."""
    room = jnp.exp(u) - params["A"] * N ** -params["alpha"]
    D = (params["B"] / jnp.where(room > 0, room, 1.0)) ** (1.0 / params["beta"])
    D = jnp.maximum(D, D_RANGE[0])
    return jnp.where(reachable & (room > 0) & (D <= D_RANGE[1]), D, jnp.inf)


def least_D_table(law: Law, params, target, N, k):
    """Least ``D`` on the mesh of ``N`` (n,) by ``k`` (m,), ``(n, m)``; ``k`` None for a
    loss target. One root per ``k`` for a law with ``loss_log_miss``, else one per point."""
    if k is not None and law.loss_log_miss is not None:
        u, ok = jax.vmap(lambda kk: least_excess(law, params, target, kk))(k)
        return D_at_excess(params, N[:, None], u[None, :], ok[None, :])
    ks = jnp.ones(1) if k is None else k
    one = lambda n, kk: least_D(law, params, target, n, None if k is None else kk)
    return jax.vmap(lambda n: jax.vmap(lambda kk: one(n, kk))(ks))(N)


def least_cost(laws, params, target, T, max_k, with_k, integer_k, n_grid):
    """Least ``6ND + 2NkT`` over ``log N`` in :data:`N_RANGE` and ``log k`` in
    ``[0, log max_k]`` (``k = 1`` when ``with_k`` is false; a loss law ignores ``k``),
    ``D`` the largest over ``laws`` (with their ``params``) of each one's least ``D``
    reaching ``target``. A grid of ``n_grid`` points per axis, then zooms; the ``D`` of
    the best point comes out of the search, so each law's gap appears twice in the
    compiled program (grid and zoom). Returns ``(N, D, k, cost)``; ``cost = inf`` where
    nothing in the box reaches the target."""
    k_axis = lambda x: whole_k(jnp.exp(x), integer_k) if with_k else jnp.ones_like(x)

    def scores(axes):
        N, k = jnp.exp(axes[0]), k_axis(axes[-1] if with_k else jnp.zeros(1))
        D = functools.reduce(jnp.maximum, [least_D_table(law, p, target, N, None if law.accuracy is None else k)
                                           for law, p in zip(laws, params)])
        cost = 6.0 * N[:, None] * D + 2.0 * N[:, None] * k[None] * T
        return jnp.where(jnp.isfinite(cost), -jnp.log(cost), -jnp.inf).reshape(-1), D.reshape(-1)

    lo, hi = [jnp.log(N_RANGE[0])] + [0.0] * with_k, [jnp.log(N_RANGE[1])] + [jnp.log(max_k)] * with_k
    sizes, zoom = ((n_grid, n_grid), {"zoom_size": 17, "zooms": 6}) if with_k else ((n_grid,), {})
    x, _, D = grid_zoom_max_axes(scores, jnp.array(lo), jnp.array(hi), sizes, **zoom)
    N, k = jnp.exp(x[0]), k_axis(x[-1])
    return N, D, k, 6.0 * N * D + 2.0 * N * k * T
