"""Every argument error names what is wrong."""

import numpy as np
import pytest

from t2jax import T2JaxError, fit, load_chinchilla, varpro
from t2jax.allocation import allocate
from t2jax.fitting.result import FitResult
from t2jax.families.t2_beta.fit import fit_t2_beta
from t2jax.laws.registry import get_law
from t2jax.families.t2_beta.simulate import T2_TRUTH
from t2jax.uncertainty import bootstrap

TRUTH_FIT = FitResult("truth", "t2-beta", T2_TRUTH, 0.0, 1, True)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: fit(load_chinchilla(), method="approach9"), "unknown method 'approach9'"),
        (lambda: varpro(load_chinchilla(), loss="l1"), "loss must be 'squared' or 'huber'"),
        (lambda: varpro(load_chinchilla(), weights=np.ones(3)), "weights must be 234 finite values >= 0"),
        (lambda: varpro(load_chinchilla(), weights=-np.ones(234)), "weights must be 234 finite values >= 0"),
        (lambda: get_law("kaplan"), "unknown law 'kaplan'"),
        (lambda: bootstrap(load_chinchilla(), "isoflop", 4), "bootstrap supports method 'varpro' or 'approach3'"),
        (lambda: bootstrap(load_chinchilla(), "varpro", 4, resample="rows"), "resample must be 'points' or 'groups'"),
        (lambda: bootstrap(load_chinchilla(), "varpro", 0), "n_resamples must be a whole number >= 1"),
        (lambda: allocate(TRUTH_FIT, 1e21, 2e9, tokens_per_sample=100, queries=10), "deployment form takes"),
        (lambda: allocate(TRUTH_FIT, 1e21, tokens_per_sample=100), "deployment form takes"),
        (lambda: allocate(TRUTH_FIT, 1e21, 1e5), "cannot run even one sample"),
        (lambda: allocate(TRUTH_FIT, float("nan"), 2e9), "train_flops must be a positive"),
        (lambda: fit_t2_beta([1e8, 2e8], [1e9, 1e9], [1, 2], np.full((2, 3), 0.5)), r"acc must be \(checkpoints, ks\)"),
        (lambda: fit_t2_beta([1e8, 2e8], [1e9, 1e9], [1, 2], np.array([[0.5, 1.2], [0.3, 0.4]])), r"pass@k values must lie in \(0, 1\]"),
        (lambda: fit_t2_beta([1e8, 2e8], [1e9, 1e9], [2, 4], np.full((2, 2), 0.5)), "stage 1 needs pass@1"),
        (lambda: FitResult.from_dict({"method": "x"}), "not a t2jax fit: key 'law' is missing"),
        (lambda: FitResult("isoflop", "isoflop-power", {}, 0.0, 1, True).predict(1e9, 1e10), "no loss surface"),
        (lambda: TRUTH_FIT.predict(1e9, 1e10), "needs k"),
    ],
)
def test_argument_errors(call, message):
    with pytest.raises(T2JaxError, match=message):
        call()
