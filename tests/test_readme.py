"""The README's Python examples run as written, using only names from ``import t2jax``."""

import pytest
import ast
import re
from pathlib import Path

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


@pytest.mark.slow
def test_readme_examples_run(tmp_path, monkeypatch):
    import warnings

    import t2jax

    monkeypatch.chdir(tmp_path)
    namespace = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", t2jax.FitWarning)
            for block in _blocks():
                exec(compile(block, str(README), "exec"), namespace)
    finally:
        t2jax.LAWS.pop("kaplan-n", None)
    assert namespace["best"].accuracy > namespace["best"].baseline["accuracy"]
    assert namespace["boot"].n_failed == 0
    assert set(namespace["t2_boot"].draws.columns) >= set(t2jax.T2_LOSS.params)
