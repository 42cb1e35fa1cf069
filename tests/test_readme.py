"""The README's Python examples run as written, using only names from ``import t2jax``."""

import ast
import re
import sys
from pathlib import Path

import pytest

from background import job, needs, run, succeeded

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_examples_import_only_t2jax():
    blocks = _blocks()
    assert len(blocks) >= 4
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom):
                raise AssertionError(f"README imports from {node.module}: use 'import t2jax' names")
            if isinstance(node, ast.Import):
                assert {a.name for a in node.names} <= {"t2jax", "numpy"}, ast.unparse(node)


def run_examples():
    """Run the README's blocks in order in one namespace (in a process of their own: a
    block registers a law), then check what they computed."""
    import warnings

    import t2jax

    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", t2jax.FitWarning)
        for block in _blocks():
            exec(compile(block, str(README), "exec"), namespace)
    bed, t2, best = namespace["bed"], namespace["t2"], namespace["best"]
    assert t2.converged and not t2.at_bound  # T² Approach 2 on the README's study is a clean fit
    truth = t2jax.allocate(t2jax.FitResult("varpro", "t2-beta", bed.truth, 0.0, 0, True), 2.56e19, 2e9)
    assert best.N == pytest.approx(truth.N, rel=0.05) and best.k == pytest.approx(truth.k, rel=0.05)
    assert abs(bed.true_accuracy(best.N, best.D, best.k) - best.accuracy) < 0.02
    assert namespace["beta_boot"].n_failed == 0
    assert best.accuracy > best.baseline["accuracy"]
    assert namespace["boot"].n_failed == 0
    approach1, t2_loss = namespace["approach1"], t2jax.fit(namespace["samples"], "t2-loss")
    for name, value in t2_loss.params.items():  # the aggregate table's fit is the counts' fit
        assert approach1.params[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
    assert set(namespace["t2_boot"].draws.columns) >= set(t2jax.T2_LOSS.params)
    choice = namespace["choice"]  # the decision across laws: the minimax choice is no worse than a law's own
    assert choice.worst_regret["minimax"] <= choice.worst_regret[["t2-beta", "t2-loss"]].min()
    assert set(namespace["weights"]["weights"]) == {"t2-beta", "t2-loss"}
    print("the README's examples hold")


@job(cost=90, warm=True)
def readme_examples(folder):
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_readme; test_readme.run_examples()"
    return run([sys.executable, "-c", code], cwd=folder, timeout=1200)


@pytest.mark.slow
@needs(readme_examples)
def test_readme_examples_run():
    done = readme_examples.result()
    assert succeeded(done).endswith("the README's examples hold")
