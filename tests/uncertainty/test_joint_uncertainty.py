"""Uncertainty of the joint T² model: the vectorised bootstrap (problems or checkpoints
resampled), the numpyro posterior, and both carried through the CLI's allocation."""

import json
import warnings

import numpy as np
import pytest

import t2jax
from t2jax.cli import main
from t2jax.fitting.result import FitWarning


@pytest.fixture(scope="module")
def study():
    return t2jax.synthetic_t2(sizes=np.geomspace(2e7, 9e8, 5), budgets=np.geomspace(1e18, 2.56e19, 5), n_samples=256,
                              n_questions=40, seed=5, shared_difficulty=False, max_tokens_per_param=3000)


@pytest.fixture(scope="module")
def counts(study):
    return study.samples


def inside_constraints(draws):
    assert np.all((draws["theta2"] > 0) & (draws["theta2"] <= 1))
    assert np.all(draws["A"] > 0) and np.all(draws["B"] > 0)
    assert np.all(draws["alpha"] > 0) and np.all(draws["beta"] > 0)


@pytest.mark.slow
def test_bootstrap_resamples_problems_reproducibly(counts):
    one = t2jax.bootstrap(counts, law="t2-joint", n_resamples=12, seed=1)
    again = t2jax.bootstrap(counts, law="t2-joint", n_resamples=12, seed=1)
    assert one.resample == "problems" and one.weights.shape == (12, counts.n.shape[1])
    assert one.weights.sum(axis=1).tolist() == [counts.n.shape[1]] * 12
    assert one.n_failed == 0
    np.testing.assert_array_equal(one.draws.to_numpy(), again.draws.to_numpy())
    inside_constraints(one.draws)
    # the resamples differ from each other and spread around the point fit
    assert one.draws["alpha"].std() > 0
    lo, hi = one.draws["alpha"].min(), one.draws["alpha"].max()
    assert lo < one.point.params["alpha"] < hi
    with pytest.raises(t2jax.T2JaxError, match="BCa intervals cover additive power-law"):
        one.bca(counts)


@pytest.mark.slow
def test_bootstrap_checkpoints_and_refused_units(counts):
    boot = t2jax.bootstrap(counts, law="t2-joint", n_resamples=6, seed=2, resample="groups")
    assert boot.resample == "groups" and boot.weights.shape == (6, counts.N.size)
    inside_constraints(boot.usable_draws)
    with pytest.raises(t2jax.T2JaxError, match="'problems' or 'groups'"):
        t2jax.bootstrap(counts, law="t2-joint", n_resamples=4, resample="points")


@pytest.mark.slow
def test_posterior_draws_and_diagnostics(counts):
    with pytest.warns(FitWarning, match="NUTS diagnostics"):  # 2 x 60 draws: too few effective draws
        post = t2jax.posterior(counts, law="t2-joint", num_chains=2, num_warmup=60, num_samples=60, seed=3)
    assert list(post.diagnostics.index) == list(post.point.params)
    assert len(post.draws) == 120 and post.num_chains == 2
    inside_constraints(post.draws)
    block = post.to_dict(0.9, seed=3)
    assert block["likelihood"] == "Beta-binomial counts" and block["chains"] == 2
    json.dumps(block, allow_nan=False)


@pytest.mark.slow
def test_fit_and_allocate_with_bootstrap_from_the_cli(counts, tmp_path, capsys):
    from conftest import write_counts

    path = write_counts(counts, tmp_path / "counts.csv")
    assert main(["fit", str(path), "--law", "t2-joint", "--bootstrap", "8", "--json"]) == 0
    fit_path = tmp_path / "fit.json"
    fit_path.write_text(capsys.readouterr().out)
    fitted = json.loads(fit_path.read_text())
    assert fitted["bootstrap"]["resample"] == "problems" and fitted["law"] == "t2-joint"
    argv = ["allocate", "--fit", str(fit_path), "--train-flops", "2.56e19", "--inference-flops", "2e9", "--json"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"N", "D", "k", "tokens_per_param", "accuracy", "miss_rate"} <= set(out)
    table = out["intervals"]["bootstrap"]
    assert {"N", "D", "k", "tokens_per_param", "accuracy"} <= set(table)
    assert table["N"]["lower"] <= table["N"]["median"] <= table["N"]["upper"]
    assert 0.0 <= out["p_beats_chinchilla"]["bootstrap"] <= 1.0


@pytest.mark.slow
def test_answer_nll_anchored_fit_from_the_cli(study, tmp_path, capsys):
    import pandas as pd
    from conftest import write_counts

    path = write_counts(study.samples, tmp_path / "counts.csv")
    rng = np.random.default_rng(0)
    nll = pd.DataFrame([{"model": name, "nll": loss * (1 + 0.05 * rng.standard_normal())}
                        for name, loss in zip(study.samples.checkpoints[::2], study.loss[::2]) for _ in range(30)])
    nll_path = tmp_path / "nll.csv"
    nll.to_csv(nll_path, index=False)
    assert main(["fit", str(path), "--law", "t2-joint", "--answer-nll", str(nll_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["law"] == "t2-beta" and out["method"] == "joint-mle"
    assert {"theta0", "theta1"} <= set(out["params"]) and len(out["anchored_checkpoints"]) == len(nll["model"].unique())
    for argv, message in (
        (["--law", "t2-beta", "--answer-nll", str(nll_path)], "does not take it"),
        (["--law", "t2-joint", "--answer-nll", str(nll_path), "--bootstrap", "4"], "no bootstrap or posterior"),
        (["--law", "t2-joint", "--answer-nll", str(nll_path), "--nll-col", "loss"], "column(s) loss missing"),
    ):
        assert main(["fit", str(path), *argv]) == 2
        assert message in capsys.readouterr().err
