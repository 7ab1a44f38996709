"""The code's layering, checked on the source: no import cycles among the app's modules, and no
command-line wording inside ``analytics`` (front ends word an error's ``option`` their own way).

import-linter (``./dev test``) holds the layers; these two checks need no contract to be written
for each new module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other (strongly connected components of two or more),
    by Tarjan's algorithm written out, so the check does not depend on the code it checks."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return groups


def test_cycles_are_found() -> None:
    """The cycle finder itself, on a graph with one cycle of three and a tail."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    """No module of analytics, gui or cli imports itself back through others, counting imports
    inside functions (only imports for type checkers are left out, as import-linter does)."""
    graph = grimp.build_graph("analytics", "gui", "cli", exclude_type_checking_imports=True)
    edges = {m: graph.find_modules_directly_imported_by(m) & graph.modules for m in graph.modules}
    assert _cycles(edges) == []


def test_analytics_speaks_no_command_line() -> None:
    """No message text in analytics names a flag such as ``--id-col``: errors carry the option's
    field name and the CLI or the GUI words it (docstrings and comments may mention flags)."""
    found = []
    for path in sorted((ROOT / "analytics").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and id(node) not in docstrings else None
            if isinstance(text, str) and FLAG.search(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    assert found == []
