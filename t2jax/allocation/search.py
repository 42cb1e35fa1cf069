r"""Maximise a cheap function over a box: dense vmapped grid, then zoom.

The allocation objectives are 1-D or 2-D, cheap, and only piecewise smooth (integer
k), so a dense grid followed by a few rounds of finer grids around the incumbent
("zoom") is both exact enough and branch-free: everything stays one jit-compiled,
vmap-able array program.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def grid_zoom_max(score, lo, hi, sizes, zoom_size: int = 65, zooms: int = 4, score_axes=None):
    """Maximise ``score(x)`` (``x`` of shape ``(d,)``) over the box ``[lo, hi]``.

    ``sizes`` is the first grid's points per axis (a tuple of Python ints); each zoom
    re-grids ``zoom_size`` points per axis across two cells of the previous grid
    around the best point. ``score_axes(axes)``, where given, scores a whole grid from its
    axes (flattened in ``ij`` order), for scores whose work is shared along an axis.
    Returns ``(x_best, score_best)``.
    """
    lo, hi = jnp.asarray(lo), jnp.asarray(hi)
    d = lo.shape[0]

    def best_on(axes):
        mesh = jnp.stack(jnp.meshgrid(*axes, indexing="ij"), -1).reshape(-1, d)
        values = jax.vmap(score)(mesh) if score_axes is None else score_axes(axes)
        values = jnp.where(jnp.isnan(values), -jnp.inf, values)
        i = jnp.argmax(values)
        return mesh[i], values[i]

    axes = [jnp.linspace(lo[j], hi[j], sizes[j]) for j in range(d)]
    x, v = best_on(axes)
    cell = (hi - lo) / (jnp.asarray(sizes) - 1)

    def zoom(_, state):  # one compiled body for every zoom (an unrolled loop compiles each)
        x, v, cell = state
        a, b = jnp.maximum(x - cell, lo), jnp.minimum(x + cell, hi)
        x_new, v_new = best_on([jnp.linspace(a[j], b[j], zoom_size) for j in range(d)])
        better = v_new >= v
        return jnp.where(better, x_new, x), jnp.where(better, v_new, v), 2.0 * cell / (zoom_size - 1)

    x, v, _ = jax.lax.fori_loop(0, zooms, zoom, (x, v, cell))
    return x, v
