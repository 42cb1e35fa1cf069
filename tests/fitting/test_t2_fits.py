"""T² Approach 1 and 2 recover known parameters."""

import jax
import numpy as np
import pytest

from t2jax.data.runs import Runs
from t2jax.families import approach3, varpro
from t2jax.families.t2_beta.fit import fit_t2_beta
from t2jax.families.t2_beta.simulate import synthetic_t2
from t2jax.families.power_sum.laws import T2_LOSS, t2_loss

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


@pytest.mark.slow
def test_approach2_recovers_theta(testbed):
    acc = testbed.true_accuracy(testbed.N[:, None], testbed.D[:, None], KS[None, :])
    fit = fit_t2_beta(testbed.N, testbed.D, KS, acc, stage1_loss=testbed.loss)
    assert fit.converged
    for name, value in testbed.truth.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-4), name
