"""The notebooks run top to bottom (each in a kernel started beside the test process)."""

import os
import sys
from pathlib import Path

import nbformat
import pytest

from background import job, needs, run, succeeded

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[3]}}).execute()
finally:
    nbformat.write(nb, sys.argv[2])
"""
COST = {"pythia_gsm8k.ipynb": 50}


def _execute(path):
    """A job running one notebook; the executed notebook (outputs kept) is what it returns."""

    def executed(folder):
        env = dict(os.environ)
        if "pythia" in path.name:  # the real-data notebook reads the shared folder (skip, or fail under CI)
            from conftest import SHARED, shared_file

            shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
            env["T2JAX_SHARED_DATA"] = str(SHARED)
        out = folder / path.name
        done = run([sys.executable, "-c", EXECUTE, str(path), str(out), str(path.parent)], env=env, timeout=900)
        return done, (nbformat.read(out, as_version=4) if out.exists() else None)

    executed.__name__ = f"executed_{path.stem}"
    return job(cost=COST.get(path.name, 10), warm=True)(executed)


JOBS = {path.name: _execute(path) for path in NOTEBOOKS}


@pytest.mark.slow
@pytest.mark.parametrize("path", [pytest.param(p, marks=needs(JOBS[p.name]), id=p.name) for p in NOTEBOOKS])
def test_notebook_runs(path):
    done, nb = JOBS[path.name].result()
    succeeded(done)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs and not any(o.get("output_type") == "error" for o in outputs)


def test_there_is_a_notebook():
    assert NOTEBOOKS
