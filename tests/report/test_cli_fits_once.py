"""The CLI fits the point estimate once, whatever else it is asked for: the bootstrap
starts from it instead of refitting (counted by wrapping each family's fitter)."""

import pytest
import json


import t2jax
from t2jax.cli import main


def counting(monkeypatch, targets, name):
    import importlib

    modules = [importlib.import_module(m) for m in targets]
    calls, original = [], getattr(modules[0], name)

    def wrapped(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    for module in modules:
        monkeypatch.setattr(module, name, wrapped)
    return calls


def test_runs_fit_and_bootstrap_fit_once(monkeypatch, tmp_path, capsys):
    calls = counting(monkeypatch, ["t2jax.families.power_sum.approach3", "t2jax.families.power_sum.bootstrap"],
                     "fit_power_law")
    path = tmp_path / "runs.csv"
    t2jax.data.embedded.chinchilla_frame().to_csv(path, index=False)
    code = main(["fit", str(path), "--flops-col", "C", "--bootstrap", "8", "--json"])
    assert code == 0, capsys.readouterr().err
    assert len(calls) == 1
    assert json.loads(capsys.readouterr().out)["bootstrap"]["resamples"] == 8


@pytest.mark.slow
def test_counts_fit_and_bootstrap_fit_once(monkeypatch, tmp_path, capsys):
    from conftest import write_counts

    calls = counting(monkeypatch, ["t2jax.families.t2_beta", "t2jax.families.t2_beta.bootstrap"], "fit_t2_beta")
    path = write_counts(t2jax.synthetic_t2(n_questions=32, n_samples=128, seed=2).samples, tmp_path / "c.csv")
    code = main(["fit", str(path), "--law", "t2-beta", "--bootstrap", "8"])
    assert code == 0, capsys.readouterr().err
    assert len(calls) == 1
