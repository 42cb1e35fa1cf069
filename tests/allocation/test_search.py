"""The dense-grid-plus-zoom search behind every allocation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from t2jax.allocation.search import grid_zoom_max


def test_zoom_finds_a_smooth_maximum_far_below_the_grid_spacing():
    with jax.enable_x64(True):
        x, v = grid_zoom_max(lambda x: -jnp.sum((x - jnp.array([0.3141, -1.2718])) ** 2), jnp.array([-5.0, -5.0]),
                             jnp.array([5.0, 5.0]), (33, 33))
    np.testing.assert_allclose(np.asarray(x), [0.3141, -1.2718], atol=1e-6)
    assert float(v) == pytest.approx(0.0, abs=1e-11)


def test_zoom_stays_in_the_box_and_ignores_nan():
    with jax.enable_x64(True):
        score = lambda x: jnp.where(x[0] > 0.9, jnp.nan, x[0])
        x, v = grid_zoom_max(score, jnp.array([0.0]), jnp.array([1.0]), (101,))
    assert 0.89 < float(x[0]) <= 0.9 and float(v) == float(x[0])


def test_zoom_of_a_step_function_is_the_best_grid_point():
    with jax.enable_x64(True):
        x, v = grid_zoom_max(lambda x: -jnp.abs(jnp.floor(x[0]) - 3.0), jnp.array([0.0]), jnp.array([10.0]), (11,))
    assert 3.0 <= float(x[0]) < 4.0 and float(v) == 0.0
