"""A new family is one folder and one registration: the toy family in ``toy/`` goes
through fit, bootstrap, allocation and backtest with no edit to t2jax."""

import numpy as np
import pytest

import t2jax
from t2jax.laws.registry import FAMILIES, LAWS


@pytest.fixture(scope="module")
def toy():
    from toy import TOY, TOY_LAW

    t2jax.register_family(TOY)
    t2jax.register(TOY_LAW)
    yield TOY_LAW
    LAWS.pop(TOY_LAW.name, None)
    FAMILIES.pop(TOY.name, None)


@pytest.fixture(scope="module")
def study():
    """Counts from a known toy truth: 4 sizes x 4 token budgets x 40 problems, n = 64."""
    rng = np.random.default_rng(0)
    N = np.repeat([1e8, 3e8, 1e9, 3e9], 4)
    D = np.tile([2e9, 6e9, 2e10, 6e10], 4)
    truth = {"a0": -21.0, "a1": 0.5, "a2": 0.45}
    p = 1 / (1 + np.exp(-(truth["a0"] + truth["a1"] * np.log(N) + truth["a2"] * np.log(D))))
    n = np.full((N.size, 40), 64)
    c = rng.binomial(n, p[:, None])
    samples = t2jax.Samples(N, D, n, c, np.array([f"m{i}" for i in range(N.size)]), np.arange(40))
    return samples, truth


@pytest.mark.slow
def test_toy_family_runs_through_every_stage(toy, study):
    samples, truth = study
    fit = t2jax.fit(samples, toy.name)
    assert fit.method == "mle" and fit.converged
    for name in ("a1", "a2"):  # the slopes; the intercept trades off with them
        assert fit.params[name] == pytest.approx(truth[name], abs=0.1)
    true_pass = t2jax.FitResult("truth", toy.name, truth, 0.0, 1, True).accuracy(samples.N, samples.D, 1)
    assert np.max(np.abs(fit.accuracy(samples.N, samples.D, 1) - true_pass)) < 0.03
    boot = t2jax.bootstrap(samples, n_resamples=16, law=toy.name, seed=0, point=fit)
    assert boot.point is fit and len(boot.draws) == 16 and boot.n_failed == 0
    best = t2jax.allocate(fit, 1e21, 1e11)
    assert 0 < best.accuracy <= 1 and best.k >= 1
    assert best.baseline is None  # no loss surface of its own: no Chinchilla baseline, said so
    intervals = t2jax.allocation_intervals(boot.draws, toy.name, 1e21, 1e11, 0.9)
    assert intervals.loc["N", "lower"] <= intervals.loc["N", "upper"]
    result = t2jax.backtest(samples, "D > 3e10", laws=[toy.name], test_ks=[1, 4, 16])
    assert set(result.fits["law"]) == {toy.name}
    assert np.isfinite(result.table["predicted"]).all()


def test_toy_family_refuses_stages_it_lacks(toy, study):
    samples, _ = study
    with pytest.raises(t2jax.T2JaxError, match="has no posterior"):
        t2jax.posterior(samples, law=toy.name)
    with pytest.raises(t2jax.T2JaxError, match="does not take resample"):
        t2jax.bootstrap(samples, n_resamples=4, law=toy.name, resample="problems")
