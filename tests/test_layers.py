"""The package's shape, checked: the import-linter layer contracts in pyproject.toml hold, no module
imports itself through a circle, and the core imports project modules only at module top (imports in a
function body hide dependencies and loops; the command line is the one exception, so that ``--help``
answers without loading torch)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("lcr", "data_tools")
#: Modules allowed to import project modules inside functions, and why.
LAZY_OK = {"lcr.cli": "entry point: --help must not load torch"}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _project_imports(node: ast.AST, modules: dict[str, ast.Module]) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        names = []
        if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
            names = [sub.module, *(f"{sub.module}.{a.name}" for a in sub.names)]
        elif isinstance(sub, ast.Import):
            names = [a.name for a in sub.names]
        found |= {n for n in names if n in modules and n.split(".")[0] in PACKAGES}
    return found


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_no_import_circle():
    modules = _modules()
    graph = {name: _project_imports(tree, modules) - {name} for name, tree in modules.items()}
    # a package's __init__ re-exporting its modules is not a circle through those modules
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError("import circle: " + " -> ".join([*stack[stack.index(d):], d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_core_imports_project_modules_at_module_top_only():
    modules = _modules()
    offenders = []
    for name, tree in modules.items():
        if name in LAZY_OK:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                offenders += [f"{name}.{node.name} imports {m}" for m in sorted(_project_imports(node, modules))]
    assert not offenders, offenders
