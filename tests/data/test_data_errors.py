"""Bad input: one T2JaxError naming the column and the first offending rows, from the
library and from the CLI (one line on stderr, non-zero exit, no traceback)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from t2jax import T2JaxError, approach3, isoflop, load_runs, varpro
from t2jax.cli import main


def good_frame(n=12):
    rng = np.random.default_rng(0)
    N = np.geomspace(1e7, 1e9, n)
    D = np.geomspace(1e9, 1e11, n)[rng.permutation(n)]
    return pd.DataFrame({"N": N, "D": D, "C": 6 * N * D, "loss": 2 + 400 * N**-0.3 + 400 * D**-0.3})


def broken(column, row, value):
    frame = good_frame()
    frame[column] = frame[column].astype(object) if isinstance(value, str) else frame[column]
    frame.loc[row, column] = value
    return frame


CASES = [
    ("missing column", good_frame().drop(columns="loss"), {}, r"column 'loss' is missing"),
    ("NaN", broken("loss", 3, np.nan), {}, r"column 'loss' has NaN or infinite values at row 3"),
    ("inf", broken("D", 5, np.inf), {}, r"column 'D' has NaN or infinite values at row 5"),
    ("N <= 0", broken("N", 2, 0.0), {}, r"column 'N' must be > 0; bad values at row 2"),
    ("D < 0", broken("D", 4, -1.0), {}, r"column 'D' must be > 0; bad values at row 4"),
    ("C <= 0", broken("C", 7, -5.0), {"flops_col": "C"}, r"column 'C' must be > 0; bad values at row 7"),
    ("loss <= 0", broken("loss", 0, 0.0), {}, r"column 'loss' must be > 0; bad values at row 0"),
    ("text", broken("N", 6, "big"), {}, r"column 'N' has non-numeric values at row 6"),
    ("constant", good_frame().assign(D=1e10), {}, r"column 'D' is constant"),
    ("both token columns", good_frame(), {"d_col": "D", "flops_col": "C"}, r"either a tokens column"),
    ("empty", good_frame().iloc[:0], {}, r"no rows"),
]


@pytest.mark.parametrize("name,frame,kw,message", CASES, ids=[c[0] for c in CASES])
def test_library_errors(name, frame, kw, message):
    with pytest.raises(T2JaxError, match=message):
        load_runs(frame, **kw)


def test_duplicate_column():
    frame = good_frame()
    frame = pd.concat([frame, frame[["loss"]]], axis=1)
    with pytest.raises(T2JaxError, match=r"column 'loss' appears more than once"):
        load_runs(frame)


def test_many_bad_rows_are_counted():
    frame = good_frame()
    frame.loc[[1, 2, 3, 4, 5, 6, 8], "loss"] = -1.0
    with pytest.raises(T2JaxError, match=r"rows 1, 2, 3, 4, 5, \.\.\. \(7 in all\)"):
        load_runs(frame)


@pytest.mark.parametrize("fitter", [approach3, varpro])
def test_too_few_points(fitter):
    runs = load_runs(good_frame(4))
    with pytest.raises(T2JaxError, match=r"at least 5 runs to fit 5 parameters; got 4"):
        fitter(runs)


def test_isoflop_needs_budgets():
    with pytest.raises(T2JaxError, match="needs a budget column"):
        isoflop(load_runs(good_frame()))


def test_isoflop_needs_two_curves():
    frame = good_frame().assign(budget=1e19)
    with pytest.raises(T2JaxError, match="at least 2 budgets"):
        isoflop(load_runs(frame, budget_col="budget"))


def test_missing_file():
    with pytest.raises(T2JaxError, match="no such file"):
        load_runs("/nonexistent/runs.csv")


@pytest.mark.parametrize("name,frame,kw,message", CASES[:9], ids=[c[0] for c in CASES[:9]])
def test_cli_errors(tmp_path, capsys, name, frame, kw, message):
    path = tmp_path / "runs.csv"
    frame.to_csv(path, index=False)
    argv = ["fit", str(path)] + (["--flops-col", kw["flops_col"]] if "flops_col" in kw else [])
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("t2jax: error:")
    assert pytest.importorskip("re").search(message, err[0])


def test_cli_error_has_no_traceback(tmp_path):
    path = tmp_path / "runs.csv"
    broken("loss", 3, np.nan).to_csv(path, index=False)
    proc = subprocess.run([sys.executable, "-m", "t2jax.cli", "fit", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("t2jax: error: column 'loss' has NaN or infinite values at row 3 "
                                   "(data rows counted from 0)")


def test_parquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "runs.parquet"
    good_frame().to_parquet(path)
    runs = load_runs(path, flops_col="C")
    np.testing.assert_allclose(runs.D, good_frame()["D"], rtol=1e-12)


def test_query_that_is_not_a_row_filter():
    from t2jax.data.runs import filter_rows

    frame = pd.DataFrame({"N": [1e8, 2e8, 4e8], "D": [1e9, 2e9, 4e9]})
    with pytest.raises(T2JaxError, match="must be a row filter"):
        filter_rows(frame, "1")  # pandas returns row 1 as a Series: not a filter
    with pytest.raises(T2JaxError, match="no rows match"):
        filter_rows(frame, "N > 1e9")
    assert len(filter_rows(frame, "N > 1.5e8")) == 2
