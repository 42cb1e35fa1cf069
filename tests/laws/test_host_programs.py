"""Evaluations from host code (predictions, pass@k estimates) lower one program per call
shape, not one per primitive: a law's callables are stored compiled."""

import jax
import jax.monitoring
import numpy as np
import pytest

import t2jax

LOWERING = "/jax/core/compile/jaxpr_to_mlir_module_duration"


@pytest.fixture
def lowerings():
    seen = []

    def listen(event, seconds, **_):
        if event == LOWERING:
            seen.append(event)

    jax.monitoring.register_event_duration_secs_listener(listen)
    yield seen
    jax.monitoring.unregister_event_duration_listener(listen)


T2_BETA = {"E": 1.8, "A": 400.0, "B": 2000.0, "alpha": 0.34, "beta": 0.28,
           "theta0": 2.6, "theta1": 4.0, "theta2": 0.9, "theta3": 1.0, "theta4": -0.5}


@pytest.mark.parametrize("law, params", [("t2-beta", T2_BETA),
                                         ("t2-loss", {"E": 0.1, "A": 300.0, "B": 900.0, "G": 2.0,
                                                      "alpha": 0.3, "beta": 0.3, "gamma": 0.5})])
def test_a_prediction_lowers_one_program_per_shape(law, params, lowerings):
    fit = t2jax.FitResult("varpro", law, params, 0.0, 1, True)
    N, D, k = np.geomspace(1e8, 1e9, 7), np.full(7, 2e10), np.arange(1.0, 8.0)
    first = fit.accuracy(N, D, k)
    assert np.isfinite(first).all() and ((first > 0) & (first < 1)).all()
    assert len(lowerings) <= 1  # one program for this shape (none if an earlier test compiled it)
    before = len(lowerings)
    np.testing.assert_array_equal(fit.accuracy(N, D, k), first)
    assert len(lowerings) == before  # the same shape reuses it


def test_pass_at_k_lowers_one_program_per_shape(lowerings):
    n = np.full((3, 11), 20.0)
    c = np.tile(np.arange(11.0), (3, 1))
    p = t2jax.pass_at_k(n, c, 5.0)
    assert len(lowerings) <= 1
    assert p[0, 0] == 0.0 and p[0, -1] == pytest.approx(1.0 - np.prod(1.0 - 5.0 / (20.0 - np.arange(10.0))))
