"""The shape of the package, checked from its source: the registry is the only dispatch
table, imports form no circle, families import only the core, the data layer and lower
families, and modules stay short."""

import ast
from pathlib import Path

import t2jax
from t2jax.families import ORDER
from t2jax.laws.registry import BUILTIN

PACKAGE = Path(t2jax.__file__).parent
MAX_LINES = 300
#: What a family may import besides the data layer, t2jax.laws and lower families.
CORE = {"t2jax.errors", "t2jax.validate", "t2jax.precision", "t2jax.programs"} | {
    f"t2jax.fitting.{m}" for m in ("engine", "grid", "newton", "nnls", "problem", "result", "extrapolation",
                                   "betabinom")} | {
    f"t2jax.uncertainty.{m}" for m in ("batched", "resample", "intervals", "nuts", "results", "derived")}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text())


NAMES = {name for name, _, _ in modules()}


def imported(tree):
    """Every t2jax module a module imports (at any depth of its code)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("t2jax"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in NAMES else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("t2jax"))


def test_no_dispatch_on_family_or_law_names_outside_the_registry():
    offences = []
    for name, path, tree in modules():
        if name.startswith("t2jax.families") or name == "t2jax.laws.registry":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "family" for s in sides):
                offences.append(f"{path.name}:{node.lineno} compares a family")
            if any(isinstance(s, ast.Constant) and s.value in BUILTIN for s in sides):
                offences.append(f"{path.name}:{node.lineno} compares with a law name")
    assert not offences, offences


def test_imports_form_no_circle():
    graph = {name: {m for m in imported(tree) if m in NAMES and m != name} for name, _, tree in modules()}
    graph = {k: {m for m in v if not k.startswith(m + ".")} for k, v in graph.items()}  # a package's own init
    index, low, stack, on, circles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v), on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = set()
            while True:
                w = stack.pop()
                on.discard(w), part.add(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, circles


def test_families_import_only_the_core_data_and_lower_families():
    offences = []
    for name, path, tree in modules():
        if not name.startswith("t2jax.families."):
            continue
        own = ORDER.index(name.split(".")[2])
        allowed = lambda m: (m in CORE or m.startswith(("t2jax.data", "t2jax.laws")) or m == "t2jax"
                             or (m.startswith("t2jax.families.") and ORDER.index(m.split(".")[2]) <= own))
        offences += [f"{name} imports {m}" for m in imported(tree) if not allowed(m)]
    assert not offences, offences


def test_the_core_never_imports_a_family():
    core = ("t2jax.data", "t2jax.laws", "t2jax.fitting", "t2jax.uncertainty")
    offences = [f"{name} imports {m}" for name, _, tree in modules() if name.startswith(core)
                for m in imported(tree) if m.startswith("t2jax.families")]
    assert not offences, offences


def test_modules_are_short():
    long = {str(path.relative_to(PACKAGE)): n for _, path, _ in modules()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_every_law_belongs_to_a_registered_family_with_a_fit():
    for law in t2jax.LAWS.values():
        family = t2jax.family_of(law)
        assert {"fit_runs", "fit_counts"} & set(family.stages()), law.name
        assert family.objective, family.name
