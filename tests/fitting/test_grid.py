"""The exponent grid: its normal equations equal per-point least squares, its minima are real."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from t2jax.fitting.grid import grid_normal_equations, local_minima, profile_grid
from t2jax.fitting.nnls import nnls_normal


def test_grid_normal_equations_match_explicit_design_matrices():
    rng = np.random.default_rng(0)
    X = np.exp(rng.normal(size=(30, 2)))
    y = rng.uniform(2, 3, 30)
    w = rng.uniform(0.5, 2.0, 30)
    grids = (np.linspace(0.1, 1.0, 5), np.linspace(0.2, 0.8, 4))
    with jax.enable_x64(True):
        G, b, yy = (np.asarray(a) for a in grid_normal_equations(jnp.asarray(X), jnp.asarray(y), jnp.asarray(w), grids))
    for i, t0 in enumerate(grids[0]):
        for j, t1 in enumerate(grids[1]):
            F = np.column_stack([np.ones(30), X[:, 0] ** -t0, X[:, 1] ** -t1])
            np.testing.assert_allclose(G[i, j], F.T @ (w[:, None] * F), rtol=1e-12)
            np.testing.assert_allclose(b[i, j], F.T @ (w * y), rtol=1e-12)
            assert yy[i, j] == pytest.approx(np.sum(w * y * y), rel=1e-14)


def test_profile_grid_minimum_is_the_generating_exponent():
    X = np.exp(np.random.default_rng(1).normal(size=(40, 2)))
    grids = (np.linspace(0.1, 1.0, 10), np.linspace(0.1, 1.0, 10))
    y = 1.5 + 2.0 * X[:, 0] ** -grids[0][3] + 0.5 * X[:, 1] ** -grids[1][6]
    with jax.enable_x64(True):
        rss, coef = profile_grid(jnp.asarray(X), jnp.asarray(y), jnp.ones(40), grids)
        idx, valid = local_minima(rss, 3)
    assert np.unravel_index(int(idx[0]), rss.shape) == (3, 6) and bool(valid[0])
    np.testing.assert_allclose(np.asarray(coef)[3, 6], [1.5, 2.0, 0.5], rtol=1e-8)


def test_nnls_enumeration_is_feasible_and_optimal():
    rng = np.random.default_rng(2)
    F = rng.normal(size=(25, 3))
    y = F @ np.array([1.0, -2.0, 0.5]) + 0.01 * rng.normal(size=25)
    with jax.enable_x64(True):
        coef, rss, mask = (np.asarray(a) for a in nnls_normal(jnp.asarray(F.T @ F), jnp.asarray(F.T @ y), jnp.asarray(y @ y)))
    assert (coef >= 0).all() and coef[1] == 0.0
    # no feasible point on a fine random cloud does better
    trial = np.abs(rng.normal(size=(20000, 3))) * 2
    best = np.min(np.sum((y[None, :] - trial @ F.T) ** 2, axis=1))
    assert rss <= best + 1e-12
