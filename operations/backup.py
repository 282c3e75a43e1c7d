"""Consistent backups of a running instance and restores into an empty one.

SQLite: the online backup API copies a snapshot while the site keeps writing (a reader in WAL
mode blocks no writer). PostgreSQL: pg_dump's custom format, a snapshot of one transaction,
restored with pg_restore. Everything else an instance needs lives in its settings (the
AMICUS_* environment, above all AMICUS_SECRET_KEY), which a backup does not hold."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from tortoise import connections

from core.database import (
    close_database,
    connection_config,
    dialect,
    open_database,
    schema_state,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


# Tables whose migrations insert their one row: holding it still counts as empty.
SEEDED_BY_MIGRATIONS = frozenset({"job_data_generation"})


class OperationError(RuntimeError):
    """What an operator must fix before a backup or restore can go ahead."""


def sqlite_path(database_url: str) -> Path:
    return Path(connection_config(database_url)["credentials"]["file_path"])


def _postgres_environment(database_url: str) -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore: the password stays off the command
    line, where every user of the machine could read it."""
    credentials: dict[str, Any] = connection_config(database_url)["credentials"]
    environment = dict(os.environ)
    environment.update(
        PGHOST=str(credentials.get("host") or "127.0.0.1"),
        PGPORT=str(credentials.get("port") or 5432),
        PGUSER=str(credentials.get("user") or ""),
        PGDATABASE=str(credentials["database"]),
    )
    if credentials.get("password"):
        environment["PGPASSWORD"] = str(credentials["password"])
    return environment


async def _run(program: str, *arguments: str, environment: dict[str, str]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise OperationError(
            f"{program} is not installed; install the PostgreSQL client of the server's version."
        )
    process = await asyncio.create_subprocess_exec(
        executable,
        *arguments,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        raise OperationError(f"{program} failed: {errors.decode(errors='replace').strip()}")


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API: one step, under one
    read snapshot, so the copy is what the database held at one moment."""
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()


def _backup_sqlite(source: Path, file: Path) -> None:
    """Copy beside the target, then rename: a crash never leaves a half backup under its name."""
    if not source.exists():
        raise OperationError(f"There is no database at {source}.")
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy_sqlite(source, partial)
    partial.replace(file)


async def backup(database_url: str, file: Path) -> None:
    """Write a consistent snapshot of the database to `file`, while the site runs."""
    if database_url.startswith("sqlite:"):
        await asyncio.to_thread(_backup_sqlite, sqlite_path(database_url), file)
        return
    await _run(
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={file}",
        environment=_postgres_environment(database_url),
    )


async def _rows_in_use(database_url: str) -> list[str]:
    """The model tables of the database that hold rows (none: it is empty or just migrated)."""
    from tortoise import Tortoise

    await open_database(database_url)
    try:
        used = []
        for app in Tortoise.apps.values():
            for model in app.values():
                table = model._meta.db_table
                if table not in SEEDED_BY_MIGRATIONS and await model.exists():
                    used.append(table)
        return sorted(used)
    except Exception:  # no tables at all: an empty database
        return []
    finally:
        await close_database()


def _file_head(file: Path) -> bytes:
    """The first bytes of a backup, which say which database wrote it."""
    if not file.is_file():
        raise OperationError(f"There is no backup at {file}.")
    with file.open("rb") as opened:
        return opened.read(len(SQLITE_MAGIC))


async def restore(database_url: str, file: Path) -> list[str]:
    """Load the backup `file` into the (empty or freshly migrated) database, then check it;
    returns the problems the check found (none when all is well)."""
    head = await asyncio.to_thread(_file_head, file)
    sqlite_target = database_url.startswith("sqlite:")
    if sqlite_target and not head.startswith(SQLITE_MAGIC):
        raise OperationError(f"{file} is not a SQLite backup; restore it into PostgreSQL.")
    if not sqlite_target and not head.startswith(PG_DUMP_MAGIC):
        raise OperationError(f"{file} is not a PostgreSQL backup (pg_dump custom format).")
    in_use = await _rows_in_use(database_url)
    if in_use:
        raise OperationError(
            "The database is not empty (rows in " + ", ".join(in_use) + "); restore into a "
            "new database, or one just created with `amicus migrate`."
        )
    if sqlite_target:
        await asyncio.to_thread(_copy_sqlite, file, sqlite_path(database_url))
    else:
        await _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_postgres_environment(database_url)['PGDATABASE']}",
            str(file),
            environment=_postgres_environment(database_url),
        )
    return await integrity_problems(database_url)


async def integrity_problems(database_url: str) -> list[str]:
    """What is wrong with the database's structure: corrupt pages, references to missing
    rows, constraints not validated, migrations this code does not know."""
    await open_database(database_url)
    try:
        connection = connections.get("default")
        problems = []
        if dialect() == "sqlite":
            _, rows = await connection.execute_query("PRAGMA integrity_check")
            problems += [f"integrity: {row[0]}" for row in rows if row[0] != "ok"]
            _, rows = await connection.execute_query("PRAGMA foreign_key_check")
            problems += [f"{row[0]} row {row[1]} refers to a missing {row[2]}" for row in rows]
        else:
            _, rows = await connection.execute_query(
                "SELECT conrelid::regclass::text AS tab, conname FROM pg_constraint "
                "WHERE NOT convalidated"
            )
            problems += [f"constraint {row['conname']} on {row['tab']} not valid" for row in rows]
        state = await schema_state()
        if state.unknown:
            problems.append(
                "migrations unknown to this version (the backup is from a newer one): "
                + ", ".join(state.unknown)
            )
        return problems
    finally:
        await close_database()
