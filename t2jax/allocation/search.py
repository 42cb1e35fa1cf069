r"""Maximise a cheap function over a box: dense vmapped grid, then zoom.

The allocation objectives are 1-D or 2-D, cheap, and only piecewise smooth (integer
k), so a dense grid followed by a few rounds of finer grids around the incumbent
("zoom") is both exact enough and branch-free: everything stays one jit-compiled,
vmap-able array program.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def grid_zoom_max(score, lo, hi, sizes, zoom_size: int = 65, zooms: int = 4):
    """Maximise ``score(x)`` (``x`` of shape ``(d,)``) over the box ``[lo, hi]``.

    ``sizes`` is the first grid's points per axis (a tuple of Python ints); each zoom
    re-grids ``zoom_size`` points per axis across two cells of the previous grid
    around the best point. Returns ``(x_best, score_best)``.
    """
    x, v, _ = grid_zoom_max_axes(lambda axes: (jax.vmap(score)(_mesh(axes)), None), lo, hi, sizes, zoom_size, zooms)
    return x, v


def _mesh(axes):
    return jnp.stack(jnp.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(axes))


def grid_zoom_max_axes(score_axes, lo, hi, sizes, zoom_size: int = 65, zooms: int = 4):
    """:func:`grid_zoom_max` for scores whose work is shared along an axis:
    ``score_axes(axes)`` scores a whole grid from its axes and returns ``(values, aux)``,
    both flattened in ``ij`` order (``aux`` a pytree of arrays of the grid's length, or
    None: what the score computed on the way, kept at the best point). Returns
    ``(x_best, score_best, aux_best)``."""
    lo, hi = jnp.asarray(lo), jnp.asarray(hi)
    d = lo.shape[0]

    def best_on(axes):
        values, aux = score_axes(axes)
        values = jnp.where(jnp.isnan(values), -jnp.inf, values)
        i = jnp.argmax(values)
        return _mesh(axes)[i], values[i], jax.tree.map(lambda a: a[i], aux)

    x, v, aux = best_on([jnp.linspace(lo[j], hi[j], sizes[j]) for j in range(d)])
    cell = (hi - lo) / (jnp.asarray(sizes) - 1)

    def zoom(_, state):  # one compiled body for every zoom (an unrolled loop compiles each)
        x, v, aux, cell = state
        a, b = jnp.maximum(x - cell, lo), jnp.minimum(x + cell, hi)
        x_new, v_new, aux_new = best_on([jnp.linspace(a[j], b[j], zoom_size) for j in range(d)])
        better = v_new >= v
        keep = lambda new, old: jnp.where(better, new, old)
        return keep(x_new, x), keep(v_new, v), jax.tree.map(keep, aux_new, aux), 2.0 * cell / (zoom_size - 1)

    x, v, aux, _ = jax.lax.fori_loop(0, zooms, zoom, (x, v, aux, cell))
    return x, v, aux
