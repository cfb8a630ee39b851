"""The package's import graph: one-way layers, no circles, a case layer free of scikit-fem.

Every ``import``/``from ... import`` of a ``femtbr`` module anywhere in a file (module level or
inside a function) is an edge, parsed with :mod:`ast`; a package's ``__init__`` counts as the
package.  The design note (§1, §2) asks for no import circles and for ``femtbr.case`` to know
nothing of scikit-fem.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "femtbr"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(module: str, modules: set[str]) -> str | None:
    """The longest known module that ``module`` names (``femtbr.fem.solve.x`` -> ``...solve``)."""
    parts = module.split(".")
    while parts:
        name = ".".join(parts)
        if name in modules:
            return name
        parts.pop()
    return None


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in files.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    head = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*head, *([base] if base else [])])
                # "from femtbr.case import units" imports the submodule femtbr.case.units
                targets = [f"{base}.{a.name}" for a in node.names] or [base]
            for t in targets:
                if not t.startswith("femtbr"):
                    continue
                dep = resolve(t, modules)
                if dep is not None and dep != mod:
                    graph[mod].add(dep)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_function_level_imports():
    # a known edge that exists only inside a function body must be found
    graph = import_graph()
    assert "femtbr.pipeline.runner" in graph
    assert any(d.startswith("femtbr.fem") for d in graph["femtbr.pipeline.runner"])


def test_no_import_circles_in_femtbr():
    assert cycles(import_graph()) == []


def test_a_planted_circle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_case_layer_reaches_no_fe_export_or_pipeline_code():
    """Nothing the case layer imports, directly or through other modules, at module level or
    inside functions, is finite-element, export, pipeline, sweep or CLI code."""
    graph = import_graph()
    reached: set[str] = set()
    stack = [m for m in graph if m.startswith("femtbr.case")]
    while stack:
        module = stack.pop()
        if module not in reached:
            reached.add(module)
            stack.extend(graph[module])
    upward = ("femtbr.fem", "femtbr.export", "femtbr.pipeline", "femtbr.sweep", "femtbr.cli")
    assert sorted(m for m in reached if m.startswith(upward)) == []
    assert "femtbr.geometry.base" in reached  # the walk does follow imports out of case/


def test_import_femtbr_case_loads_no_scikit_fem():
    code = (
        "import sys, femtbr.case\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('skfem', 'meshio', 'pyvista', 'scipy', 'femtbr') and m.startswith(('skfem', "
        "'meshio', 'pyvista', 'scipy', 'femtbr.fem', 'femtbr.export', 'femtbr.pipeline')))\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "[]", out.stdout
