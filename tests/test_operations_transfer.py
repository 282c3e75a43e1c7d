"""`amicus export` writes every row as versioned JSON Lines and `amicus import` loads it into an
empty instance: the round trip, also SQLite -> PostgreSQL -> SQLite, gives identical exports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.database import close_database, open_database
from directory.audit import SYSTEM, record
from directory.models import Account
from tests.conftest import TEST_DATABASE_URL, _postgres_admin, _with_database_name, uses_postgres
from tests.helpers_directory import make_account
from tests.test_operations_backup import amicus, restore_target_url  # noqa: F401 (fixture)


async def populated(database_url: str) -> None:
    """The demo network, plus an account, its audit trail and a password hash to keep out."""
    status, output = await amicus(database_url, "demo")
    assert status == 0, output
    await open_database(database_url)
    try:
        account = await make_account("owner@example.org")
        await record(SYSTEM, "create", "account", account.id, to_state="active")
    finally:
        await close_database()


async def export_text(database_url: str, path: Path, *options: str) -> str:
    status, output = await amicus(database_url, "export", str(path), *options)
    assert status == 0, output
    return path.read_text(encoding="utf-8")  # noqa: ASYNC240 (a small file, in a test)


async def import_file(database_url: str, path: Path) -> None:
    status, output = await amicus(database_url, "import", str(path))
    assert status == 0, output


async def test_an_export_imported_into_an_empty_instance_exports_the_same(
    database_url: str,
    restore_target_url: str,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
):
    await populated(database_url)
    first = await export_text(database_url, tmp_path / "first.jsonl")
    await import_file(restore_target_url, tmp_path / "first.jsonl")
    second = await export_text(restore_target_url, tmp_path / "second.jsonl")
    assert second == first

    lines = [json.loads(line) for line in first.splitlines()]
    assert lines[0]["format"] == "amicus-export" and lines[0]["version"] == 1
    tables = {line["table"] for line in lines[1:]}
    assert {"organization", "account", "job", "audit_event"} <= tables
    accounts = [line["row"] for line in lines[1:] if line["table"] == "account"]
    assert accounts and all(row["password_hash"] == "" for row in accounts)


async def test_password_hashes_are_exported_only_when_asked(database_url: str, tmp_path: Path):
    await populated(database_url)
    text = await export_text(database_url, tmp_path / "all.jsonl", "--with-password-hashes")
    await open_database(database_url)
    try:
        stored = (await Account.get(email="owner@example.org")).password_hash
    finally:
        await close_database()
    assert stored and stored in text


async def test_an_import_into_a_database_holding_data_is_refused_and_changes_nothing(
    database_url: str, tmp_path: Path
):
    await populated(database_url)
    text = await export_text(database_url, tmp_path / "first.jsonl")
    status, output = await amicus(database_url, "import", str(tmp_path / "first.jsonl"))
    assert status == 1 and "not empty" in output
    assert await export_text(database_url, tmp_path / "again.jsonl") == text


async def test_sqlite_to_postgresql_to_sqlite_gives_identical_exports(
    migrated_template: str, tmp_path: Path
):
    if not uses_postgres():
        # The suite runs once per database; this test belongs to the PostgreSQL run.
        pytest.skip("runs when the suite runs on PostgreSQL (AMICUS_TEST_DATABASE_URL)")
    sqlite_source = f"sqlite://{tmp_path / 'source.sqlite3'}"
    sqlite_again = f"sqlite://{tmp_path / 'again.sqlite3'}"
    name = f"amicus_transfer_{os.getpid()}"
    await _postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await _postgres_admin(f"CREATE DATABASE {name} TEMPLATE {migrated_template}")
    postgres = _with_database_name(TEST_DATABASE_URL, name)
    try:
        await populated(sqlite_source)
        from_sqlite = await export_text(sqlite_source, tmp_path / "from_sqlite.jsonl")
        await import_file(postgres, tmp_path / "from_sqlite.jsonl")
        from_postgres = await export_text(postgres, tmp_path / "from_postgres.jsonl")
        await import_file(sqlite_again, tmp_path / "from_postgres.jsonl")
        again = await export_text(sqlite_again, tmp_path / "again.jsonl")
    finally:
        await _postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert from_postgres == from_sqlite
    assert again == from_sqlite
