"""Backups taken while the site writes restore into a consistent database holding every write
acknowledged before the backup began; a database migrated by a newer version is refused."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from core.database import close_database, open_database
from directory.audit import SYSTEM, record
from directory.models import AuditEvent, Organization
from tests.conftest import _postgres_admin, _with_database_name, uses_postgres
from tests.helpers_directory import make_organization

AMICUS = str(Path(sys.executable).with_name("amicus"))


@pytest.fixture
async def restore_target_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    """A second, freshly migrated database to restore into."""
    if uses_postgres():
        name = f"amicus_restore_{os.getpid()}_{tmp_path.name[-12:].replace('-', '_')}"
        await _postgres_admin(f"CREATE DATABASE {name} TEMPLATE {migrated_template}")
        yield _with_database_name(os.environ["AMICUS_TEST_DATABASE_URL"], name)
        await _postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = tmp_path / "restored.sqlite3"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite://{path}"


async def amicus(database_url: str, *arguments: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        AMICUS,
        *arguments,
        env={**os.environ, "AMICUS_DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def write_organization_with_audit(number: int) -> None:
    """One write transaction: an organization and the audit record of its creation."""
    async with in_transaction():
        organization = await make_organization(f"writer-{number}")
        await record(SYSTEM, "create", "organization", organization.id, to_state="active")


async def test_a_backup_taken_while_writers_write_restores_every_acknowledged_write(
    database_url: str, restore_target_url: str, tmp_path: Path
):
    backup_file = tmp_path / "amicus.backup"
    await open_database(database_url)
    acknowledged: list[str] = []
    try:
        for number in range(20):
            await write_organization_with_audit(number)
            acknowledged.append(f"writer-{number}")
        backup = asyncio.create_task(amicus(database_url, "backup", str(backup_file)))
        before_backup = list(acknowledged)
        number = len(acknowledged)
        while not backup.done():  # keep writing for as long as the backup runs
            await write_organization_with_audit(number)
            acknowledged.append(f"writer-{number}")
            number += 1
        status, output = await backup
        assert status == 0, output
    finally:
        await close_database()
    assert len(acknowledged) > len(before_backup), "no write happened during the backup"

    status, output = await amicus(restore_target_url, "restore", str(backup_file))
    assert status == 0, output
    assert "integrity check passed" in output

    await open_database(restore_target_url)
    try:
        restored = [o.slug for o in await Organization.all().order_by("id")]
        audited = set(await AuditEvent.all().values_list("subject_id", flat=True))
        ids = set(await Organization.all().values_list("id", flat=True))
        # Every write acknowledged before the backup began is there ...
        assert restored[: len(before_backup)] == before_backup
        # ... and the snapshot is of one moment: a prefix of the writes, each whole.
        assert restored == acknowledged[: len(restored)]
        assert audited == ids
    finally:
        await close_database()


async def test_a_restore_into_a_database_holding_data_is_refused(
    database_url: str, restore_target_url: str, tmp_path: Path
):
    backup_file = tmp_path / "amicus.backup"
    status, output = await amicus(database_url, "backup", str(backup_file))
    assert status == 0, output
    await open_database(restore_target_url)
    try:
        await make_organization("already-here")
    finally:
        await close_database()
    status, output = await amicus(restore_target_url, "restore", str(backup_file))
    assert status == 1
    assert "not empty" in output and "organization" in output
    await open_database(restore_target_url)
    try:
        assert await Organization.all().values_list("slug", flat=True) == ["already-here"]
    finally:
        await close_database()


async def test_a_backup_of_the_other_database_is_refused_by_restore(
    restore_target_url: str, tmp_path: Path
):
    wrong = tmp_path / "wrong.backup"
    wrong.write_bytes(b"PGDMP" if not uses_postgres() else b"SQLite format 3\x00")
    status, output = await amicus(restore_target_url, "restore", str(wrong))
    assert status == 1
    assert "is not a" in output


async def test_serve_refuses_a_database_migrated_by_a_newer_version(database_url: str):
    await open_database(database_url)
    try:
        await connections.get("default").execute_query(
            "INSERT INTO tortoise_migrations (app, name, applied_at) "
            "VALUES ('directory', '0099_from_a_newer_release', '2030-01-01 00:00:00+00:00')"
        )
    finally:
        await close_database()
    for command in (["serve", "--port", "0"], ["migrate"]):
        status, output = await amicus(database_url, *command)
        assert status == 2, output
        assert "newer version of Amicus" in output
        assert "directory.0099_from_a_newer_release" in output
