"""The progress display: steps with elapsed time and time left on standard error when
shown, nothing under --quiet or when not asked for off a terminal."""

import json

from t2jax import progress
from t2jax.cli import main
from t2jax.progress import Steps, blocks, showing


def test_steps_show_their_count_time_and_time_left(capsys):
    with showing(True):
        steps = Steps(3, "job")
        for name in ("a", "b", "c"):
            steps.next(name)
        steps.close()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("job [1/3] a · 0:00 elapsed") and "left" not in err[0]
    assert err[1].startswith("job [2/3] b") and err[1].endswith("left")  # an estimate once a step is done
    assert err[-1].startswith("job: 3 step(s) in ")


def test_blocks_report_their_share_to_the_showing_steps(capsys):
    with showing(True):
        with Steps(1, "job", even=False) as steps:
            steps.next("refits")
            assert list(blocks([1, 2, 3, 4], "refits")) == [1, 2, 3, 4]
            assert steps.share == 1.0
    err = capsys.readouterr().err
    assert "refits 25% · " in err and "refits 75% · " in err and " left" in err
    assert progress._current is None


def test_nothing_shown_when_off(capsys):
    with showing(False):
        with Steps(2) as steps:
            steps.next("a")
            steps.next("b")
    assert capsys.readouterr().err == ""


def test_cli_shows_progress_unless_quiet(monkeypatch, capsys):
    monkeypatch.setenv("T2JAX_PROGRESS", "on")
    import t2jax

    runs = t2jax.data.chinchilla_frame()
    path = "runs_progress.csv"
    monkeypatch.chdir(__import__("tempfile").mkdtemp())
    runs.to_csv(path, index=False)
    assert main(["fit", path, "--json"]) == 0
    out = capsys.readouterr()
    assert "t2jax fit [1/1] fitting chinchilla" in out.err and json.loads(out.out)["law"] == "chinchilla"
    assert main(["fit", path, "--json", "--quiet"]) == 0
    assert "elapsed" not in capsys.readouterr().err
