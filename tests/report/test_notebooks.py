"""The notebooks run top to bottom."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    if "pythia" in path.name:  # the real-data notebook reads the shared folder (skip, or fail under CI)
        from conftest import SHARED, shared_file

        shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
        monkeypatch.setenv("T2JAX_SHARED_DATA", str(SHARED))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs and not any(o.get("output_type") == "error" for o in outputs)


def test_there_is_a_notebook():
    assert NOTEBOOKS
