import json
import sys

import jax
import numpy as np
import pytest

from t2jax import load_chinchilla, varpro
from t2jax.cli import main
from background import job, needs, run, succeeded


def test_fit_json(scalefit_path, capsys):
    assert main(["fit", str(scalefit_path), "--method", "varpro", "--n-col", "params", "--d-col", "tokens", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "varpro" and out["n_points"] == 124 and out["converged"] is True
    assert set(out["params"]) == {"E", "A", "B", "alpha", "beta"}
    assert out["params"]["alpha"] == pytest.approx(0.3885, rel=1e-3)
    assert isinstance(out["objective"], float)


def test_fit_isoflop_json(scalefit_path, capsys):
    argv = ["fit", str(scalefit_path), "--method", "isoflop", "--n-col", "params", "--d-col", "tokens", "--budget-col", "budget", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exponents"]["N"] == pytest.approx(0.5134, abs=0.002)
    assert out["parametric"]["exponents"]["N"] != pytest.approx(out["exponents"]["N"], abs=1e-3)


def test_fit_with_flops_column(tmp_path, capsys):
    frame = __import__("t2jax").data.chinchilla_frame()
    path = tmp_path / "runs.csv"
    frame.to_csv(path, index=False)
    assert main(["fit", str(path), "--flops-col", "C", "--method", "approach3"]) == 0
    assert "approach3 fit of 234 points" in capsys.readouterr().out


@job(cost=25, warm=True)
def demo(folder):
    """The README's quick start, `t2jax demo`, as a user runs it: its own process."""
    return folder, run([sys.executable, "-m", "t2jax.cli", "demo", "--out", str(folder)], cwd=folder, timeout=900)


@pytest.mark.slow
@needs(demo)
def test_demo():
    tmp_path, done = demo.result()
    succeeded(done)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["fits"]) == {"approach3", "varpro", "isoflop"}
    for name in ("approach3", "varpro"):
        assert summary["fits"][name]["converged"]
        assert 0.2 < summary["fits"][name]["params"]["alpha"] < 0.5
    for name in ("isoflop.png", "passk.png", "frontier.png"):
        png = tmp_path / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    t2 = summary["t2"]
    a, base = t2["allocation"], t2["allocation"]["chinchilla_baseline"]
    assert a["N"] < base["N"] and a["tokens_per_param"] > base["tokens_per_param"]
    assert a["budgets"] == {"train_flops": 2.56e19, "inference_flops_per_query": 2e9}
    assert a["train_flops"] == pytest.approx(2.56e19, rel=1e-12) and a["inference_flops"] == pytest.approx(2e9, rel=1e-12)
    # the fitted laws' optima land near the true model's
    true_N = t2["allocations"]["true model"]["N"]
    assert a["N"] == pytest.approx(true_N, rel=0.5)


def test_t2_fit_and_allocate_cli(tmp_path, capsys):
    from conftest import shared_file

    counts = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    argv = ["fit", str(counts), "--law", "t2-loss", "--query", "benchmark == 'GSM8K'", "--ks", "1,4,16,64", "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    fit = json.loads(captured.out)
    assert fit["law"] == "t2-loss" and fit["ks"] == [1.0, 4.0, 16.0, 64.0]
    assert set(fit["params"]) == {"E", "A", "B", "G", "alpha", "beta", "gamma"}
    assert "Pythia_12B_2M" in fit["dropped_checkpoints"]
    path = tmp_path / "fit.json"
    path.write_text(json.dumps(fit))
    assert main(["allocate", "--fit", str(path), "--train-flops", "2.56e19", "--inference-flops", "2e9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["N"] * out["k"] * 2 == pytest.approx(2e9, rel=1e-9)
    for key in ("N", "D", "k", "tokens_per_param", "accuracy", "chinchilla_baseline"):
        assert key in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["allocate", "--fit", "{fit}", "--train-flops", "-1", "--inference-flops", "2e9"], "train_flops must be a positive"),
        (["allocate", "--fit", "{fit}", "--train-flops", "1e20"], "give inference_flops"),
        (["allocate", "--fit", "{chin}", "--train-flops", "1e20", "--inference-flops", "2e9"], "allocate needs a T² law"),
        (["allocate", "--fit", "{bad}", "--train-flops", "1e20", "--inference-flops", "2e9"], "is not JSON"),
    ],
)
def test_allocate_cli_errors(tmp_path, capsys, argv, message):
    fit = {"method": "x", "law": "t2-beta", "params": __import__("t2jax.families.t2_beta.simulate", fromlist=["T2_TRUTH"]).T2_TRUTH,
           "objective": 0.0, "n_points": 1, "converged": True}
    paths = {"fit": tmp_path / "fit.json", "chin": tmp_path / "chin.json", "bad": tmp_path / "bad.json"}
    paths["fit"].write_text(json.dumps(fit))
    chin = {k: fit["params"][k] for k in ("E", "A", "B", "alpha", "beta")}
    paths["chin"].write_text(json.dumps(fit | {"law": "chinchilla", "params": chin}))
    paths["bad"].write_text("{not json")
    argv = [a.format(**{k: str(v) for k, v in paths.items()}) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_global_x64_flag_untouched():
    before = jax.config.jax_enable_x64
    fit = varpro(load_chinchilla())
    assert jax.config.jax_enable_x64 == before
    assert jax.numpy.ones(1).dtype == (np.float64 if before else np.float32)
    assert isinstance(fit.params["E"], float)


def test_embedded_budgets():
    runs = load_chinchilla()
    assert len(runs) == 234
    on_curve = np.isfinite(runs.budget)
    assert on_curve.sum() > 100
    ratio = runs.flops[on_curve] / runs.budget[on_curve]
    assert np.all(np.abs(np.log(ratio)) <= np.log1p(0.1) + 1e-12)


def test_fit_bootstrap_cli_and_allocation_intervals(scalefit_path, tmp_path, capsys):
    argv = ["fit", str(scalefit_path), "--method", "varpro", "--n-col", "params", "--d-col", "tokens",
            "--bootstrap", "64", "--seed", "3", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    boot = out["bootstrap"]
    assert boot["resamples"] == 64 and boot["seed"] == 3 and boot["failed"] == 0
    assert boot["intervals"]["alpha"]["lower"] < out["params"]["alpha"] < boot["intervals"]["alpha"]["upper"]
    assert len(boot["draws"]["alpha"]) == 64
    assert main(argv) == 0  # same seed, same numbers
    again = json.loads(capsys.readouterr().out)
    assert again["bootstrap"]["draws"] == boot["draws"]


@pytest.mark.slow
def test_t2_bootstrap_allocate_cli(tmp_path, capsys):
    from conftest import shared_file

    counts = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    argv = ["fit", str(counts), "--law", "t2-loss", "--query", "benchmark == 'MATH'", "--bootstrap", "32",
            "--resample", "groups", "--json"]
    assert main(argv) == 0
    path = tmp_path / "fit.json"
    path.write_text(capsys.readouterr().out)
    assert main(["allocate", "--fit", str(path), "--train-flops", "2.56e19", "--inference-flops", "2e9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    table = out["intervals"]["bootstrap"]
    assert table["N"]["lower"] <= out["N"] <= table["N"]["upper"]
    assert table["k"]["lower"] <= out["k"] <= table["k"]["upper"]


def test_bootstrap_cli_errors(scalefit_path, capsys):
    argv = ["fit", str(scalefit_path), "--n-col", "params", "--d-col", "tokens", "--bootstrap", "8", "--resample", "groups"]
    assert main(argv) == 2
    assert "--resample groups needs --group-col" in capsys.readouterr().err
    argv = ["fit", str(scalefit_path), "--n-col", "params", "--d-col", "tokens", "--budget-col", "budget",
            "--method", "isoflop", "--bootstrap", "8"]
    assert main(argv) == 2
    assert "need --method approach3 or varpro" in capsys.readouterr().err
