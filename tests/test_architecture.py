"""Imports go one way: each part of ghee imports only the parts below it (docs/architecture.md).

Every import counts: at module level, inside a function, or for type checking
only. Parts on the same level do not import each other, so no cycle can form.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "ghee"

LEVELS = {
    # the vocabulary every layer shares (``__init__``: the version)
    "__init__": 0,
    "errors": 0,
    "clock": 0,
    "config": 0,
    # storage, and public ids
    "ids": 1,
    "db": 1,
    # the domain: rules over the tables, nothing of HTTP
    "core": 2,
    # what builds on the domain
    "analytics": 3,
    "delivery": 3,
    "http": 3,
    "demo": 3,
    # talking to the outside world
    "integrations": 4,
    # what the outside world talks to
    "dialects": 5,
    "dashboard": 5,
    "ops": 5,
    "worker": 5,
    "openapi": 5,
    "reference": 5,
    # the process: the app and the command
    "app": 6,
    "cli": 6,
    "__main__": 7,
}


def _part(dotted: str) -> str:
    """The part of ghee a module belongs to: ``ghee.core.builds`` -> ``core``; the demo's modules are one part."""
    name = dotted.split(".")[1]
    return "demo" if name.startswith("demo") else name


def _imports(src: Path, path: Path) -> list[str]:
    """Every ``ghee`` module ``path`` imports (``from ghee import ids`` counts as ``ghee.ids``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("ghee.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "ghee":
                found += [
                    f"ghee.{alias.name}" if _is_module(src, alias.name) else "ghee.__init__" for alias in node.names
                ]
            elif node.module.startswith("ghee."):
                found.append(node.module)
    return found


def _is_module(src: Path, name: str) -> bool:
    return (src / f"{name}.py").exists() or (src / name / "__init__.py").exists()


def _wrong_way(src: Path) -> list[str]:
    """``importer -> imported`` for every import that does not go to a lower level."""
    wrong = []
    for path in sorted(src.rglob("*.py")):
        importer = "ghee." + ".".join(path.relative_to(src).with_suffix("").parts)
        part = _part(importer)
        for imported in _imports(src, path):
            other = _part(imported)
            if other != part and LEVELS[other] >= LEVELS[part]:
                wrong.append(f"{importer} -> {imported} ({part} is level {LEVELS[part]}, {other} {LEVELS[other]})")
    return wrong


def test_every_part_of_ghee_has_a_level() -> None:
    parts = {_part("ghee." + p.stem) for p in SRC.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert parts == set(LEVELS)


def test_imports_go_only_to_lower_levels() -> None:
    assert _wrong_way(SRC) == []


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("core/builds/reports.py", "from ghee.http.errors import Problem"),
        ("db/reads.py", "from ghee.core import projects"),
        ("ids.py", "from ghee.core.errors import NotFound"),
        ("core/builds/synced.py", "from ghee.analytics import metrics"),
        ("delivery/dispatcher.py", "from ghee.worker import WorkerContext"),
        ("http/observe.py", "from ghee.ops.metrics import HttpMetrics"),
        ("config.py", "from ghee.delivery.settings import DeliverySettings"),
    ],
)
def test_an_import_the_wrong_way_is_caught(tmp_path: Path, module: str, line: str) -> None:
    copy = tmp_path / "ghee"
    for path in SRC.rglob("*.py"):
        target = copy / path.relative_to(SRC)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    changed = copy / module
    changed.write_text(changed.read_text() + f"\n\ndef _wrong() -> None:\n    {line}  # noqa\n")
    assert len(_wrong_way(copy)) == 1
