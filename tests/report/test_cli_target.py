"""`t2jax allocate --target-loss / --target-accuracy`: text, strict JSON and one-line errors."""

import json

import pytest

from t2jax.cli import main
from t2jax.families.t2_beta.simulate import T2_TRUTH

HOFFMANN = {"A": 406.4, "B": 410.7, "E": 1.69, "alpha": 0.336, "beta": 0.283}


def strict_json(text):
    return json.loads(text, parse_constant=lambda c: 1 / 0)


@pytest.fixture()
def fits(tmp_path):
    paths = {}
    for name, law, params in (("chin", "chinchilla", HOFFMANN), ("t2", "t2-beta", T2_TRUTH)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps({"method": "given", "law": law, "params": params, "objective": 0.0,
                                           "n_points": 1, "converged": True}))
    return paths


def test_target_loss_cli_reproduces_sardana(fits, capsys):
    argv = ["allocate", "--fit", str(fits["chin"]), "--target-loss", "1.947", "--inference-tokens", "2e12"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "N 70.96%, D 146.77%, total FLOPs 95.22%" in text
    assert main(argv + ["--json"]) == 0
    out = strict_json(capsys.readouterr().out)
    assert out["kind"] == "loss" and out["answer"]["N"] == pytest.approx(2.418e10, rel=5e-4)
    assert "k" not in out["answer"]


def test_target_accuracy_cli(fits, capsys):
    argv = ["allocate", "--fit", str(fits["t2"]), "--target-accuracy", "0.999999", "--tokens-per-sample", "1000",
            "--queries", "1e9", "--integer-k", "--json"]
    assert main(argv) == 0
    out = strict_json(capsys.readouterr().out)
    assert out["answer"]["k"] == round(out["answer"]["k"]) and out["answer"]["k"] > 1
    assert out["comparisons"]["k1"] == {"reachable": False, "best_pass_at_1": pytest.approx(0.7793, abs=1e-4)}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--target-loss", "1.9"], "--target-loss needs --inference-tokens"),
        (["--target-loss", "1.9", "--inference-tokens", "1e9", "--train-flops", "1e20"], "drop --train-flops"),
        (["--target-accuracy", "0.9"], "takes --tokens-per-sample and --queries"),
        ([], "give --train-flops"),
        (["--target-loss", "1.5", "--inference-tokens", "1e9"], "out of reach"),
    ],
)
def test_target_cli_errors(fits, capsys, extra, message):
    assert main(["allocate", "--fit", str(fits["chin"])] + extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]
