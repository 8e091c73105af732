"""Unit depth: the shape of the code — layers, import cycles, module size.

`etl/` is domain code without Dagster; no module of `etl/` or `assets/` imports, directly or through
others (function-level imports included), a module that imports it back; no module of `etl/` is
over 600 lines.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.support.seeds import PROJECT

MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in ("etl", "assets"):
        for path in sorted((PROJECT / pkg).rglob("*.py")):
            parts = path.relative_to(PROJECT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module of ``known`` that ``path`` imports anywhere in its body (function-level too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def import_cycles() -> list[list[str]]:
    known = _modules()
    graph = {m: _imports(m, p, known) for m, p in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycle_in_etl_or_assets():
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    (tmp_path / "etl").mkdir()
    (tmp_path / "assets").mkdir()
    (tmp_path / "etl" / "a.py").write_text("def f():\n    from etl.b import g\n")
    (tmp_path / "etl" / "b.py").write_text("from etl import a\n")
    monkeypatch.setattr(sys.modules[__name__], "PROJECT", tmp_path)
    assert import_cycles() == [["etl.a", "etl.b"]]


def test_domain_code_does_not_import_dagster():
    known = _modules()
    offenders = [name for name, path in known.items() if name.startswith("etl")
                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, (ast.Import, ast.ImportFrom))
                 and any((m or "").split(".")[0] == "dagster"
                         for m in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]))]
    assert offenders == []


def test_no_module_of_etl_is_over_600_lines():
    long = {p.relative_to(PROJECT).as_posix(): n for p in sorted((PROJECT / "etl").rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
