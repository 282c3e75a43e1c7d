"""Writers in several processes wait for each other instead of failing with "database is
locked": two server processes posting jobs while `amicus fetch` imports a feed."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from pathlib import Path

import httpx
import pytest
from tortoise.transactions import in_transaction

from directory.models import Organization
from jobs.models import Job
from tests.conftest import TEST_SECRET_KEY, free_socket, uses_postgres
from tests.helpers_directory import make_organization
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, subscribe
from tests.helpers_hostile_servers import raw_server
from tests.helpers_jobs import bearer, job_input, token_secret

AMICUS = str(Path(sys.executable).with_name("amicus"))
POSTS_PER_SERVER = 60
FEED_ENTRIES = 60


@pytest.mark.skipif(uses_postgres(), reason="SQLite's locking; PostgreSQL has row locks")
async def test_a_transaction_that_reads_then_writes_waits_for_another_processes_write(
    live_server, database_url
):
    """With a plain BEGIN the read below takes a snapshot, the other connection commits, and
    the write fails at once; BEGIN IMMEDIATE waits for the lock before reading."""
    await make_organization("ipx")
    other = sqlite3.connect(
        database_url.removeprefix("sqlite://"), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE organization SET city = 'Elsewhere'")
    committed = threading.Timer(0.5, other.commit)
    committed.start()
    try:
        async with in_transaction():
            organization = await Organization.get(slug="ipx")
            organization.short_name = f"{organization.city}!"
            await organization.save(update_fields=["short_name"])
    finally:
        committed.join()
        other.close()
    saved = await Organization.get(slug="ipx")
    assert (saved.city, saved.short_name) == ("Elsewhere", "Elsewhere!")


async def wait_until_serving(url: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _attempt in range(300):
            assert process.returncode is None, "the server process ended while starting"
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


async def post_jobs(url: str, secret: str, count: int) -> list[int]:
    limits = httpx.Limits(max_connections=10)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/jobs", headers=bearer(secret), json=job_input(title=f"Post {number}")
                )
                for number in range(count)
            )
        )
    return [response.status_code for response in responses]


async def test_two_server_processes_and_a_fetch_write_at_once_without_failing(
    live_server, database_url
):
    organization = await make_organization("ipx", trusted=True)
    secret = await token_secret(organization)
    entries = [
        atom_entry(
            f"urn:test:job:{number}", f"Imported {number}", link=f"https://x.example/{number}"
        )
        for number in range(FEED_ENTRIES)
    ]
    async with raw_server({"/jobs.atom": ServedFeed(atom_feed(*entries))}) as feed_server:
        await subscribe(f"{feed_server.url}/jobs.atom")
        sockets = [free_socket(), free_socket()]
        ports = [sock.getsockname()[1] for sock in sockets]
        for sock in sockets:
            sock.close()
        env = {
            **os.environ,
            "AMICUS_DATABASE_URL": database_url,
            "AMICUS_SECRET_KEY": TEST_SECRET_KEY,
            "AMICUS_AGGREGATOR": "off",
            "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
            "AMICUS_REVIEW_POLICY": "none",
        }
        servers = []
        try:
            for port in ports:
                process = await asyncio.create_subprocess_exec(
                    AMICUS, "serve", "--host", "127.0.0.1", "--port", str(port),
                    env={**env, "AMICUS_BASE_URL": f"http://127.0.0.1:{port}"},
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )  # fmt: skip
                servers.append(process)
                await wait_until_serving(f"http://127.0.0.1:{port}", process)
            fetch = await asyncio.create_subprocess_exec(
                AMICUS, "fetch", "--all",
                env={**env, "AMICUS_BASE_URL": "http://127.0.0.1:1"},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            statuses, (fetch_out, fetch_err) = await asyncio.wait_for(
                asyncio.gather(
                    asyncio.gather(
                        *(post_jobs(f"http://127.0.0.1:{port}", secret, POSTS_PER_SERVER)
                          for port in ports)
                    ),
                    fetch.communicate(),
                ),
                timeout=300,
            )  # fmt: skip
        finally:
            for process in servers:
                if process.returncode is None:
                    process.terminate()
            server_errors = [(await process.communicate())[1] for process in servers]
    posted = [status for per_server in statuses for status in per_server]
    assert posted == [201] * (2 * POSTS_PER_SERVER), server_errors
    assert fetch.returncode == 0, fetch_err.decode()
    assert f"items imported: {FEED_ENTRIES}" in fetch_out.decode()
    assert "errors: 0" in fetch_out.decode()
    assert b"database is locked" not in b"".join(server_errors) + fetch_err
    assert await Job.filter(organization=organization).count() == 2 * POSTS_PER_SERVER
    assert await Job.filter(title__startswith="Imported").count() == FEED_ENTRIES
