"""Every public function that returns numbers computes in float64 with x64 off (the default)."""

from fractions import Fraction
from math import comb

import jax
import numpy as np
import pytest

import t2jax

PARAMS = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def _leaves(value):
    if isinstance(value, dict):
        return [v for x in value.values() for v in _leaves(x)]
    if isinstance(value, (tuple, list)):
        return [v for x in value for v in _leaves(x)]
    return [value]


def test_x64_is_off_here():
    assert not jax.config.jax_enable_x64


def test_pass_at_k_is_exact_with_x64_off():
    n, c, k = 9446, 10, 3282
    exact = 1 - Fraction(comb(n - c, k), comb(n, k))
    got = t2jax.pass_at_k(n, c, k)
    assert got.dtype == np.float64
    assert float(got) == pytest.approx(float(exact), rel=1e-13)


CALLS = {
    "pass_at_k": lambda: t2jax.pass_at_k([10, 20], [3, 0], 4),
    "task_loss": lambda: t2jax.task_loss(np.full(3, 10), np.array([1, 2, 3]), 2),
    "beta_pass_at_k": lambda: t2jax.beta_pass_at_k(0.3, 2.0, [1.0, 10.0]),
    "chinchilla_loss": lambda: t2jax.chinchilla_loss(PARAMS, 1e9, 2e10),
    "compute_optimal": lambda: t2jax.compute_optimal(PARAMS, [1e21, 1e24]),
    "optimal_exponents": lambda: t2jax.optimal_exponents(PARAMS),
    "fit.predict": lambda: t2jax.varpro(t2jax.load_chinchilla()).predict([1e9, 2e9], [2e10, 4e10]),
    "fit.optimal": lambda: t2jax.approach3(t2jax.load_chinchilla()).optimal([1e22, 1e24]),
    "observed_pass_at_k": lambda: t2jax.observed_pass_at_k(t2jax.synthetic_t2(n_samples=16, n_questions=8).samples, [1, 4]),
    "allocate": lambda: t2jax.allocate(t2jax.FitResult("t", "t2-beta", t2jax.T2_TRUTH, 0.0, 1, True),
                                       2.56e19, 2e9).to_dict(),
    "target_loss_allocation": lambda: t2jax.target_loss_allocation(PARAMS, 2.0, 1e12).to_dict(),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_public_numbers_are_float64(name):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", t2jax.FitWarning)
        out = CALLS[name]()
    for leaf in _leaves(out):
        if isinstance(leaf, (bool, str)) or leaf is None:
            continue
        assert np.asarray(leaf).dtype == np.float64, (name, type(leaf), np.asarray(leaf).dtype)
    assert not jax.config.jax_enable_x64
