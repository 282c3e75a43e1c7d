"""Test harness: a fresh, migrated database per test and the app served over real HTTP.

The backend comes from AMICUS_TEST_DATABASE_URL: unset means SQLite files in a temporary
folder; a postgres:// URL names a server on which each test gets a database of its own,
copied from a migrated template and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from app import create_app
from core.database import apply_migrations
from core.settings import Settings
from jobs.search.fulltext import SearchIndexes

TEST_DATABASE_URL = os.environ.get("AMICUS_TEST_DATABASE_URL", "")
TEST_SECRET_KEY = "test-secret-key-not-for-production"
_counter = itertools.count()


def uses_postgres() -> bool:
    return TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))


def _with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _postgres_admin(sql: str) -> None:
    connection = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session", autouse=True)
def search_index_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Search indexes in a temporary folder: test servers' settings name it (server_settings),
    and processes started by tests find it in their environment."""
    folder = tmp_path_factory.mktemp("search-indexes")
    previous = os.environ.get("AMICUS_INDEX_DIR")
    os.environ["AMICUS_INDEX_DIR"] = str(folder)
    yield folder
    if previous is None:
        del os.environ["AMICUS_INDEX_DIR"]
    else:
        os.environ["AMICUS_INDEX_DIR"] = previous


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that each test's database is copied from."""
    if uses_postgres():
        name = f"amicus_template_{os.getpid()}"
        asyncio.run(_postgres_admin(f"DROP DATABASE IF EXISTS {name}"))
        asyncio.run(_postgres_admin(f"CREATE DATABASE {name}"))
        url = _with_database_name(TEST_DATABASE_URL, name)
        asyncio.run(apply_migrations(url))
        yield name
        asyncio.run(_postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        asyncio.run(apply_migrations(f"sqlite://{path}"))
        yield str(path)


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    if uses_postgres():
        name = f"amicus_test_{os.getpid()}_{next(_counter)}"
        await _postgres_admin(f"CREATE DATABASE {name} TEMPLATE {migrated_template}")
        yield _with_database_name(TEST_DATABASE_URL, name)
        await _postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = tmp_path / "amicus.sqlite3"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite://{path}"


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class LiveServer:
    url: str
    settings: Settings
    server: uvicorn.Server

    @property
    def app(self) -> Starlette:
        """The application served, whose app.state holds its caches."""
        return self.server.config.app


@pytest.fixture
def server_socket() -> Iterator[socket.socket]:
    sock = free_socket()
    yield sock
    sock.close()


@pytest.fixture
def settings(database_url: str, server_socket: socket.socket, tmp_path: Path) -> Settings:
    return server_settings(database_url, server_socket, tmp_path)


def server_settings(database_url: str, server_socket: socket.socket, folder: Path) -> Settings:
    """The settings of a test server on this socket and database; its development mail is
    written under `folder`, never into the project."""
    port = server_socket.getsockname()[1]
    return Settings(
        database_url=database_url,
        mail_dir=str(folder / "mail"),
        base_url=f"http://127.0.0.1:{port}",
        secret_key=TEST_SECRET_KEY,
        allow_private_addresses=True,
        aggregator_enabled=False,
        # The session's folder (search_index_folder).
        index_dir=os.environ["AMICUS_INDEX_DIR"],
    )


async def start_server(
    settings: Settings, sock: socket.socket
) -> tuple[uvicorn.Server, asyncio.Task]:
    config = uvicorn.Config(create_app(settings), lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the test server stopped while starting")
        await asyncio.sleep(0.005)
    return server, task


async def stop_server(server: uvicorn.Server, task: asyncio.Task) -> None:
    server.should_exit = True
    await task


@pytest.fixture
async def live_server(
    settings: Settings, server_socket: socket.socket
) -> AsyncIterator[LiveServer]:
    """The app under uvicorn on a loopback port; its lifespan opens the test database."""
    server, task = await start_server(settings, server_socket)
    yield LiveServer(url=settings.base_url, settings=settings, server=server)
    await stop_server(server, task)


@pytest.fixture
def search_indexes(live_server: LiveServer) -> SearchIndexes:
    """The served application's search indexes, for searches made beside it."""
    return live_server.app.state.search_indexes


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """An HTTP client that behaves like a person's browser: cookies, forms with CSRF tokens."""

    def __init__(self, base_url: str):
        self.http = httpx.AsyncClient(base_url=base_url, follow_redirects=False, timeout=30)

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def csrf_token(self, path: str = "/sign-in") -> str:
        page = await self.http.get(path)
        match = _CSRF_INPUT.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    async def submit(
        self, path: str, data: dict, *, form_page: str | None = None
    ) -> httpx.Response:
        """Post a form the way the page at form_page (default: path) would."""
        token = await self.csrf_token(form_page or path)
        return await self.http.post(path, data={**data, "csrf_token": token})

    async def close(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def browser(live_server: LiveServer) -> AsyncIterator[Browser]:
    client = Browser(live_server.url)
    yield client
    await client.close()


@pytest.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture
async def new_browser(live_server: LiveServer) -> AsyncIterator:
    """A factory for more browsers (another person signed in at the same time)."""
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(live_server.url))
        return made[-1]

    yield make
    for client in made:
        await client.close()
