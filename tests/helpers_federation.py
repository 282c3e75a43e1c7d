"""Shared set-ups for aggregation tests: feeds served on loopback, subscriptions, passes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx

from core.settings import PROJECT_ROOT, Settings
from feeds.aggregate.passes import PassSummary, run_pass
from feeds.models import FeedSubscription, SubscriptionKind
from tests.conftest import (
    TEST_DATABASE_URL,
    TEST_SECRET_KEY,
    _postgres_admin,
    _with_database_name,
    free_socket,
    uses_postgres,
)
from tests.helpers_hostile_servers import RawRequest, send


class ServedFeed:
    """A feed document a test can change; answers 304 to a matching If-None-Match."""

    def __init__(self, body: bytes, content_type: str = "application/atom+xml"):
        self.body = body
        self.content_type = content_type

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    async def __call__(self, request: RawRequest, writer: asyncio.StreamWriter) -> None:
        if request.headers.get("if-none-match") == self.etag:
            await send(writer, 304, headers={"ETag": self.etag})
            return
        headers = {"Content-Type": self.content_type, "ETag": self.etag}
        await send(writer, 200, self.body, headers)


def atom_entry(
    entry_id: str,
    title: str,
    *,
    link: str = "",
    summary: str = "",
    updated: str = "2026-11-01T10:00:00Z",
    categories: tuple[str, ...] = (),
) -> str:
    parts = [
        f"<id>{escape(entry_id)}</id>",
        f"<title>{escape(title)}</title>",
        f"<updated>{updated}</updated>",
    ]
    if link:
        parts.append(f'<link rel="alternate" href="{escape(link)}"/>')
    if summary:
        parts.append(f'<summary type="html">{escape(summary)}</summary>')
    parts += [f'<category term="{escape(term)}"/>' for term in categories]
    return "<entry>" + "".join(parts) + "</entry>"


def atom_feed(*entries: str, title: str = "Careers", extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:fh="http://purl.org/syndication/history/1.0" '
        'xmlns:at="http://purl.org/atompub/tombstones/1.0">'
        f"<id>urn:test:feed</id><title>{escape(title)}</title>"
        f"<updated>2026-11-01T10:00:00Z</updated>{extra}{''.join(entries)}</feed>"
    ).encode()


async def subscribe(
    url: str,
    *,
    name: str = "Sister Network",
    network: str = "Red Inocente",
    kind: SubscriptionKind = SubscriptionKind.JOBS,
) -> FeedSubscription:
    """A subscription stored directly (adding through the checks is tested on its own)."""
    return await FeedSubscription.create(url=url, name=name, network=network, kind=kind)


async def make_due(*subscriptions: FeedSubscription) -> None:
    ids = [subscription.id for subscription in subscriptions]
    await FeedSubscription.filter(id__in=ids).update(next_poll_at=None)


async def fetch_now(settings: Settings, **kwargs) -> PassSummary:
    return await run_pass(settings, **kwargs)


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


_LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
_EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def active_content(path: str, body: str) -> list[str]:
    """Script, event handlers and javascript: URLs in a page or feed (the page's own JSON-LD
    block is data; it must not be able to end its script element early)."""
    found = []
    if path.endswith(".json"):
        items = json.loads(body).get("items", [])
        texts = [str(item.get(key, "")) for item in items for key in ("content_html", "summary")]
        body = "\n".join(texts)
    for block in _LD_JSON.findall(body):
        if "<" in block:
            found.append(f"{path}: markup inside the JSON-LD block")
    lowered = _LD_JSON.sub("", body).lower()
    if "<script" in lowered:
        found.append(f"{path}: <script")
    if _EVENT_HANDLER.search(lowered):
        found.append(f"{path}: event handler attribute")
    if "javascript:" in lowered:
        found.append(f"{path}: javascript: URL")
    return found


# --- sister instances: Amicus in processes of their own, each with its own database -----------


async def copy_database(template: str, directory: Path, name: str) -> str:
    """A new migrated database copied from the session's template; its URL."""
    if uses_postgres():
        database = f"amicus_{name}_{os.getpid()}_{secrets.token_hex(4)}"
        await _postgres_admin(f"CREATE DATABASE {database} TEMPLATE {template}")
        return _with_database_name(TEST_DATABASE_URL, database)
    path = directory / f"{name}.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite://{path}"


async def drop_database(url: str) -> None:
    if uses_postgres():
        await _postgres_admin(f"DROP DATABASE IF EXISTS {urlsplit(url).path[1:]} WITH (FORCE)")


class SisterInstance:
    """Another Amicus: `uvicorn --factory app:create_app` in a subprocess, driven over HTTP and its command line."""

    def __init__(self, name: str, database_url: str, network: str):
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.name = name
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {
            **os.environ,
            "AMICUS_DATABASE_URL": database_url,
            "AMICUS_BASE_URL": self.url,
            "AMICUS_SECRET_KEY": TEST_SECRET_KEY,
            "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
            "AMICUS_AGGREGATOR": "off",
            "AMICUS_NETWORK_NAME": network,
        }
        self.process: asyncio.subprocess.Process | None = None

    async def command(self, *args: str) -> tuple[int, str]:
        """Run `amicus ARGS` against this instance's database; exit code and output."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli",
            *args,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        return process.returncode or 0, output.decode()

    async def count_rows(self, table: str) -> int:
        """Rows in one of this instance's tables, read straight from its database."""
        query = f"SELECT COUNT(*) FROM {table}"
        if uses_postgres():
            address = self.database_url.replace("postgres://", "postgresql://", 1)
            connection = await asyncpg.connect(address)
            try:
                return int(await connection.fetchval(query))
            finally:
                await connection.close()
        with sqlite3.connect(self.database_url.removeprefix("sqlite://")) as connection:
            return int(connection.execute(query).fetchone()[0])

    async def execute(self, statement: str) -> None:
        """One SQL statement on this instance's database (to set up data no page edits)."""
        if uses_postgres():
            address = self.database_url.replace("postgres://", "postgresql://", 1)
            connection = await asyncpg.connect(address)
            try:
                await connection.execute(statement)
            finally:
                await connection.close()
            return
        with sqlite3.connect(self.database_url.removeprefix("sqlite://")) as connection:
            connection.execute(statement)

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            cwd=PROJECT_ROOT,
            env=self.env,
        )
        async with httpx.AsyncClient() as client:
            for _attempt in range(400):
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"instance {self.name} did not start")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
