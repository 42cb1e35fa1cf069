"""The pass@k table every T² fitter, the backtest, the demo and the CLI share."""

import numpy as np
import pytest

import t2jax
from t2jax import T2JaxError


def _samples():
    c = np.array([[0, 0, 0], [1, 0, 4], [8, 8, 8], [3, 2, 0]], float)
    n = np.full_like(c, 8.0)
    return t2jax.Samples(N=np.array([1e7, 2e7, 4e7, 8e7]), D=np.array([1e9, 2e9, 4e9, 8e9]), n=n, c=c,
                         checkpoints=np.array(["a", "b", "c", "d"]), problems=np.arange(3))


def test_table_drops_unsolved_and_tabulates_once():
    table = t2jax.pass_k_table(_samples())
    assert table.dropped == ("a",)
    np.testing.assert_array_equal(table.ks, [1, 2, 4, 8])
    np.testing.assert_allclose(table.accuracy, t2jax.observed_pass_at_k(table.samples, table.ks))
    np.testing.assert_allclose(table.column(1.0), [5 / 24, 1.0, 5 / 24])
    with pytest.raises(T2JaxError, match="k = 3 is not among"):
        table.column(3.0)


def test_task_runs_leave_out_certain_cells_and_count_them():
    table = t2jax.pass_k_table(_samples())
    runs = table.task_runs()
    assert table.n_certain_cells == int((table.accuracy >= 1).sum()) > 0
    assert len(runs) == table.accuracy.size - table.n_certain_cells
    assert set(runs.group) == {"b", "d"}  # every cell of 'c' has pass@k = 1


def test_fit_reports_dropped_checkpoints_and_ks():
    bed = t2jax.synthetic_t2(n_samples=64, n_questions=32, seed=1)
    fit = t2jax.fit(bed.samples, "t2-loss")
    table = t2jax.pass_k_table(bed.samples)
    assert fit.extras["dropped_checkpoints"] == list(table.dropped)
    assert fit.extras["ks"] == table.ks.tolist()
    same = t2jax.fit(table, "t2-loss")
    assert same.params == fit.params


def test_nothing_solved_is_an_error():
    s = _samples()
    none = t2jax.Samples(s.N, s.D, s.n, np.zeros_like(s.c), s.checkpoints, s.problems)
    with pytest.raises(T2JaxError, match="no checkpoint solved any problem"):
        t2jax.pass_k_table(none)
