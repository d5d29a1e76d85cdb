"""The package layout follows the data flow, and the imports prove it (read from the AST).

read -> harmonise -> compute -> write -> push/release: a module may import the foundation
and earlier stages, never a later one; the registry and the release do not know each other;
no two modules import each other, even lazily inside a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sdmx_tools"

# The stage of each top-level module or package of sdmx_tools; a later stage may import an
# earlier one. A name missing here fails the test: a new module must say where it stands.
STAGES: dict[str, int] = {
    # what every stage stands on
    "": 0, "errors": 0, "report": 0, "tomlspec": 0, "fsutil": 0, "workspace": 0,
    "vocabulary": 0,
    # the data flow
    "territory": 1, "ingest": 2, "compute": 3, "exchange": 4, "registry": 5, "release": 5,
    # orchestration: wires the stages
    "pipeline": 6, "publish": 6, "scaffold": 6, "demo": 6, "cli": 6, "commands": 6,
}
MAX_ROOT_MODULES = 10
# The package root hands out the notebook API (``sdmx_tools.open_workspace``) through a
# PEP 562 ``__getattr__``: the one import of orchestration by the foundation, made on first
# use, so it neither loads the stages on ``import sdmx_tools`` nor closes a cycle.
FACADE = {("sdmx_tools", "sdmx_tools.pipeline.session")}
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = ["sdmx_tools", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The sdmx_tools modules ``name`` imports anywhere in its body (lazy imports too)."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from pkg import sub`` imports the submodule; otherwise the module itself.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {d for d in _imports(name, path, modules) if (name, d) not in FACADE}
            for name, path in modules.items()}


def _stage_key(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def layering_violations(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports of a later stage, or between the two last stages' packages."""
    problems = []
    for src, targets in sorted(graph.items()):
        for dst in sorted(targets):
            a, b = _stage_key(src), _stage_key(dst)
            if a not in STAGES or b not in STAGES:
                problems.append(f"{src} -> {dst}: {a or b!r} has no stage in STAGES")
            elif a != b and STAGES[b] >= STAGES[a] and STAGES[a] not in (0, 6):
                problems.append(f"{src} imports {dst} (stage {STAGES[b]} >= {STAGES[a]})")
            elif STAGES[a] == 0 and STAGES[b] > 0:
                problems.append(f"{src} (foundation) imports {dst} (stage {STAGES[b]})")
    return problems


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_reaches_a_later_stage() -> None:
    assert layering_violations(_graph()) == []


def test_no_import_cycle_between_modules() -> None:
    assert import_cycles(_graph()) == []


def test_every_package_and_root_module_has_a_stage() -> None:
    assert {_stage_key(m) for m in _modules()} <= set(STAGES)


def test_root_holds_only_foundation_and_orchestration() -> None:
    root = sorted(p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(root) <= MAX_ROOT_MODULES, root
    assert all(STAGES[name] in (0, 6) for name in root), root


def test_no_module_is_over_the_size_guideline() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in _modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


def test_each_stage_package_says_what_it_takes_and_hands_on() -> None:
    for package in ("territory", "ingest", "compute", "exchange", "registry", "release",
                    "vocabulary"):
        doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
        assert doc and len(doc.split()) >= 20, package


# The checks themselves must be able to fail.


@pytest.mark.parametrize(("graph", "expected"), [
    ({"sdmx_tools.ingest.spec": {"sdmx_tools.compute.cube"}}, "stage 3 >= 2"),
    ({"sdmx_tools.compute.cube": {"sdmx_tools.registry.store"}}, "stage 5 >= 3"),
    ({"sdmx_tools.exchange.sdmxml": {"sdmx_tools.release.render"}}, "stage 5 >= 4"),
    ({"sdmx_tools.registry.store": {"sdmx_tools.release.model"}}, "stage 5 >= 5"),
    ({"sdmx_tools.workspace": {"sdmx_tools.registry"}}, "(foundation) imports"),
    ({"sdmx_tools.newthing": {"sdmx_tools.errors"}}, "has no stage"),
])
def test_layering_check_reports_a_backward_import(graph: dict[str, set[str]],
                                                  expected: str) -> None:
    (problem,) = layering_violations(graph)
    assert expected in problem


def test_cycle_check_finds_a_lazy_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_lazy_and_relative_imports_are_read(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from .store import X\n    import sdmx_tools.errors\n")
    known = {"sdmx_tools.registry.store", "sdmx_tools.errors", "sdmx_tools.registry.mod"}
    assert _imports("sdmx_tools.registry.mod", source, known) == {
        "sdmx_tools.registry.store", "sdmx_tools.errors"}
