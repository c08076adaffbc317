"""The package layout is the data path: checks on imgkit's own imports (function-level imports included).

import-linter's layers contract (``pyproject.toml``, run by ``lint-imports`` in ``.ci/run``) keeps lower
layers from importing higher ones; these tests add what it does not check:

* no module imports the package root ``imgkit`` (the version comes from ``imgkit._version``);
* no name that starts with ``_`` is imported from another module;
* a subpackage's private modules (``imgkit.io._sources``) are imported only inside that subpackage;
  other layers use the subpackage's ``__init__`` (its ``__all__``);
* there are no import cycles between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import imgkit

PACKAGE = Path(imgkit.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py") if p.name != "conftest.py"}


def _imports(module: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, imported module, imported name or None) for every import in `module`, absolute or relative."""
    path = MODULES[module]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                yield node.lineno, target, alias.name


def _subpackage(module: str) -> str:
    """The subpackage a module belongs to: 'imgkit.io' for imgkit.io._fast, 'imgkit' for top-level modules."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return ".".join(parts[:2])
    return "imgkit"


def _edges() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {m: set() for m in MODULES}
    for m in MODULES:
        for _, target, name in _imports(m):
            if not target.startswith("imgkit"):
                continue
            full = f"{target}.{name}" if name else target
            out[m].add(full if full in MODULES else target)
    return out


def test_no_module_imports_the_package_root():
    offenders = [
        f"{m}:{line}" for m in MODULES if m != "imgkit" for line, target, _ in _imports(m) if target == "imgkit"
    ]
    assert offenders == []


def test_no_private_name_crosses_a_module():
    offenders = [
        f"{m}:{line} {target}.{name}"
        for m in MODULES
        for line, target, name in _imports(m)
        if target.startswith("imgkit")
        and name
        and name.startswith("_")
        and not name.startswith("__")
        and f"{target}.{name}" not in MODULES
    ]
    assert offenders == []


def test_private_modules_stay_inside_their_subpackage():
    offenders = []
    for m in MODULES:
        for line, target, name in _imports(m):
            full = f"{target}.{name}" if name and f"{target}.{name}" in MODULES else target
            if not full.startswith("imgkit.") or full not in MODULES:
                continue
            owner = _subpackage(full)
            private = any(part.startswith("_") for part in full.split(".")[2 if owner != "imgkit" else 1 :])
            if private and owner != "imgkit" and _subpackage(m) != owner:
                offenders.append(f"{m}:{line} imports {full}")
    assert offenders == []


def test_no_import_cycles():
    graph = _edges()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt] if nxt in stack else [node, nxt])
            elif not state.get(nxt):
                visit(nxt, stack + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if not state.get(start):
            visit(start, [start])
    # a subpackage's __init__ importing its own modules, which import siblings through it, is not a cycle of code
    real = [c for c in cycles if not any(_subpackage(a) == a and b.startswith(a + ".") for a, b in zip(c, c[1:]))]
    assert real == []


@pytest.mark.parametrize(
    "subpackage", sorted(m for m in MODULES if (PACKAGE / m.split(".")[-1]).is_dir() and m.count(".") == 1)
)
def test_every_subpackage_has_a_thin_init_with_all(subpackage):
    init = MODULES[subpackage]
    tree = ast.parse(init.read_text(encoding="utf-8"))
    kinds = {type(n).__name__ for n in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Import", "Assign"}, kinds  # docstring, imports, __all__ only
    module = __import__(subpackage, fromlist=["__all__"])
    assert isinstance(module.__all__, list) and module.__all__
