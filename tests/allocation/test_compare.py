"""Several laws' allocations compared: each law's optimum, every choice's regret under
every law, the minimax and weighted choices, weights from backtests, and refusals."""

import json

import numpy as np
import pandas as pd
import pytest

import t2jax
from t2jax import T2JaxError
from t2jax.allocation.weights import backtest_weights, stacking_weights
from t2jax.cli import main
from t2jax.families.t2_beta.simulate import T2_TRUTH
from t2jax.fitting.result import FitResult

T2_LOSS = {"E": 0.3, "A": 80.0, "B": 300.0, "G": 2.0, "alpha": 0.3, "beta": 0.25, "gamma": 0.5}


def given(law, params, data_id="same"):
    return FitResult("given", law, params, 0.0, 1, True, extras={"data_id": data_id})


@pytest.fixture(scope="module")
def fits():
    return [given("t2-beta", T2_TRUTH), given("t2-loss", T2_LOSS)]


def test_every_choice_is_scored_under_every_law(fits):
    c = t2jax.compare_allocations(fits, 2.56e19, 2e9, draws=False)
    assert list(c.regret.columns) == ["t2-beta", "t2-loss"] and list(c.regret.index) == ["t2-beta", "t2-loss",
                                                                                        "minimax"]
    assert (c.regret.to_numpy() >= 1.0).all()
    assert c.regret.loc["t2-beta", "t2-beta"] == pytest.approx(1.0) and c.regret.loc["t2-loss", "t2-loss"] == pytest.approx(1.0)
    # the laws disagree here, so each law's choice costs something under the other
    assert c.regret.loc["t2-beta", "t2-loss"] > 1.01 and c.regret.loc["t2-loss", "t2-beta"] > 1.01
    own_worst = c.worst_regret.loc[["t2-beta", "t2-loss"]]
    assert c.worst_regret["minimax"] <= own_worst.min() + 1e-12
    # the scores are the laws' own predictions at the choices
    N, D, k = c.choices.loc["minimax", ["N", "D", "k"]]
    assert c.accuracy.loc["minimax", "t2-loss"] == pytest.approx(float(fits[1].accuracy(N, D, k)), rel=1e-9)
    assert 6 * N * D == pytest.approx(2.56e19) and 2 * N * k == pytest.approx(2e9)
    out = c.to_dict()
    json.dumps(out, allow_nan=False)
    assert "across 2 laws N* spans" in out["summary"]


def test_weights_pull_the_choice_toward_the_heavier_law(fits):
    heavy = t2jax.compare_allocations(fits, 2.56e19, 2e9, draws=False, weights={"t2-beta": 0.7, "t2-loss": 0.3})
    assert heavy.regret.loc["weighted", "t2-beta"] < heavy.regret.loc["minimax", "t2-beta"]
    assert heavy.weights["weights"]["t2-beta"] == pytest.approx(0.7) and heavy.left_out == {}


def test_a_law_with_little_weight_is_left_out_of_the_robust_choices(fits):
    c = t2jax.compare_allocations(fits, 2.56e19, 2e9, draws=False, weights={"t2-beta": 0.9, "t2-loss": 0.1})
    assert list(c.left_out) == ["t2-loss"] and "under half an equal share" in c.left_out["t2-loss"]
    assert c.regret.loc["minimax", "t2-beta"] == pytest.approx(1.0, abs=1e-4)  # answers to t2-beta alone
    assert c.to_dict()["robust_over"] == ["t2-beta"] and "under the 1 law(s) it answers to" in c.summary_line()


def test_draw_regrets_over_each_laws_draws(fits):
    draws = pd.DataFrame([T2_LOSS | {"A": a} for a in (70.0, 80.0, 90.0, 100.0)])
    c = t2jax.compare_allocations(fits, 2.56e19, 2e9, draws={"t2-loss": draws}, level=0.9)
    rows = c.draw_regret[(c.draw_regret["law"] == "t2-loss") & (c.draw_regret["choice"] == "minimax")]
    assert len(rows) == 1 and rows["draws"].iloc[0] == 4 and rows["median"].iloc[0] >= 1.0
    assert set(c.intervals) == {"t2-loss"}


@pytest.mark.parametrize("bad, message", [
    (lambda f: [f[0]], "at least 2 laws"),
    (lambda f: [f[0], given("chinchilla", {"E": 1.7, "A": 400.0, "B": 400.0, "alpha": 0.3, "beta": 0.3})],
     "predicts no pass@k"),
    (lambda f: [f[0], given("t2-loss", T2_LOSS, "other")], "the fits saw different data"),
    (lambda f: [f[0], f[0]], "two fits of the same law and method"),
])
def test_mismatched_fits_are_refused(fits, bad, message):
    with pytest.raises(T2JaxError, match=message):
        t2jax.compare_allocations(bad(fits), 2.56e19, 2e9)


def test_stacking_weights_follow_the_held_out_log_score():
    rng = np.random.default_rng(0)
    ll = np.stack([rng.normal(-100, 1, 40), rng.normal(-130, 1, 40)], 1)
    assert stacking_weights(ll)[0] > 0.99
    mixed = np.where(np.arange(40)[:, None] < 20, ll, ll[:, ::-1])  # each law best on half the units
    assert stacking_weights(mixed) == pytest.approx([0.5, 0.5], abs=0.05)


def test_backtest_weights_say_their_basis():
    summary = [{"law": "a", "log_ratio": 0.5}, {"law": "b", "log_ratio": 1.0}]
    loglik = [{"holdout": "h", "checkpoint": c, "law": law, "loglik": v, "counts": 10, "falling": False}
              for c in ("x", "y") for law, v in (("a", -10.0), ("b", -50.0))]
    stacked = backtest_weights({"summary": summary, "loglik": loglik}, ["a", "b"])
    assert stacked["weights"]["a"] > 0.99 and stacked["basis"].startswith("stacking") and stacked["units"] == 2
    metric = backtest_weights({"summary": summary, "loglik": loglik[:2]}, ["a", "b"])  # b misses a unit: stacked on 1
    assert metric["units"] == 1
    inverse = backtest_weights({"summary": summary}, ["a", "b"])
    assert inverse["weights"] == pytest.approx({"a": 2 / 3, "b": 1 / 3}) and "inverse mean" in inverse["basis"]
    with pytest.raises(T2JaxError, match="no result for c"):
        backtest_weights({"summary": summary}, ["a", "c"])


def test_cli_compares_fits_with_weights(fits, tmp_path, capsys):
    paths = []
    for f in fits:
        paths += ["--fit", str(tmp_path / f"{f.law}.json")]
        (tmp_path / f"{f.law}.json").write_text(json.dumps(f.to_dict()))
    (tmp_path / "bt.json").write_text(json.dumps({"summary": [{"law": "t2-beta", "log_ratio": 0.4},
                                                              {"law": "t2-loss", "log_ratio": 1.2}]}))
    argv = ["allocate", *paths, "--train-flops", "2.56e19", "--inference-flops", "2e9", "--weights",
            str(tmp_path / "bt.json")]
    assert main(argv + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["weights"]["weights"]["t2-beta"] == pytest.approx(0.75) and "weighted" in out["regret"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("across 2 laws") and "minimax" in text and "inverse mean held-out log_ratio" in text
    assert main(["allocate", *paths, "--target-accuracy", "0.5"]) == 2
    assert "--target-accuracy takes --tokens-per-sample and --queries" in capsys.readouterr().err
    assert main(["allocate", *paths[:2], "--train-flops", "2.56e19", "--inference-flops", "2e9", "--weights",
                 str(tmp_path / "bt.json")]) == 2
    assert "--weights weighs several laws" in capsys.readouterr().err
    assert main(["allocate", *paths, "--target-loss", "2"]) == 2
    assert "comparing laws takes budgets" in capsys.readouterr().err


@pytest.mark.slow
def test_a_target_reached_under_every_law(fits):
    """The robust choice reaches the target under both laws, costs at least each law's own
    least cost, and no more than a law's answer that already reaches it under both."""
    c = t2jax.compare_targets(fits, 0.5, 1000, 1e9)
    assert c.share["robust"] == 1.0 and c.reaches.loc["robust"].all()
    own = c.choices.loc[["t2-beta", "t2-loss"], "total_flops"]
    assert c.choices.loc["robust", "total_flops"] >= own.max() * (1 - 1e-3)
    both = [n for n in ("t2-beta", "t2-loss") if c.reaches.loc[n].all()]
    assert both and c.choices.loc["robust", "total_flops"] <= c.choices.loc[both, "total_flops"].min() * (1 + 1e-3)
    json.dumps(c.to_dict(), allow_nan=False)
