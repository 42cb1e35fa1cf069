"""T² Approach 1 and 2 recover known parameters; allocation matches brute force."""

import jax
import numpy as np
import pytest

from t2jax.allocation import allocate, frontier
from t2jax.data.runs import Runs
from t2jax.fitting import approach3, varpro
from t2jax.fitting.result import FitResult
from t2jax.fitting.t2beta import fit_t2_beta
from t2jax.laws.registry import get_law
from t2jax.laws.simulate import synthetic_t2
from t2jax.laws.t2 import T2_LOSS, t2_loss

T2_LOSS_TRUTH = {"E": 0.3, "A": 80.0, "B": 300.0, "G": 2.0, "alpha": 0.3, "beta": 0.25, "gamma": 0.5}
KS = np.array([1, 2, 4, 8, 16, 32, 64, 128], float)


@pytest.fixture(scope="module")
def testbed():
    return synthetic_t2()


def t2_loss_runs():
    tb = synthetic_t2()
    N, k = np.meshgrid(tb.N, KS, indexing="ij")
    D = np.broadcast_to(tb.D[:, None], N.shape)
    with jax.enable_x64(True):
        loss = np.asarray(t2_loss(T2_LOSS_TRUTH, N.ravel(), D.ravel(), k.ravel()))
    return Runs(N.ravel(), D.ravel(), loss, k=k.ravel())


@pytest.mark.parametrize("method", [varpro, approach3])
def test_approach1_recovers_seven_parameters(method):
    fit = method(t2_loss_runs(), law=T2_LOSS)
    assert fit.converged
    for name, value in T2_LOSS_TRUTH.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-6), name


def test_approach2_recovers_theta(testbed):
    acc = testbed.true_accuracy(testbed.N[:, None], testbed.D[:, None], KS[None, :])
    fit = fit_t2_beta(testbed.N, testbed.D, KS, acc, stage1_loss=testbed.loss)
    assert fit.converged
    for name, value in testbed.truth.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-4), name


def test_t2_optimum_is_smaller_and_overtrained(testbed):
    fit = FitResult("truth", "t2-beta", testbed.truth, 0.0, 1, True)
    a = allocate(fit, 2.56e19, 2e9)
    base = a.baseline
    assert a.N < base["N"] / 3
    assert a.tokens_per_param > 10 * base["tokens_per_param"]
    assert a.accuracy > base["accuracy"]
    assert 6 * a.N * a.D == pytest.approx(2.56e19, rel=1e-9)
    assert 2 * a.N * a.k == pytest.approx(2e9, rel=1e-9)


def brute_force(fit, C_train, C_inf, integer_k, points=2_000_001):
    accuracy = get_law(fit.law).accuracy
    with jax.enable_x64(True):
        N = np.geomspace(1e5, C_inf / 2, points)
        k = C_inf / (2 * N)
        k = np.floor(k + 1e-9) if integer_k else k
        acc = np.asarray(accuracy(fit.params, N, C_train / (6 * N), k))
    i = np.argmax(acc)
    return N[i], acc[i]


@pytest.mark.parametrize("integer_k", [False, True])
def test_allocation_matches_brute_force(testbed, integer_k):
    fit = FitResult("truth", "t2-beta", testbed.truth, 0.0, 1, True)
    a = allocate(fit, 2.56e19, 2e9, integer_k=integer_k)
    N_bf, acc_bf = brute_force(fit, 2.56e19, 2e9, integer_k)
    assert a.accuracy >= acc_bf - 1e-12
    assert a.N == pytest.approx(N_bf, rel=1e-3)
    if integer_k:
        assert a.k == np.round(a.k)


def test_deployment_budget_is_spent(testbed):
    fit = FitResult("truth", "t2-beta", testbed.truth, 0.0, 1, True)
    a = allocate(fit, 1e21, tokens_per_sample=256, queries=1e8)
    assert 6 * a.N * a.D + 2 * a.N * a.k * 256 * 1e8 == pytest.approx(1e21, rel=1e-6)
    paper = allocate(fit, 6 * a.N * a.D, a.inference_flops / (256 * 1e8))
    assert paper.accuracy == pytest.approx(a.accuracy, rel=1e-6)


def test_frontier_is_monotone(testbed):
    fit = FitResult("truth", "t2-beta", testbed.truth, 0.0, 1, True)
    table = frontier(fit, np.geomspace(1e18, 1e21, 6), 2e9)
    assert np.all(np.diff(table["accuracy"]) > 0)
    assert np.all(table["accuracy"] >= table["chinchilla_accuracy"] - 1e-12)


def test_allocate_rejects_chinchilla_fit():
    from t2jax import T2JaxError, load_chinchilla

    with pytest.raises(T2JaxError, match="allocate needs a T² law"):
        allocate(varpro(load_chinchilla()), 1e20, 1e9)
