"""Tortoise ORM configuration, migrations and connectivity checks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

# The domain packages that own models, in dependency order (feeds, activitypub -> jobs ->
# directory).
MODEL_APPS = ("directory", "jobs", "feeds", "activitypub")
SQLITE_BUSY_TIMEOUT_MS = 10_000


def connection_url(database_url: str) -> str:
    """The URL Tortoise connects with: SQLite gets a busy timeout and its folder created."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        return database_url
    path = (parts.netloc + parts.path) if parts.netloc else parts.path
    if path not in ("", ":memory:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    query = dict(parse_qsl(parts.query))
    # Concurrent writers wait for the lock instead of failing with "database is locked".
    query.setdefault("busy_timeout", str(SQLITE_BUSY_TIMEOUT_MS))
    query.setdefault("journal_mode", "WAL")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def connection_config(database_url: str) -> dict[str, Any]:
    """The connection as Tortoise takes it; SQLite uses core.sqlite_backend's transactions."""
    config = expand_db_url(connection_url(database_url))
    if config["engine"] == "tortoise.backends.sqlite":
        config["engine"] = "core.sqlite_backend"
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            label: {
                "models": [f"{label}.models"],
                "migrations": f"{label}.migrations",
                "default_connection": "default",
            }
            for label in MODEL_APPS
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to date; safe to run on every start."""
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def open_database(database_url: str) -> None:
    """Connect, and connect each model package's signal listeners: a package's models module
    may define connect_signals(), called here rather than when it is imported, so that every
    process that opens the database (app, command line, scripts) has them, and importing a
    module does nothing."""
    # The global fallback lets request tasks see the connection opened in the lifespan task.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    for label in MODEL_APPS:
        connect_signals = getattr(import_module(f"{label}.models"), "connect_signals", None)
        if connect_signals is not None:
            connect_signals()


async def close_database() -> None:
    await Tortoise.close_connections()


def dialect() -> str:
    """'sqlite' or 'postgres': the few places that write SQL by hand branch on it."""
    return connections.get("default").capabilities.dialect


async def database_problem() -> str | None:
    """None when the database answers a query, else what went wrong."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as error:  # any driver error means "not reachable" to an operator
        return f"{type(error).__name__}: {error}"
    return None


async def lock_names(names: Iterable[str]) -> None:
    """Hold a lock on each name until the current transaction ends, so that two transactions
    about to create the same rows (by a unique key) take turns instead of both finding none
    and one failing on the constraint. PostgreSQL only: SQLite runs one write transaction at
    a time already. Taken in one order, so two transactions cannot wait on each other."""
    if dialect() != "postgres":
        return
    keys = sorted({_lock_key(name) for name in names})
    if keys:
        # The sorted subquery feeds the lock calls in its order.
        await connections.get("default").execute_query(
            "SELECT count(pg_advisory_xact_lock(key)) "
            "FROM (SELECT unnest($1::bigint[]) AS key ORDER BY key) AS keys",
            [keys],
        )


def _lock_key(name: str) -> int:
    """A stable 64-bit signed key for a name, the same in every process."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
