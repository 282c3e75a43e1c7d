"""Dependencies point one way (feeds, alerts -> jobs -> directory -> mail -> core; within feeds, websub may
use publish and aggregate, which use neither): what each package's docstring says it may
import is all it imports when it runs, at module level or inside a function. A cycle, once
back, fails here by name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

# package -> the application packages it must never import.
FORBIDDEN = {
    "core": (
        *("mail", "directory", "hsds", "jobs", "alerts", "activitypub", "feeds"),
        *("operations", "app", "cli"),
    ),
    # E-mail: the outbox that directory, jobs and alerts write to in their own transactions.
    "mail": (
        "directory",
        "hsds",
        "jobs",
        "alerts",
        "activitypub",
        "feeds",
        "operations",
        "app",
        "cli",
    ),
    "directory": ("hsds", "jobs", "alerts", "activitypub", "feeds", "operations", "app", "cli"),
    # Open Referral HSDS: the directory spoken in another shape.
    "hsds": ("jobs", "alerts", "activitypub", "feeds", "operations", "app", "cli"),
    "jobs": ("hsds", "alerts", "activitypub", "feeds", "operations", "app", "cli"),
    # Job alerts: saved searches e-mailed.
    "alerts": ("hsds", "activitypub", "feeds", "operations", "app", "cli"),
    # The fediverse: jobs as posts of actors.
    "activitypub": ("hsds", "alerts", "feeds", "operations", "app", "cli"),
    "feeds/publish": (
        *("feeds.aggregate", "feeds.websub", "alerts", "activitypub", "operations", "app", "cli"),
    ),
    "feeds/aggregate": (
        *("feeds.publish", "feeds.websub", "alerts", "activitypub", "operations", "app", "cli"),
    ),
    "feeds/websub": ("alerts", "activitypub", "operations", "app", "cli"),
    # Running an instance (backups, export) may use every domain package.
    "operations": ("app", "cli"),
}


def imported_modules(path: Path) -> set[str]:
    """Modules imported when the file runs (imports for type checkers only are left out)."""
    names: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        pending.extend(ast.iter_child_nodes(node))
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_it_may(package: str):
    wrong = []
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in imported_modules(path):
            if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN[package]):
                wrong.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
    assert wrong == []
