"""Zero-noise data from known parameters: every method recovers them."""


import numpy as np
import pytest

from t2jax import approach3, compute_optimal, isoflop, optimal_exponents, varpro
from t2jax.families.t2_beta.simulate import synthetic_isoflop_runs

TRUTHS = [
    {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
    {"E": 2.1, "A": 1200.0, "B": 9000.0, "alpha": 0.45, "beta": 0.52},
]


@pytest.mark.parametrize("truth", TRUTHS)
@pytest.mark.parametrize("method", [approach3, varpro])
def test_parametric_recovery(truth, method):
    runs = synthetic_isoflop_runs(truth)
    fit = method(runs)
    assert fit.converged
    for k, v in truth.items():
        assert fit.params[k] == pytest.approx(v, rel=1e-6), k
    np.testing.assert_allclose(fit.predict(runs.N, runs.D), runs.loss, rtol=1e-9)
    N, D = fit.optimal(1e22)
    N0, D0 = compute_optimal(truth, 1e22)
    np.testing.assert_allclose([N, D], [N0, D0], rtol=1e-5)


@pytest.mark.parametrize("truth", TRUTHS)
def test_varpro_huber_recovery(truth):
    fit = varpro(synthetic_isoflop_runs(truth), loss="huber")
    for k, v in truth.items():
        assert fit.params[k] == pytest.approx(v, rel=1e-6), k


@pytest.mark.parametrize("truth", TRUTHS)
def test_isoflop_recovery(truth):
    """Narrow, symmetric IsoFLOP sweeps: the parabola minima approach the true optimum."""
    runs = synthetic_isoflop_runs(truth, width=0.3, per_budget=21)
    fit = isoflop(runs, compare=False)
    a, b = optimal_exponents(truth)
    assert fit.params["a"] == pytest.approx(float(a), abs=2e-3)
    assert fit.params["b"] == pytest.approx(float(b), abs=2e-3)


def test_noisy_recovery_is_close():
    truth = TRUTHS[0]
    fit = approach3(synthetic_isoflop_runs(truth, noise=0.005, seed=3))
    assert fit.params["alpha"] == pytest.approx(truth["alpha"], rel=0.1)
    assert fit.params["beta"] == pytest.approx(truth["beta"], rel=0.1)


def test_zero_coefficient_is_reported_at_bound():
    truth = {"E": 0.0, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    with pytest.warns(UserWarning, match="at a bound"):
        fit = varpro(synthetic_isoflop_runs(truth))
    assert "E" in fit.at_bound
    assert abs(fit.params["E"]) < 1e-9
    assert fit.params["alpha"] == pytest.approx(0.34, rel=1e-6)


def test_seeded_noise_is_reproducible():
    a = synthetic_isoflop_runs(TRUTHS[0], noise=0.01, seed=7)
    b = synthetic_isoflop_runs(TRUTHS[0], noise=0.01, seed=7)
    c = synthetic_isoflop_runs(TRUTHS[0], noise=0.01, seed=8)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.array_equal(a.loss, c.loss)
