"""The package's shape: stages import only earlier stages, no private names cross modules,
modules stay short, the CLI only parses and dispatches, and one place lists the laws."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "t2jax"
STAGES = ["data", "laws", "fitting", "uncertainty", "allocation", "calibration", "report"]


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("t2jax"):
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("t2jax"):
                    yield a.name, []


def test_stages_import_only_earlier_stages():
    for path in _modules():
        rel = path.relative_to(PACKAGE).parts
        if len(rel) < 2 or rel[0] not in STAGES:
            continue
        here = STAGES.index(rel[0])
        for module, _ in _imports(path):
            parts = module.split(".")
            if len(parts) > 1 and parts[1] in STAGES:
                assert STAGES.index(parts[1]) <= here, f"{path.relative_to(PACKAGE)} imports {module}"


def test_no_private_name_crosses_a_module():
    for path in _modules():
        for module, names in _imports(path):
            assert not module.split(".")[-1].startswith("_"), f"{path.name} imports {module}"
            assert not [n for n in names if n.startswith("_")], f"{path.name} imports {names} from {module}"


def test_modules_are_short():
    for path in _modules():
        assert len(path.read_text().splitlines()) <= 300, path


def test_cli_is_parsing_and_dispatch():
    """The CLI holds no domain rules: it calls the public API and the backtest helpers only."""
    allowed = {"t2jax", "t2jax.cache", "t2jax.data", "t2jax.errors", "t2jax.laws.registry", "t2jax.fitting.backtest",
               "t2jax.report.demo", "t2jax.report.study", "t2jax.report.text", "t2jax.report.arguments", "t2jax.validate",
               "t2jax.progress", "t2jax.report.allocate", "t2jax.report.calibrate"}
    for module, _ in _imports(PACKAGE / "cli.py"):
        assert module in allowed, module


def test_one_place_lists_the_laws():
    literal = re.compile(r"""["']t2-loss["']\s*,\s*["']t2-beta["']""")
    offenders = [p.relative_to(PACKAGE) for p in _modules() if literal.search(p.read_text())]
    assert offenders == [], offenders
