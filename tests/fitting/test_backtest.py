"""Backtests: the law that generated the data extrapolates well; bad splits are refused."""

import numpy as np
import pandas as pd
import pytest

from t2jax import T2JaxError
from t2jax.cli import main
from t2jax.data.samples import Samples
from t2jax.fitting.backtest import backtest, summarise

TRUE_LINKS = {"a0": -2.0, "a1": 0.05, "a2": 0.02, "b0": 6.0, "b1": -0.15, "b2": -0.1}


def beta_nd_samples(seed=0, n_problems=400, n_samples=2000):
    """Counts from the beta-nd law itself: p ~ Beta(a(N, D), b(N, D)), c ~ Bin(n, p)."""
    rng = np.random.default_rng(seed)
    N, D = (a.ravel() for a in np.meshgrid(np.geomspace(1e7, 1e9, 4), np.geomspace(1e9, 3e11, 5), indexing="ij"))
    a = np.exp(TRUE_LINKS["a0"] + TRUE_LINKS["a1"] * np.log(N) + TRUE_LINKS["a2"] * np.log(D))
    b = np.exp(TRUE_LINKS["b0"] + TRUE_LINKS["b1"] * np.log(N) + TRUE_LINKS["b2"] * np.log(D))
    p = rng.beta(a[:, None], b[:, None], size=(N.size, n_problems))
    c = rng.binomial(n_samples, p).astype(float)
    names = np.array([f"ckpt{i}" for i in range(N.size)])
    return Samples(N, D, np.full_like(c, n_samples), c, names, np.arange(n_problems))


def test_generating_law_extrapolates():
    samples = beta_nd_samples()
    table = backtest(samples, "D > 1e11", laws=["beta-nd"], test_ks=[1, 4, 16, 64])
    assert set(table["checkpoint"]) == {f"ckpt{i}" for i in range(20) if samples.D[i] > 1e11}
    row = table.iloc[3]
    assert row["relative_error"] == pytest.approx(abs(np.log(row["predicted"]) - np.log(row["observed"])) / -np.log(row["observed"]))
    summary = summarise(table)
    assert summary.loc[0, "scored"] == len(table)
    assert summary.loc[0, "mean_relative_error"] < 0.1


def test_bad_holdout_is_refused():
    samples = beta_nd_samples(n_problems=20, n_samples=50)
    with pytest.raises(T2JaxError, match="cannot evaluate holdout expression"):
        backtest(samples, "tokens > 3", laws=["beta-nd"])
    with pytest.raises(T2JaxError, match="leaves 0 training"):
        backtest(samples, "D > 0", laws=["beta-nd"])
    with pytest.raises(T2JaxError, match="unknown law"):
        backtest(samples, "D > 1e11", laws=["no-such-law"])


def test_backtest_cli(tmp_path, capsys):
    s = beta_nd_samples(n_problems=60, n_samples=500)
    rows = [
        {"model": s.checkpoints[i], "problem_idx": j, "N_params": s.N[i], "D_tokens": s.D[i], "n_samples": s.n[i, j], "n_correct": s.c[i, j]}
        for i in range(s.N.size)
        for j in range(s.n.shape[1])
    ]
    path = tmp_path / "counts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert main(["backtest", str(path), "--holdout", "D > 1e11", "--laws", "beta-nd", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["summary"][0]["law"] == "beta-nd" and out["summary"][0]["scored"] > 0
    assert main(["backtest", str(path), "--holdout", "D > 0", "--laws", "beta-nd"]) == 2
    assert "leaves 0 training" in capsys.readouterr().err



def test_leave_one_out_runs_from_the_cli(tmp_path, capsys):
    """`backtest --leave-one-out N` used to fail on numpy 2 reprs inside the pandas query."""
    import json

    from t2jax.fitting.backtest import leave_one_out_splits
    from t2jax.laws.simulate import synthetic_t2

    s = synthetic_t2(sizes=np.geomspace(2e7, 9e8, 3), n_samples=64, n_questions=24, seed=3).samples
    splits = leave_one_out_splits(s, "N")
    assert len(splits) == 3 and "np." not in "".join(splits)
    rows = [{"model": m, "problem_idx": int(p), "N_params": s.N[i], "D_tokens": s.D[i], "n_samples": s.n[i, j],
             "n_correct": s.c[i, j]} for i, m in enumerate(s.checkpoints) for j, p in enumerate(s.problems)]
    path = tmp_path / "counts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert main(["backtest", str(path), "--leave-one-out", "N", "--laws", "t2-loss", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["holdout"] == splits and result["summary"][0]["law"] == "t2-loss"
