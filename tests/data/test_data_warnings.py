"""Data accepted with a word: rows that repeat exactly and runs far from every other run
are kept (never dropped silently) and named in a warning."""

import numpy as np
import pandas as pd
import pytest

import t2jax


def test_exact_repeats_are_kept_and_named():
    runs = t2jax.data.chinchilla_frame()
    doubled = pd.concat([runs, runs.iloc[[3, 7]]], ignore_index=True)
    with pytest.warns(UserWarning, match=r"2 run row\(s\) repeat an earlier row exactly, at rows 234, 235"):
        loaded = t2jax.load_runs(doubled, flops_col="C")
    assert len(loaded) == len(runs) + 2


def test_a_run_orders_of_magnitude_away_is_named():
    runs = t2jax.data.chinchilla_frame()
    tiny = pd.concat([runs, pd.DataFrame({"C": [6.0], "N": [1.0], "D": [1.0], "loss": [10.0]})], ignore_index=True)
    with pytest.warns(UserWarning, match=r"6ND at row 234 .* more than 3 orders of magnitude"):
        loaded = t2jax.load_runs(tiny, d_col="D")
    assert len(loaded) == len(runs) + 1


def test_clean_runs_load_without_a_warning(recwarn):
    t2jax.load_runs(t2jax.data.chinchilla_frame(), d_col="D")
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_tab_separated_files_read_by_extension(tmp_path):
    runs = t2jax.data.chinchilla_frame()
    path = tmp_path / "runs.tsv"
    runs.to_csv(path, sep="\t", index=False)
    assert np.array_equal(t2jax.load_runs(str(path), d_col="D").N, runs.N.to_numpy(float))
