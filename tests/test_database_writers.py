"""Writers in several processes wait for each other instead of failing with "database is
locked": two server processes posting jobs while `amicus fetch` imports a feed; and each
server's search finds every one of those writes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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
# What the search of every process must find within, after the last commit: the index worker's
# round (jobs.search.fulltext.KEEP_IN_STEP_SECONDS) and applying a batch, with room for a
# machine busy with other work; the bound itself is measured, not asserted.
VISIBLE_WITHIN_SECONDS = 10.0


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


async def post_jobs(url: str, secret: str, count: int, title: str) -> list[int]:
    limits = httpx.Limits(max_connections=10)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/jobs", headers=bearer(secret), json=job_input(title=f"{title} {number}")
                )
                for number in range(count)
            )
        )
    return [response.status_code for response in responses]


def app_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "AMICUS_DATABASE_URL": database_url,
        "AMICUS_SECRET_KEY": TEST_SECRET_KEY,
        "AMICUS_AGGREGATOR": "off",
        "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
        "AMICUS_REVIEW_POLICY": "none",
    }


@dataclass
class AppProcesses:
    urls: list[str]
    # Filled when the processes have ended: what each wrote to its standard error.
    errors: list[bytes] = field(default_factory=list)


@asynccontextmanager
async def app_processes(database_url: str, count: int = 2) -> AsyncIterator[AppProcesses]:
    """`amicus serve` in `count` processes of their own on one database, each answering."""
    sockets = [free_socket() for _ in range(count)]
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    served = AppProcesses([f"http://127.0.0.1:{port}" for port in ports])
    servers = []
    try:
        for port, url in zip(ports, served.urls, strict=True):
            process = await asyncio.create_subprocess_exec(
                AMICUS, "serve", "--host", "127.0.0.1", "--port", str(port),
                env={**app_environment(database_url), "AMICUS_BASE_URL": url},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            servers.append(process)
            await wait_until_serving(url, process)
        yield served
    finally:
        for process in servers:
            if process.returncode is None:
                process.terminate()
        served.errors[:] = [(await process.communicate())[1] for process in servers]


async def fetch_all(database_url: str) -> tuple[int, str, str]:
    """`amicus fetch --all` run to its end: its exit status, output and errors."""
    fetch = await asyncio.create_subprocess_exec(
        AMICUS, "fetch", "--all",
        env={**app_environment(database_url), "AMICUS_BASE_URL": "http://127.0.0.1:1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, errors = await fetch.communicate()
    assert fetch.returncode is not None
    return fetch.returncode, output.decode(), errors.decode()


def imported_entries(prefix: str) -> dict[str, ServedFeed]:
    entries = [
        atom_entry(
            f"urn:test:job:{number}", f"{prefix} {number}", link=f"https://x.example/{number}"
        )
        for number in range(FEED_ENTRIES)
    ]
    return {"/jobs.atom": ServedFeed(atom_feed(*entries))}


async def test_two_server_processes_and_a_fetch_write_at_once_without_failing(
    live_server, database_url
):
    organization = await make_organization("ipx", trusted=True)
    secret = await token_secret(organization)
    async with raw_server(imported_entries("Imported")) as feed_server:
        await subscribe(f"{feed_server.url}/jobs.atom")
        async with app_processes(database_url) as served:
            statuses, (fetched, fetch_out, fetch_err) = await asyncio.wait_for(
                asyncio.gather(
                    asyncio.gather(
                        *(post_jobs(url, secret, POSTS_PER_SERVER, "Post") for url in served.urls)
                    ),
                    fetch_all(database_url),
                ),
                timeout=300,
            )
    posted = [status for per_server in statuses for status in per_server]
    assert posted == [201] * (2 * POSTS_PER_SERVER), served.errors
    assert fetched == 0, fetch_err
    assert f"items imported: {FEED_ENTRIES}" in fetch_out
    assert "errors: 0" in fetch_out
    assert "database is locked" not in b"".join(served.errors).decode() + fetch_err
    assert await Job.filter(organization=organization).count() == 2 * POSTS_PER_SERVER
    assert await Job.filter(title__startswith="Imported").count() == FEED_ENTRIES


async def search_total(client: httpx.AsyncClient, url: str, words: str) -> int:
    response = await client.get(f"{url}/api/jobs", params={"q": words})
    assert response.status_code == 200, response.text
    return response.json()["total"]


async def search_while_writing(urls: list[str], writing: asyncio.Future) -> int:
    """Search every process over and over until the writes are done: the searches made."""
    made = 0
    async with httpx.AsyncClient(timeout=60) as client:
        while not writing.done():
            for url in urls:
                await search_total(client, url, "paralegal")
                made += 1
            await asyncio.sleep(0.05)
    return made


async def totals_once_in_step(urls: list[str], expected: dict[str, int]) -> dict[str, dict]:
    """What each process's search counts for each word, as soon as every count is the one
    expected or the bound between a commit and its visibility in search has passed."""
    # The bound: a round of the index worker plus the time to apply a batch and reopen.
    deadline = asyncio.get_running_loop().time() + VISIBLE_WITHIN_SECONDS
    async with httpx.AsyncClient(timeout=60) as client:
        while True:
            totals = {
                url: {words: await search_total(client, url, words) for words in expected}
                for url in urls
            }
            in_step = all(found == expected for found in totals.values())
            if in_step or asyncio.get_running_loop().time() > deadline:
                return totals
            await asyncio.sleep(0.05)


async def test_every_write_of_two_servers_and_a_fetch_is_found_by_every_servers_search(
    live_server, database_url
):
    """The search index is kept in step through the database's change log: what two server
    processes and `amicus fetch` write at once, each server's search finds, and none is lost,
    while the servers search between the writes (readers reopen as writers commit)."""
    organization = await make_organization("ipx", trusted=True)
    secret = await token_secret(organization)
    async with raw_server(imported_entries("Investigator")) as feed_server:
        await subscribe(f"{feed_server.url}/jobs.atom")
        async with app_processes(database_url) as served:
            writing = asyncio.gather(
                asyncio.gather(
                    *(post_jobs(url, secret, POSTS_PER_SERVER, "Paralegal") for url in served.urls)
                ),
                fetch_all(database_url),
            )
            searches, (statuses, (fetched, fetch_out, fetch_err)) = await asyncio.wait_for(
                asyncio.gather(search_while_writing(served.urls, writing), writing), timeout=300
            )
            expected = {"paralegal": 2 * POSTS_PER_SERVER, "investigator": FEED_ENTRIES}
            totals = await totals_once_in_step(served.urls, expected)
    assert [status for per_server in statuses for status in per_server] == [201] * (
        2 * POSTS_PER_SERVER
    ), served.errors
    assert fetched == 0, fetch_err
    assert f"items imported: {FEED_ENTRIES}" in fetch_out
    assert searches > 0
    assert totals == {url: expected for url in served.urls}, served.errors
