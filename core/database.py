"""Tortoise ORM configuration, migrations and connectivity checks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.recorder import MigrationRecorder

# The domain packages that own models, in dependency order (feeds, alerts, activitypub ->
# jobs -> directory -> mail).
MODEL_APPS = ("directory", "jobs", "feeds", "mail", "alerts", "activitypub")
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
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crashed or killed
    # process loses nothing committed and the file is never corrupted; only a power cut or
    # an OS crash may take back the last commits. FULL's fsync per commit made every small
    # transaction (an alert's mail, a session touch) wait for the disk.
    query.setdefault("synchronous", "NORMAL")
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


class SchemaTooNew(RuntimeError):
    """The database has migrations this version of Amicus does not know: a newer release
    migrated it, and running this one against it could corrupt data."""

    def __init__(self, unknown: list[str]):
        self.unknown = unknown
        super().__init__(
            "The database was migrated by a newer version of Amicus (migrations unknown to "
            f"this version: {', '.join(unknown)}). Run the newer version, or restore a backup "
            "taken before the upgrade (see docs/production.md, Upgrades)."
        )


@dataclass(frozen=True)
class SchemaState:
    """How the database's applied migrations compare with the ones this code has."""

    pending: list[str]
    unknown: list[str]


async def schema_state() -> SchemaState:
    """Compare the open default connection's migration records with the migrations on disk."""
    apps = tortoise_config("sqlite://:memory:")["apps"]
    recorder = MigrationRecorder(connections.get("default"))
    loader = MigrationLoader(apps, recorder)
    loader.load_disk()
    known = {f"{key.app_label}.{key.name}" for key in loader.disk_migrations}
    applied = {f"{key.app_label}.{key.name}" for key in await recorder.applied_migrations()}
    return SchemaState(pending=sorted(known - applied), unknown=sorted(applied - known))


async def refuse_newer_schema(database_url: str) -> None:
    """Raise SchemaTooNew when the database has migrations this code does not know."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        unknown = (await schema_state()).unknown
    finally:
        await Tortoise.close_connections()
    if unknown:
        raise SchemaTooNew(unknown)


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to date; safe to run on every start. A database migrated by a
    newer version is refused (SchemaTooNew) before anything is changed."""
    await refuse_newer_schema(database_url)
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
