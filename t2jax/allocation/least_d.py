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
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from t2jax.laws.law import Law

N_RANGE = (1e5, 1e16)  #: parameters searched
D_RANGE = (1.0, 1e20)  #: training tokens searched
SOLVER_STEPS = 40  #: false-position steps on a bracket


def _root(gap, good, bad):
    """The end nearest the root of a monotone ``gap`` after :data:`SOLVER_STEPS` Illinois
    steps from the bracket ``[good, bad]`` (``gap <= 0`` at ``good``), and the gaps at the
    bracket's first ends ``(gap(good), gap(bad))``."""
    g_good, g_bad = gap(good), gap(bad)

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
