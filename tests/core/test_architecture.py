"""The shape of the house: layers that point one way, no import cycles, rooms of a livable size.

The import graph is read from the source (every import, also those inside
functions), one node per package of ``ki_match`` (``ki_match.requests``) or
module at its top (``ki_match.db``). ``ki_match/__init__.py`` (the app factory)
and ``ki_match/models.py`` (the whole schema, for Alembic) put everything
together, so they sit above all. CONTRIBUTING.md draws the same layers.
"""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import ki_match

PACKAGE = Path(ki_match.__file__).parent
APP = "(app)"

# Bottom to top. A node may import from its own layer and the layers below it, never above.
LAYERS: list[set[str]] = [
    # foundation: settings, time, the database, access policies, htmx, events, reference data, audit, outbox
    {"config", "clock", "digits", "db", "extensions", "security", "urls", "htmx", "access", "events"},
    {"core", "orgs", "reference", "audit", "outbox"},
    {"accounts"},
    {"helpers", "profile", "standby"},
    {"requests"},
    {"matching"},
    {"assignments", "offers", "training", "tomorrow"},
    {"initiatives"},
    {"notifications"},
    {"desk", "home", "reports", "statements", "privacy", "calendar", "directory", "admin", "installation"},
    {APP, "devtools", "demo", "bench"},
]
RANK = {node: rank for rank, layer in enumerate(LAYERS) for node in layer}
# Longer than this needs a reason in the module's docstring ("Why so long: …").
MODULE_LINES = 500
FUNCTION_LINES = 80


def _node(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or module == "ki_match.models":
        return APP
    return parts[1]


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path, module: str) -> set[str]:
    """Every ``ki_match`` module this file imports, wherever in the file the import stands."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            # ``from ki_match import create_app`` imports the app factory: the package itself.
            found.add(name)
    return {name for name in found if name == "ki_match" or name.startswith("ki_match.")}


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = _module_name(path)
        source = _node(module)
        graph[source]  # every node appears, also one that imports nothing of ours
        for target in map(_node, _imported(path, module)):
            if target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_packages():
    assert cycles(import_graph()) == []


def test_every_package_has_a_layer():
    assert set(import_graph()) - set(RANK) == set(), "add the new package to LAYERS (and to CONTRIBUTING.md)"


def test_imports_point_down():
    graph = import_graph()
    upward = sorted(
        f"{source} (layer {RANK[source]}) imports {target} (layer {RANK[target]})"
        for source, targets in graph.items()
        for target in targets
        if RANK.get(target, 0) > RANK.get(source, 0)
    )
    assert upward == []


def test_the_checks_see_a_cycle_and_an_upward_import():
    """The two tests above can fail: a made-up graph with both faults is caught."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert RANK["requests"] < RANK["offers"]  # so requests importing offers would be reported


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def test_modules_stay_small_or_say_why():
    long = sorted(
        f"{path.relative_to(PACKAGE.parent)}: {lines} lines"
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
        and "Why so long:" not in _docstring(path)
    )
    assert long == []


def test_functions_stay_short():
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES:
                    long.append(
                        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}: {lines} lines"
                    )
    assert sorted(long) == []


def test_every_form_derives_from_the_base_form():
    """So every form cleans its text and stops checks on unreadable input (ki_match/core/forms.py)."""
    from flask_wtf import FlaskForm

    from ki_match.core.forms import BaseForm

    for path in PACKAGE.rglob("*.py"):
        importlib.import_module(_module_name(path))
    forms, pending = set(), [FlaskForm]
    while pending:
        for form in pending.pop().__subclasses__():
            forms.add(form)
            pending.append(form)
    ours = {form for form in forms if form.__module__.startswith("ki_match.")}
    assert len(ours) > 30
    assert (
        sorted(f"{form.__module__}.{form.__name__}" for form in ours if not issubclass(form, BaseForm)) == []
    )
