"""Backtests score each held-out count by its log predictive probability where a law
predicts per-problem counts, and flag held-out checkpoints that get worse with more D."""

import numpy as np
import pytest
from scipy import stats

import t2jax
from t2jax.fitting.backtest import backtest
from t2jax.fitting.falling import falling_checkpoints


@pytest.fixture(scope="module")
def study():
    return t2jax.synthetic_t2(n_questions=48, n_samples=128, seed=5).samples


@pytest.mark.slow
def test_beta_laws_score_counts_by_their_beta_binomial(study):
    fit = t2jax.fit(study, "beta-nd")
    ll = t2jax.family_of("beta-nd").count_loglik(fit, t2jax.get_law("beta-nd"), study, study)
    law = t2jax.get_law("beta-nd")
    a, b = (np.asarray(v) for v in t2jax.precision.x64(law.problem_beta)(fit.params, study.N, study.D))
    expected = stats.betabinom.logpmf(study.c, study.n, a[:, None], b[:, None])  # an independent implementation
    # to JAX's betaln accuracy: jax.scipy.special.betaln (0.10) errs by up to 1.3e-6 for a, b ~ 1-10
    assert np.allclose(ll[study.observed], expected[study.observed], rtol=0, atol=3e-6)
    # probabilities of every possible count of one problem sum to one
    n = int(study.n[0, 0])
    one = t2jax.precision.x64(t2jax.laws.beta.beta_binomial_logpmf)(float(a[0]), float(b[0]), n, np.arange(n + 1))
    assert np.exp(np.asarray(one)).sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.slow
def test_backtest_reports_heldout_loglik_per_law(study):
    result = backtest(study, "D > 1e11", laws=["t2-loss", "beta-nd"], test_ks=[1, 4, 16])
    summary = result.summary().set_index("law")
    assert np.isnan(summary.loc["t2-loss", "heldout_loglik"])  # aggregate law: no per-problem predictive
    assert np.isfinite(summary.loc["beta-nd", "heldout_loglik"]) and summary.loc["beta-nd", "heldout_loglik"] < 0
    rows = result.loglik[result.loglik["law"] == "beta-nd"]
    assert rows["counts"].sum() == int(study.observed[study.D > 1e11].sum())
    assert "summary_not_falling" in result.to_dict()


def test_falling_checkpoints_need_more_than_noise():
    rng = np.random.default_rng(0)
    N, D = np.array([1e8, 1e8, 1e8, 4e8]), np.array([1e9, 2e9, 4e9, 4e9])
    p = np.clip(rng.beta(1, 3, 200), 0.02, 1)
    rates = np.stack([p, p * 1.2, p * 0.5, p])  # the third checkpoint falls by half
    n = np.full((4, 200), 400)
    c = rng.binomial(n, np.clip(rates, 0, 1))
    samples = t2jax.Samples(N, D, n, c, np.array(["a", "b", "c", "d"]), np.arange(200))
    flags = falling_checkpoints(samples, np.ones(4, bool))
    assert flags.tolist() == [False, False, True, False]
    noisy = t2jax.Samples(N, D, n, rng.binomial(n, np.stack([p] * 4)), samples.checkpoints, samples.problems)
    assert not falling_checkpoints(noisy, np.ones(4, bool)).any()  # same rates: sampling noise only
