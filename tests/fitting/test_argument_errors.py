"""Every argument error names what is wrong."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import t2jax

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
        # The API against the README: one clear line instead of a raw Python error.
        (lambda: fit(pd.DataFrame({"N": [1.0]})), r"not DataFrame \(load a DataFrame first: t2jax.load_runs"),
        (lambda: allocate(dict(T2_TRUTH), 1e21, 2e9), "allocation takes a FitResult.*not dict"),
        (lambda: allocate(TRUTH_FIT, [1e19, 1e20], 2e9), "train_flops must be one number here, got 2 values"),
        (lambda: t2jax.pass_k_table(load_chinchilla()), "pass_k_table takes repeated-sampling counts.*not Runs"),
        (lambda: t2jax.pass_k_table(t2jax.synthetic_t2(n_samples=8, n_questions=4, seed=0).samples, ks=[]),
         "ks must be a non-empty list"),
        (lambda: t2jax.allocation_intervals(pd.DataFrame([{"E": 1.7, "A": 400.0, "B": 400.0, "alpha": 0.3,
                                                          "beta": 0.3}]), "t2-loss", 1e20, 2e9),
         "the draws lack G, gamma"),
        (lambda: t2jax.compute_optimal_intervals(pd.DataFrame([{"E": 1.7, "A": 400.0, "B": 400.0, "alpha": 0.3,
                                                               "beta": 0.3}]), [-1.0]), "C must be a positive"),
        (lambda: t2jax.target_loss_allocation(dict(E=1.69, A=406.4, B=410.7, alpha=0.336, beta=0.283), 1.947, -5.0),
         "inference_tokens must be a positive number of tokens"),
        (lambda: t2jax.register(dataclasses.replace(t2jax.T2_LOSS, description="mine")), "'t2-loss' is built in"),
        (lambda: FitResult.from_dict({"method": "varpro", "law": "t2-beta", "params": dict(T2_TRUTH, theta2=-5.0),
                                      "objective": 0.0, "n_points": 1, "converged": True}),
         r"'theta2' = -5.0 breaks its constraint \(positive\)"),
    ],
)
def test_argument_errors(call, message):
    with pytest.raises(T2JaxError, match=message):
        call()
