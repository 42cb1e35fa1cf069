"""The Beta-binomial concentration :math:`\\nu` of ``t2-irt`` (:mod:`t2jax.families.t2_irt.laws`),
chosen after EM by the marginal likelihood of the counts with the surface and the
difficulty histogram held: evaluated on a log grid for every study in one program, the
best grid value refined by a parabola, the marginal evaluated there; over the bins EM left
occupied only (on Pythia GSM8K 19 of 64)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from t2jax.families.t2_irt.laws import K, grid
from t2jax.families.t2_irt.likelihood import bb_marginal_grid
from t2jax.programs import program
from t2jax.uncertainty.batched import map_rows

#: the concentrations tried; the top one is the binomial limit (a Beta-binomial of
#: concentration 3e5 inflates the variance of 10,000 samples by 3%)
NU_GRID = np.geomspace(3.0, 3e5, 11)


def choose_nu(scores):
    """The log concentration from the marginal log-likelihood at :data:`NU_GRID`: the best
    grid value refined by a parabola through it and its neighbours (where it curves
    down); and the best index (traced)."""
    x = jnp.log(jnp.asarray(NU_GRID))
    best = jnp.argmax(scores)
    i = jnp.clip(best, 1, NU_GRID.size - 2)
    y0, y1, y2 = scores[i - 1], scores[i], scores[i + 1]
    h = x[1] - x[0]
    curvature = (y2 - 2 * y1 + y0) / h**2
    inside = (best > 0) & (best < NU_GRID.size - 1) & (curvature < 0)
    return jnp.where(inside, x[i] - (y2 - y0) / (2 * h) / jnp.where(inside, curvature, -1.0), x[best]), best


#: a bin with less mass than this after EM is left out of the concentration's marginal
#: (EM cannot refill a bin it emptied; at its optimum no problem's counts favour an empty
#: bin by the 1e12 it would take to matter)
OCCUPIED = 1e-12


def occupied_bins(LP) -> tuple:
    """Each row's occupied bins (log masses ``LP``, rows x bins) as indices padded to a
    common multiple of 8 (one program for nearby counts), and which are real."""
    keep = np.asarray(LP) > np.log(OCCUPIED)
    width = min(K, -(-max(int(keep.sum(1).max()), 1) // 8) * 8)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]  # occupied first, in bin order
    return order, np.take_along_axis(keep, order, 1)


@program(static_argnames=("mesh",), storable=lambda mesh=None, **_: mesh is None)
def concentration(X, bins, real, logN, logD, n, C, mesh=None):
    """Every row's concentration (an EM state ``X`` with its grid; counts ``C[r]``; its
    occupied ``bins``, :func:`occupied_bins`): the marginal log-likelihood at
    :data:`NU_GRID`, :func:`choose_nu`, and the marginal there: ``(log_nu, best index,
    marginal, grid scores)``."""

    def one(x, b, r, c):
        g = grid(x[K + 5], x[K + 6]).reshape(K, -1)[b].ravel()
        log_pi = jnp.where(r, x[5 + b], -jnp.inf)
        at = lambda ln: bb_marginal_grid(ln, x[:4], x[4], log_pi, g, logN, logD, n, c)
        scores = at(jnp.log(jnp.asarray(NU_GRID)))
        log_nu, best = choose_nu(scores)
        return log_nu, best, at(log_nu[None])[0], scores

    return map_rows(one, (X, bins, real, C), 1, mesh)
