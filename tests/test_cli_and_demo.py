import json

import jax
import numpy as np
import pytest

from t2jax import load_chinchilla, varpro
from t2jax.report.cli import main


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
    assert "approach3 fit of 234 runs" in capsys.readouterr().out


def test_demo(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["fits"]) == {"approach3", "varpro", "isoflop"}
    for name in ("approach3", "varpro"):
        assert summary["fits"][name]["converged"]
        assert 0.2 < summary["fits"][name]["params"]["alpha"] < 0.5
    png = tmp_path / "isoflop.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


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
