"""The development tools stay apart from production: nothing outside ``ki_match.devtools``
imports them, and Flask's CLI finds their commands through the package's entry points."""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import ki_match
from ki_match.devtools.commands import bench_command, demo_command

PACKAGE = Path(ki_match.__file__).parent
DEVTOOLS = PACKAGE / "devtools"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_production_module_imports_the_devtools():
    offenders = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name for name in imported_modules(path) if name.startswith("ki_match.devtools")
        )
        for path in PACKAGE.rglob("*.py")
        if DEVTOOLS not in path.parents
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_app_does_not_register_the_development_commands(app):
    assert "demo" not in app.cli.commands
    assert "bench" not in app.cli.commands


def test_flask_finds_the_development_commands_through_their_entry_points():
    """``pip install -e .`` (``make install``) writes these from pyproject.toml; reinstall after changing it."""
    commands = {entry.name: entry.load() for entry in metadata.entry_points(group="flask.commands")}
    assert commands.get("demo") is demo_command
    assert commands.get("bench") is bench_command
