"""Every bad input is one line on stderr and exit 2 from the CLI (no traceback), and a
T2JaxError from the library; nothing silently wrong."""

import json

import numpy as np
import pandas as pd
import pytest

import t2jax
from t2jax import T2JaxError
from t2jax.cli import main
from t2jax.families.t2_beta.simulate import T2_TRUTH

T2_LOSS_PARAMS = {"E": 0.3, "A": 80.0, "B": 300.0, "G": 2.0, "alpha": 0.3, "beta": 0.25, "gamma": 0.5}


def counts_frame(n_samples=32, n_questions=24):
    s = t2jax.synthetic_t2(n_samples=n_samples, n_questions=n_questions, seed=0).samples
    C, Q = s.n.shape
    return pd.DataFrame({
        "model": np.repeat(s.checkpoints, Q), "problem_idx": np.tile(np.arange(Q), C),
        "N_params": np.repeat(s.N, Q), "D_tokens": np.repeat(s.D, Q),
        "n_samples": s.n.ravel().astype(int), "n_correct": s.c.ravel().astype(int),
    })


def fit_json(law, params, **more):
    return json.dumps({"method": "given", "law": law, "params": params, "objective": 0.0, "n_points": 1,
                       "converged": True} | more)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    paths = {}

    def put(name, text=None, frame=None, raw=None):
        key = name.split(".")[0]
        paths[key] = d / name
        if frame is not None:
            frame.to_csv(paths[key], index=False)
        elif raw is not None:
            paths[key].write_bytes(raw)
        else:
            paths[key].write_text(text)

    runs = t2jax.data.chinchilla_frame()
    counts = counts_frame()
    put("runs.csv", frame=runs)
    put("one_d.csv", frame=runs.assign(D=3e11))
    put("counts.csv", frame=counts)
    put("zero.csv", frame=counts.assign(n_correct=0))
    put("one_ckpt.csv", frame=counts[counts.model == counts.model.iloc[-1]])
    put("const_n.csv", frame=counts.assign(N_params=1e8))
    put("dup.csv", "N,D,loss,loss\n1e8,1e10,3.0,3.1\n2e8,2e10,2.9,2.8\n")
    put("t2.json", fit_json("t2-beta", T2_TRUTH))
    put("binary.json", raw=b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    put("list.json", "[1, 2, 3]")
    put("string.json", fit_json("t2-beta", T2_TRUTH | {"theta1": "four"}))
    put("no_theta4.json", fit_json("t2-beta", {k: v for k, v in T2_TRUTH.items() if k != "theta4"}))
    put("relabelled.json", fit_json("t2-beta", T2_LOSS_PARAMS))
    put("nan_alpha.json", fit_json("t2-loss", T2_LOSS_PARAMS | {"alpha": float("nan")}))
    put("neg_alpha.json", fit_json("t2-loss", T2_LOSS_PARAMS | {"alpha": -0.3}))
    put("neg_theta2.json", fit_json("t2-beta", T2_TRUTH | {"theta2": -5.0}))
    put("bad_boot.json", fit_json("t2-beta", T2_TRUTH, bootstrap="garbage"))
    put("percent.csv", frame=pd.DataFrame({"N": [1e8, 1e8, 2e8, 2e8], "D": [1e9, 1e9, 2e9, 2e9], "k": [1, 2, 1, 2],
                                           "acc": [12.0, 20.0, 15.0, 25.0]}))
    put("tab.csv", frame=None, text=runs.to_csv(sep="\t", index=False))
    put("sheet.xlsx", "not a spreadsheet\n")
    put("solved.csv", frame=counts.assign(n_correct=counts.n_samples))
    put("final_only.csv", frame=counts.assign(D_tokens=3e11))
    put("nll.csv", frame=pd.DataFrame({"model": np.repeat(counts.model.unique()[:3], 2), "nll": [1.0, 1.1, np.nan,
                                                                                               0.9, 0.8, 0.7]}))
    paths["dates"] = d / "dates.parquet"
    runs.assign(N=pd.to_datetime(runs.N)).to_parquet(paths["dates"])
    user = d / "user_out"
    user.mkdir()
    (user / "summary.json").write_text('{"mine": true}')
    paths["user_out"] = user
    return {k: str(v) for k, v in paths.items()}


RUNS = ["fit", "{runs}", "--flops-col", "C"]
CASES = {
    "query syntax": (["fit", "{counts}", "--law", "t2-loss", "--query", "benchmark ==="], "not a valid row filter"),
    "query unknown column": (RUNS + ["--query", "size > 3"], "not a valid row filter"),
    "all counts zero": (["fit", "{zero}", "--law", "t2-loss"], "no checkpoint solved any problem"),
    "backtest no laws": (["backtest", "{counts}", "--laws", ","], "--laws names no law"),
    "approach3 with --loss": (RUNS + ["--method", "approach3", "--loss", "huber"], "chooses varpro's objective"),
    "seed overflow": (RUNS + ["--seed", "99999999999999999999", "--bootstrap", "8"], "seed must be a whole number"),
    "negative seed": (RUNS + ["--seed", "-1"], "seed must be a whole number"),
    "level 1.5": (RUNS + ["--level", "1.5"], "level must lie in (0, 1)"),
    "level 0": (RUNS + ["--level", "0"], "level must lie in (0, 1)"),
    "resolution -3": (RUNS + ["--resolution", "-3"], "resolution must be a whole number >= 2"),
    "bootstrap 0": (RUNS + ["--bootstrap", "0"], "--bootstrap must be a whole number >= 2"),
    "bootstrap 1": (RUNS + ["--bootstrap", "1"], "--bootstrap must be a whole number >= 2"),
    "pass table on runs": (RUNS + ["--pass-col", "loss"], "--pass-col reads an aggregate pass@k table"),
    "pass table as percentages": (["fit", "{percent}", "--law", "t2-loss", "--pass-col", "acc"],
                                  "fraction in [0, 1] (not a percentage)"),
    "negative theta2": (["allocate", "--fit", "{neg_theta2}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                        "'theta2' = -5.0 breaks its constraint"),
    "malformed bootstrap block": (["allocate", "--fit", "{bad_boot}", "--train-flops", "1e20", "--inference-flops",
                                   "2e9"], "'bootstrap' block is malformed"),
    "delta 0": (RUNS + ["--delta", "0"], "delta (the Huber threshold) must be a finite number > 0"),
    "delta nan": (RUNS + ["--delta", "nan"], "delta (the Huber threshold) must be a finite number > 0"),
    "delta -1": (RUNS + ["--method", "varpro", "--loss", "huber", "--delta", "-1"], "must be a finite number > 0"),
    "duplicate loss column": (["fit", "{dup}"], "column 'loss' appears more than once"),
    "single D": (["fit", "{one_d}"], "column 'D' is constant"),
    "one checkpoint": (["fit", "{one_ckpt}", "--law", "t2-loss"], "covariate N takes 1 distinct value"),
    "constant N": (["fit", "{const_n}", "--law", "t2-loss"], "covariate N takes 1 distinct value"),
    "tiny training budget": (["allocate", "--fit", "{t2}", "--train-flops", "1e6", "--inference-flops", "2e9"],
                             "training budget 1e+06 FLOPs is below"),
    "binary fit JSON": (["allocate", "--fit", "{binary}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                        "is not JSON text"),
    "list fit JSON": (["allocate", "--fit", "{list}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                      "expected a JSON object"),
    "string parameter": (["allocate", "--fit", "{string}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                         "parameter 'theta1' must be a number"),
    "missing theta4": (["allocate", "--fit", "{no_theta4}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                       "missing theta4"),
    "relabelled fit": (["allocate", "--fit", "{relabelled}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                       "parameters do not match law 't2-beta'"),
    "NaN alpha": (["allocate", "--fit", "{nan_alpha}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                  "parameter 'alpha' is not finite"),
    "negative alpha": (["allocate", "--fit", "{neg_alpha}", "--train-flops", "1e20", "--inference-flops", "2e9"],
                       "parameter 'alpha' = -0.3 breaks its constraint"),
    "allocate level": (["allocate", "--fit", "{t2}", "--train-flops", "1e20", "--inference-flops", "2e9",
                        "--level", "1.5"], "level must lie in (0, 1)"),
    "unknown --select metric": (["backtest", "{counts}", "--select", "--metric", "bogus", "--laws", "t2-loss"],
                                "unknown metric 'bogus'"),
    "tab-separated .csv": (["fit", "{tab}"], "this file is tab-separated"),
    "spreadsheet": (["fit", "{sheet}"], "not '.xlsx' files; export it as CSV or Parquet"),
    "counts without --law": (["fit", "{counts}"], "looks like repeated-sampling counts"),
    "dates as numbers": (["fit", "{dates}", "--flops-col", "C"], "column 'N' holds dates/times"),
    "every problem solved": (["fit", "{solved}", "--law", "t2-loss"], "carries nothing to fit"),
    "every problem solved, t2-beta": (["fit", "{solved}", "--law", "t2-beta"], "pass@1 is exactly 1"),
    "t2-beta on one D": (["fit", "{final_only}", "--law", "t2-beta"], "t2-beta's stage 1 fits law chinchilla"),
    "answer NLL with a NaN": (["fit", "{counts}", "--law", "t2-joint", "--answer-nll", "{nll}"], "1 are not, at row 2"),
    "--ks on runs": (RUNS + ["--ks", "1,2"], "--ks picks the k values of counts"),
    "--budget-col without isoflop": (RUNS + ["--budget-col", "budget"], "read by --method isoflop only"),
    "--tokens-per-sample alone": (["allocate", "--fit", "{t2}", "--tokens-per-sample", "100"],
                                  "--tokens-per-sample describes inference"),
    "--target-loss alone": (["allocate", "--fit", "{t2}", "--target-loss", "2"], "--target-loss needs --inference-tokens"),
    "two targets": (["allocate", "--fit", "{t2}", "--target-loss", "2", "--target-accuracy", "0.5"],
                    "give one quality target"),
    "demo over a user's files": (["demo", "--out", "{user_out}"], "not written by the demo"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cli_bad_input_is_one_line_exit_2(name, files, capsys):
    argv, message = CASES[name]
    assert main([a.format(**files) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("t2jax: error: "), err
    assert message in lines[0] and "Traceback" not in err


def test_demo_keeps_the_users_files(files):
    assert json.loads(open(f"{files['user_out']}/summary.json").read()) == {"mine": True}


LIBRARY = {
    "bootstrap seed 1.5": (lambda: t2jax.bootstrap(t2jax.load_chinchilla(), "varpro", 4, seed=1.5), "seed must be"),
    "bootstrap 0 resamples": (lambda: t2jax.bootstrap(t2jax.load_chinchilla(), "varpro", 0), "n_resamples must be"),
    "frontier budgets": (lambda: t2jax.frontier(t2jax.FitResult("t", "t2-beta", T2_TRUTH, 0.0, 1, True),
                                                [-1.0, 0.0, np.nan], 2e9), "train_flops must be a positive"),
    "predict N=-1": (lambda: CHIN.predict(N=-1, D=1e10), "N must be finite and > 0"),
    "optimal C=-1": (lambda: CHIN.optimal(C=-1), "C must be finite and > 0"),
    "pass_at_k k > n": (lambda: t2jax.pass_at_k(10, 5, 11), "1 <= k <= n"),
    "pass_at_k c > n": (lambda: t2jax.pass_at_k(10, 11, 1), "0 <= c <= n"),
    "varpro delta": (lambda: t2jax.varpro(t2jax.load_chinchilla(), loss="huber", delta=0.0), "delta"),
    "approach3 loss": (lambda: t2jax.fit(t2jax.load_chinchilla(), method="approach3", loss="huber"), "varpro"),
    "allocation grid": (lambda: t2jax.allocate(t2jax.FitResult("t", "t2-beta", T2_TRUTH, 0.0, 1, True), 1e20, 2e9,
                                               n_grid=8), "n_grid must be a whole number >= 16"),
    "t2-joint on 3 checkpoints": (lambda: t2jax.fit(t2jax.synthetic_t2(sizes=[1e8, 2e8, 4e8], budgets=[2.56e19], n_samples=256,
                                                                       n_questions=8).samples, "t2-joint"),
                                  "at least 4 checkpoints"),
    "optimal at C = 1 FLOP": (lambda: CHIN.optimal(C=1.0), "less than one of either is no model"),
    "interval level": (lambda: t2jax.allocation_intervals(pd.DataFrame([T2_TRUTH]), "t2-beta", 1e20, 2e9, 0.0),
                       "level must lie"),
}
CHIN = t2jax.FitResult("given", "chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
                       0.0, 1, True)


@pytest.mark.parametrize("name", list(LIBRARY))
def test_library_bad_input_raises_t2jax_error(name):
    call, message = LIBRARY[name]
    with pytest.raises(T2JaxError) as info:
        call()
    assert message in str(info.value)


def test_query_filters_training_runs(files, capsys):
    assert main([a.format(**files) for a in RUNS] + ["--query", "N < 1e9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_points"] == int((t2jax.data.chinchilla_frame().N < 1e9).sum())


def test_deployment_allocation_with_draws_and_its_flops(tmp_path, capsys):
    rng = np.random.default_rng(0)
    draws = {k: list(v * (1 + 0.01 * rng.standard_normal(16))) for k, v in T2_TRUTH.items()}
    path = tmp_path / "fit.json"
    path.write_text(fit_json("t2-beta", T2_TRUTH, bootstrap={"draws": draws}))
    argv = ["allocate", "--fit", str(path), "--train-flops", "1e21", "--tokens-per-sample", "256",
            "--queries", "1e8", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: 1 / 0)
    assert out["train_flops"] == pytest.approx(6 * out["N"] * out["D"])
    assert out["inference_flops"] == pytest.approx(2 * out["N"] * out["k"] * 256 * 1e8)
    assert out["budgets"] == {"total_flops": 1e21}
    assert out["train_flops"] + out["inference_flops"] == pytest.approx(1e21, rel=1e-6)
    table = out["intervals"]["bootstrap"]
    assert table["N"]["lower"] <= table["N"]["median"] <= table["N"]["upper"]


def test_allocate_repeats_a_bound_warning(tmp_path, capsys):
    path = tmp_path / "fit.json"
    path.write_text(fit_json("t2-loss", T2_LOSS_PARAMS, at_bound=["beta"]))
    assert main(["allocate", "--fit", str(path), "--train-flops", "2.56e19", "--inference-flops", "2e9"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning" in err[0] and "beta at a bound" in err[0]


def test_cli_json_is_strict_everywhere():
    import ast
    import pathlib

    for path in pathlib.Path(t2jax.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("dump", "dumps") \
                    and getattr(node.func.value, "id", "") == "json":
                assert any(k.arg == "allow_nan" for k in node.keywords), f"{path}: json.{node.func.attr} without allow_nan"


@pytest.mark.slow
def test_bound_warning_is_one_line_for_people(files):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "t2jax.cli", "fit", files["counts"], "--law", "t2-loss"],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("t2jax: warning: ") for line in lines), proc.stderr
    assert any("varpro fit of law t2-loss" in line and "at a bound — " in line for line in lines)
    assert ".py:" not in proc.stderr and "return FitResult(" not in proc.stderr


@pytest.mark.parametrize("command", ["fit", "allocate", "backtest", "demo"])
def test_every_option_has_help_and_an_example(command, capsys):
    import argparse

    from t2jax.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    for action in sub._actions:
        if action.dest != "help":
            assert action.help, f"{command} {action.option_strings or action.dest} has no help"
    assert sub.epilog and f"t2jax {command}" in sub.epilog


def test_requests_that_cannot_fit_in_memory_are_refused_first(files, capsys, monkeypatch):
    monkeypatch.setenv("T2JAX_MEMORY_LIMIT_GB", "1")
    cases = [(RUNS + ["--resolution", "100000"], "use a smaller resolution"),
             (RUNS + ["--bootstrap", "2000000"], "use fewer resamples")]
    for argv, message in cases:
        assert main([a.format(**files) for a in argv]) == 2
        err = capsys.readouterr().err
        assert message in err and "GiB" in err and err.count("\n") == 1
    monkeypatch.delenv("T2JAX_MEMORY_LIMIT_GB")
    expected = 8 * 1e9 * 1000 * 3 / 2**30  # weights, draws of row indices and counts: 3 x 8 bytes per cell
    with pytest.raises(T2JaxError, match=f"needs about {expected:,.1f} GiB"):
        t2jax.uncertainty.resample.resample_weights(0, 1000, 10**9)  # never fits on any machine
