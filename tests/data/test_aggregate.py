"""Aggregate pass@k tables (published curves): loading, refusals, and the laws they fit."""

import json

import numpy as np
import pandas as pd
import pytest

import t2jax
from t2jax import T2JaxError
from t2jax.cli import main

from tests.conftest import shared_file

KS = 2.0 ** np.arange(6)


@pytest.fixture(scope="module")
def bed():
    return t2jax.synthetic_t2(n_samples=64, n_questions=48, seed=3)


@pytest.fixture(scope="module")
def curves(bed):
    """The study's pass@k table as the published layout: one row per (checkpoint, k)."""
    return t2jax.pass_k_table(bed.samples, KS).to_frame()


def test_round_trip_reads_the_same_table(bed, curves):
    table = t2jax.pass_k_table(bed.samples, KS)
    read = t2jax.load_pass_at_k(curves, checkpoint_col="checkpoint", problems_col="problems", samples_col="samples")
    assert not read.has_counts and read.dropped == ()
    np.testing.assert_array_equal(read.checkpoints, table.checkpoints)
    np.testing.assert_array_equal(read.ks, KS)
    np.testing.assert_allclose(read.accuracy, table.accuracy, rtol=0, atol=0)
    np.testing.assert_allclose(read.N, table.N)
    np.testing.assert_array_equal(read.problems, table.samples.observed.sum(1))
    by_flops = t2jax.load_pass_at_k(curves.assign(C=6 * curves.N * curves.D), d_col=None, flops_col="C")
    np.testing.assert_allclose(by_flops.D, table.D, rtol=1e-12)  # one checkpoint per (N, D) by default


def test_t2_loss_from_curves_equals_the_per_problem_route(bed, curves):
    read = t2jax.load_pass_at_k(curves)
    a, b = t2jax.fit(read, "t2-loss"), t2jax.fit(bed.samples, "t2-loss", ks=KS)
    for name, value in b.params.items():
        assert a.params[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
    assert a.extras["dropped_cells"] == b.extras["dropped_cells"]


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.assign(pass_at_k=np.where(f.index == 3, 1.5, f.pass_at_k)), r"fraction in \[0, 1\].*row 3"),
    (lambda f: f.assign(pass_at_k=np.where(f.index == 2, 40.0, f.pass_at_k)), r"not a percentage.*row 2"),
    (lambda f: f.assign(k=np.where(f.index == 1, 1.5, f.k)), r"'k' must hold whole numbers.*row 1"),
    (lambda f: pd.concat([f, f.iloc[[4]]], ignore_index=True), r"duplicate \(checkpoint, k\)"),
    (lambda f: f.drop(index=5).reset_index(drop=True), r"has no row at k = "),
    (lambda f: f.assign(pass_at_k=np.where(f.index == 1, 0.0, f.pass_at_k)), r"falls from k = 1 to 2"),
    (lambda f: f.assign(pass_at_k=f.pass_at_k.astype(object).where(f.index != 7, "n/a")), r"non-numeric.*row 7"),
    (lambda f: f.assign(samples=np.where(f.index < 6, 4, f.samples)), r"k exceeds the samples per problem"),
    (lambda f: f.assign(N=np.where(f.index == 0, 1.0, f.N)), r"more than one N or D"),
])
def test_bad_tables_are_refused_in_one_line(curves, edit, message):
    frame = edit(curves.copy())
    with pytest.raises(T2JaxError, match=message) as err:
        t2jax.load_pass_at_k(frame, checkpoint_col="checkpoint", samples_col="samples")
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_zero_checkpoints_are_dropped_and_zero_cells_counted(bed, curves):
    first, second = curves.checkpoint.unique()[:2]
    frame = curves.assign(pass_at_k=np.where(curves.checkpoint == first, 0.0, curves.pass_at_k))
    frame.loc[(frame.checkpoint == second) & (frame.k == 1), "pass_at_k"] = 0.0  # a rounded curve
    table = t2jax.load_pass_at_k(frame, checkpoint_col="checkpoint")
    assert table.dropped == (str(first),) and str(first) not in table.checkpoints
    assert table.n_zero_cells == 1
    loss = t2jax.fit(table, "t2-loss")
    assert loss.extras["dropped_cells"]["pass_at_k_exactly_0"] == 1
    assert loss.extras["dropped_checkpoints"] == [str(first)]
    truth = pd.Series(bed.loss, index=bed.samples.checkpoints.astype(str))[table.checkpoints.astype(str)]
    beta = t2jax.fit(table, "t2-beta", stage1_loss=truth.to_numpy())  # `second` has no pass@1: the true loss
    assert beta.extras["zero_in_curve"] == [str(second)]
    assert beta.extras["dropped_checkpoints"] == [str(first), str(second)]


def test_count_laws_refuse_an_aggregate_table(curves):
    table = t2jax.load_pass_at_k(curves)
    for call in (lambda: t2jax.fit(table, "t2-joint"), lambda: t2jax.bootstrap(table, None, 10, law="beta-nd"),
                 lambda: t2jax.posterior(table, law="t2-irt")):
        with pytest.raises(T2JaxError, match="needs per-problem counts.*fits t2-loss, t2-beta"):
            call()


@pytest.mark.slow
def test_cli_fits_and_backtests_a_table(curves, tmp_path, capsys):
    path = tmp_path / "curves.csv"
    curves.rename(columns={"pass_at_k": "acc"}).to_csv(path, index=False)
    common = [str(path), "--pass-col", "acc", "--checkpoint-col", "checkpoint", "--problems-col", "problems",
              "--samples-col", "samples"]
    assert main(["fit", *common, "--law", "t2-loss", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["law"] == "t2-loss" and out["ks"] == KS.tolist()
    assert main(["fit", *common, "--law", "t2-joint"]) == 2
    assert "needs per-problem counts" in capsys.readouterr().err
    assert main(["fit", *common, "--law", "chinchilla"]) == 2
    assert "--pass-col reads an aggregate pass@k table" in capsys.readouterr().err
    assert main(["backtest", *common, "--d-col", "D", "--n-col", "N", "--holdout", "N >= 4e8", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {row["law"] for row in result["summary"]} == {"t2-loss", "t2-beta"}
    assert all(row["failed_fits"] == 0 and row["targets"] > 0 for row in result["summary"])


@pytest.mark.slow
def test_pythia_curves_fit_t2_loss_as_the_counts_do():
    """The published Pythia GSM8K per-problem pass@k table, averaged over problems into curves
    (what a paper's figure gives), fits t2-loss to the per-problem route's fit within 1e-6."""
    raw = pd.read_parquet(shared_file("schaeffer-monkey-power/pythia_ckpts_gsm8k_pass_at_k.parquet"))
    models = pd.read_csv(shared_file("schaeffer-monkey-power/models_pythia.csv"))
    curves = raw.groupby(["Model Nickname", "k"], as_index=False).agg(
        pass_at_k=("pass@k", "mean"), problems=("prompt_idx", "nunique"))
    curves = curves.merge(models[["Model Nickname", "Parameters", "Tokens"]], on="Model Nickname")
    ks = 2.0 ** np.arange(8)
    table = t2jax.load_pass_at_k(curves, n_col="Parameters", d_col="Tokens", checkpoint_col="Model Nickname",
                                 problems_col="problems", ks=ks)
    counts = t2jax.load_samples(shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv"),
                                query="benchmark == 'GSM8K'")
    assert set(table.dropped) == set(t2jax.pass_k_table(counts, ks).dropped)
    with pytest.warns(t2jax.FitWarning):  # E sits at its bound on these data, both routes
        a, b = t2jax.fit(table, "t2-loss"), t2jax.fit(counts, "t2-loss", ks=ks)
    for name, value in b.params.items():
        assert a.params[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
