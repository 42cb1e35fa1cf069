"""The T²-optimal allocation: budgets bind, brute force agrees, saturated accuracy resolved."""

import jax
import numpy as np
import pytest

from t2jax.allocation import allocate, frontier
from t2jax.families import varpro
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import get_law
from t2jax.families.t2_beta.simulate import T2_TRUTH, synthetic_t2


@pytest.fixture(scope="module")
def testbed():
    return synthetic_t2()


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


def test_saturated_accuracy_matches_brute_force_in_log_miss_rate():
    # theta2 = 1: pass@k -> 1, and at these budgets it rounds to exactly 1.0 in float64,
    # so only the miss rate can rank candidates.
    fit = FitResult("truth", "t2-beta", dict(T2_TRUTH, theta2=1.0), 0.0, 1, True)
    C_train, C_inf = 1e24, 1e13
    a = allocate(fit, C_train, C_inf)
    law = get_law("t2-beta")
    with jax.enable_x64(True):
        N = np.geomspace(1e5, C_inf / 2, 2_000_001)
        log_miss = np.asarray(law.log_miss_rate(fit.params, N, C_train / (6 * N), C_inf / (2 * N)))
        acc = np.asarray(law.accuracy(fit.params, N, C_train / (6 * N), C_inf / (2 * N)))
    assert a.accuracy == 1.0 and np.sum(acc == 1.0) > 1000  # accuracy alone cannot pick a winner
    i = np.argmin(log_miss)
    assert a.N == pytest.approx(N[i], rel=1e-3)
    assert np.log(a.miss_rate) <= log_miss[i] + 1e-9
    assert 0 < a.miss_rate < 1e-30
    assert a.to_dict()["miss_rate"] == a.miss_rate


def test_baseline_from_a_pretraining_fit_and_the_chance_t2_wins(testbed):
    import pandas as pd

    from t2jax.allocation import p_beats_baseline
    from t2jax.laws.chinchilla import compute_optimal

    fit = FitResult("truth", "t2-beta", testbed.truth, 0.0, 1, True)
    own = allocate(fit, 2.56e19, 2e9)
    assert own.baseline["source"] == "the t2-beta law's own loss surface"
    pretrain = FitResult("given", "chinchilla", {"E": 1.8, "A": 500.0, "B": 300.0, "alpha": 0.3, "beta": 0.3}, 0.0, 1,
                         True)
    given = allocate(fit, 2.56e19, 2e9, baseline_fit=pretrain)
    with jax.enable_x64(True):
        N, D = (float(v) for v in compute_optimal(pretrain.params, 2.56e19))
    assert given.baseline["N"] == pytest.approx(N) and given.baseline["D"] == pytest.approx(D)
    assert given.baseline["source"].startswith("the given chinchilla fit")
    assert given.N == own.N  # the T² optimum does not depend on the baseline
    same = pd.DataFrame([testbed.truth] * 5)
    assert p_beats_baseline(same, "t2-beta", own) == 1.0  # the truth prefers its own optimum
    flipped = pd.DataFrame([testbed.truth | {"theta2": 0.8, "theta1": -4.0}] * 3)  # a law where more loss helps
    assert p_beats_baseline(flipped, "t2-beta", own) in (0.0, 1.0)
    with pytest.raises(Exception, match="needs a loss fit"):
        allocate(fit, 2.56e19, 2e9, baseline_fit=fit)


@pytest.mark.slow
def test_draws_use_a_coarser_grid_with_the_same_optimum(testbed):
    import pandas as pd

    from t2jax.allocation import allocation_draws

    rng = np.random.default_rng(1)
    draws = pd.DataFrame({k: v * (1 + 0.02 * rng.standard_normal(20)) for k, v in testbed.truth.items()})
    for integer_k in (False, True):
        coarse = allocation_draws(draws, "t2-beta", 2.56e19, 2e9, integer_k=integer_k)
        fine = allocation_draws(draws, "t2-beta", 2.56e19, 2e9, integer_k=integer_k, n_grid=4096)
        np.testing.assert_allclose(coarse["miss_rate"], fine["miss_rate"], rtol=1e-9)
        np.testing.assert_allclose(coarse["N"], fine["N"], rtol=1e-5)


def test_an_optimum_on_the_smallest_model_searched_is_flagged():
    """Tiny budgets and a law rewarding samples put N on the search's lower limit: said,
    flagged in JSON, and pass@k that rounds to 0 stays strict JSON."""
    import json

    fit = FitResult("given", "t2-beta", T2_TRUTH, 0.0, 1, True)
    with pytest.warns(UserWarning, match="smallest model searched"):
        best = allocate(fit, 1e11, 1e12)
    out = best.to_dict()
    assert out["at_search_bound"] and out["accuracy"] == 0.0 and out["loss"] is None
    json.dumps(out, allow_nan=False)
    assert not allocate(fit, 2.56e19, 2e9).at_search_bound


def test_allocation_text_states_budgets_baseline_and_conventions():
    from t2jax.report.text import allocation_text

    fit = FitResult("given", "t2-beta", T2_TRUTH, 0.0, 1, True)
    text = allocation_text(allocate(fit, 2.56e19, 2e9).to_dict(), 0.95)
    assert "inference 2Nk <= 2e+09 FLOPs per query (the T² paper's convention: one forward token per sample" in text
    assert "T2-optimal: the (N, D, k) with the highest pass@k" in text
    assert "Hoffmann et al.'s fit gives about 20" in text
    deploy = allocation_text(allocate(fit, 1e21, tokens_per_sample=256, queries=1e12).to_dict(), 0.95)
    assert "6ND + 2NkTQ <= 1e+21" in deploy and "over the inference budget" in deploy
