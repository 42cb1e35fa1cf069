"""pass@k: exact against rational arithmetic and against the published table."""

import math
from fractions import Fraction

import jax
import numpy as np
import pandas as pd
import pytest
from conftest import shared_file
from hypothesis import given, settings
from hypothesis import strategies as st

from t2jax import T2JaxError
from t2jax.data.passk import pass_at_k, per_question_loss, task_loss
from t2jax.data.samples import check_k, load_samples, task_runs
from t2jax.fitting.betabinom import fit_beta_binomial
from t2jax.laws.beta import beta_pass_at_k


def exact_pass_at_k(n, c, k):
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_estimator_is_exact(nck):
    n, c, k = nck
    with jax.enable_x64(True):
        got = float(pass_at_k(n, c, k))
    want = float(exact_pass_at_k(n, c, k))
    assert got == pytest.approx(want, rel=1e-10, abs=1e-13)


def test_estimator_large_n():
    """n in the hundreds of thousands (as in the Pythia data) stays accurate."""
    with jax.enable_x64(True):
        got = float(pass_at_k(100_096, 3, 10_000))
    assert got == pytest.approx(float(exact_pass_at_k(100_096, 3, 10_000)), rel=1e-9)


def test_matches_published_table():
    table = pd.read_parquet(shared_file("schaeffer-monkey-power/pythia_ckpts_gsm8k_pass_at_k.parquet"))
    valid = table[table["k"] <= table["Num. Samples"]]  # the estimator is defined for k <= n only
    with jax.enable_x64(True):
        got = np.asarray(pass_at_k(valid["Num. Samples"].to_numpy(float), valid["Num. Samples Correct"].to_numpy(float), valid["k"].to_numpy(float)))
    np.testing.assert_allclose(got, valid["pass@k"].to_numpy(), rtol=1e-9, atol=1e-12)
    assert len(valid) > 200_000


def test_unsolved_problems():
    with jax.enable_x64(True):
        assert np.isinf(float(per_question_loss(0.0, 10)))
        # aggregate stays finite when any problem is solved
        assert np.isfinite(float(task_loss(np.array([100.0, 100.0]), np.array([0.0, 3.0]), 5)))
        assert np.isinf(float(task_loss(np.array([100.0, 100.0]), np.array([0.0, 0.0]), 5)))


def counts_frame():
    return pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "problem_idx": [0, 1, 0, 1],
            "N_params": [1e8, 1e8, 2e8, 2e8],
            "D_tokens": [1e10, 1e10, 1e10, 1e10],
            "n_samples": [10, 10, 10, 10],
            "n_correct": [1, 0, 4, 2],
        }
    )


@pytest.mark.parametrize(
    "column,row,value,message",
    [
        ("n_correct", 2, 11, r"exceeds 'n_samples' \(c > n\) at row 2"),
        ("n_samples", 1, 0, r"'n_samples' must be >= 1 \(n = 0 has no estimate\) at row 1"),
        ("n_correct", 3, -1, r"'n_correct' is negative at row 3"),
        ("N_params", 0, np.nan, r"'N_params' has NaN or infinite values at row 0"),
        ("n_correct", 0, 1.5, r"whole counts; bad values at row 0"),
    ],
)
def test_sample_errors(column, row, value, message):
    frame = counts_frame()
    frame[column] = frame[column].astype(float)
    frame.loc[row, column] = value
    with pytest.raises(T2JaxError, match=message):
        load_samples(frame)


def test_missing_d_column():
    with pytest.raises(T2JaxError, match=r"column 'D_tokens' is missing"):
        load_samples(counts_frame().drop(columns="D_tokens"))


def test_k_above_n_is_refused():
    samples = load_samples(counts_frame())
    with pytest.raises(T2JaxError, match=r"k = 11 exceeds the 10 samples of checkpoint 'a'"):
        check_k(samples, [1, 11])


def test_task_runs_layout():
    runs = task_runs(load_samples(counts_frame()), [1, 2])
    assert list(runs.k) == [1, 2, 1, 2]
    assert runs.loss[0] == pytest.approx(-np.log(np.mean([0.1, 0.0])))


def test_beta_pass_at_k_is_the_mean_over_the_beta():
    rng = np.random.default_rng(0)
    p = rng.beta(0.7, 4.0, 400_000)
    for k in (1, 5, 50):
        with jax.enable_x64(True):
            closed = float(beta_pass_at_k(0.7, 4.0, k))
        assert closed == pytest.approx(np.mean(1 - (1 - p) ** k), abs=3e-3)


def test_beta_binomial_recovers_ab_within_standard_error():
    """Within 2 SE at a fixed seed, and ~68% of 1-SE intervals cover across seeds."""
    a, b, hits = 0.4, 3.0, 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        p = rng.beta(a, b, 400)
        c = rng.binomial(200, p)
        fit = fit_beta_binomial(np.full(400, 200), c)
        assert fit.converged
        if seed == 0:
            assert abs(fit.a - a) < 2 * fit.se_a and abs(fit.b - b) < 2 * fit.se_b
        hits += abs(fit.a - a) < fit.se_a
    assert 0.5 <= hits / 40 <= 0.85


def test_beta_binomial_errors():
    with pytest.raises(T2JaxError, match="no problem was ever solved"):
        fit_beta_binomial([10, 10, 10], [0, 0, 0])
    with pytest.raises(T2JaxError, match="0 <= c <= n"):
        fit_beta_binomial([10, 10], [11, 0])


def test_answer_nll_loader(tmp_path):
    from t2jax.data.samples import load_answer_nll

    frame = counts_frame().drop(columns=["n_samples", "n_correct"]).assign(nll=[0.1, 2.0, 0.5, 3.0])
    N, D, p, names = load_answer_nll(frame)
    assert p.shape == (2, 2) and list(names) == ["a", "b"]
    np.testing.assert_allclose(p[0], np.exp([-0.1, -2.0]))
    frame.loc[2, "nll"] = -0.3
    with pytest.raises(T2JaxError, match=r"column 'nll' has negative NLL values at row 2"):
        load_answer_nll(frame)


def test_checkpoint_table_errors():
    frame = counts_frame()
    frame.loc[1, "N_params"] = 5e8
    with pytest.raises(T2JaxError, match="checkpoint 'a' has more than one N or D value"):
        load_samples(frame)
    frame = pd.concat([counts_frame(), counts_frame().iloc[[2]]], ignore_index=True)
    with pytest.raises(T2JaxError, match=r"duplicate \(model, problem_idx\) pairs at row 4"):
        load_samples(frame)
    with pytest.raises(T2JaxError, match="no rows match"):
        load_samples(counts_frame(), query="n_samples > 100")


def test_answer_nll_needs_every_pair():
    from t2jax.data.samples import load_answer_nll

    frame = counts_frame().drop(columns=["n_samples", "n_correct"]).assign(nll=[0.1, 2.0, 0.5, 3.0]).iloc[:3]
    with pytest.raises(T2JaxError, match="every checkpoint needs an NLL for every problem"):
        load_answer_nll(frame)
