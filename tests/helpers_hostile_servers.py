"""A raw HTTP/1.1 server on loopback whose routes can misbehave in any way a test needs.

Each route is a coroutine given the parsed request and the stream writer, free to send
anything: endless bodies, lies in the headers, or nothing at all. Every response closes
the connection, which keeps the server trivial.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import gzip
import ssl
import subprocess
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RawRequest:
    method: str
    path: str
    headers: dict[str, str]


Route = Callable[[RawRequest, asyncio.StreamWriter], Awaitable[None]]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def response_head(status: int, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    writer.write(response_head(status, {"Content-Length": str(len(body)), **(headers or {})}))
    writer.write(body)
    await writer.drain()


def replying(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Route:
    async def route(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        await send(writer, status, body, headers)

    return route


class InFlight:
    """A route that answers after a pause, counting the most requests it held at once."""

    def __init__(self, answer: Route, pause: float):
        self.answer, self.pause = answer, pause
        self.now = self.most = 0

    async def __call__(self, request: RawRequest, writer: asyncio.StreamWriter) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.pause)
        self.now -= 1
        await self.answer(request, writer)


def redirecting(location: str, status: int = 302) -> Route:
    return replying(status, headers={"Location": location})


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


async def endless_body(request: RawRequest, writer: asyncio.StreamWriter) -> None:
    """A feed that never ends: no length, bytes forever until the client hangs up."""
    writer.write(response_head(200, {"Content-Type": "application/atom+xml"}))
    writer.write(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">')
    chunk = b"<!-- " + b"x" * 65_000 + b" -->"
    while True:
        writer.write(chunk)
        await writer.drain()


def gzip_bomb(expanded_bytes: int) -> bytes:
    """A small gzip stream that expands to `expanded_bytes` of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(expanded_bytes // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


async def never_answers(request: RawRequest, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


NOT_FOUND = replying(404, b"not found")


@dataclass
class RawServer:
    """Routes by exact path; the route "*", when given, answers every other path."""

    routes: dict[str, Route]
    host: str = "127.0.0.1"
    port: int = 0
    scheme: str = "http"
    requests: list[RawRequest] = field(default_factory=list)
    handlers: set[asyncio.Task] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def endpoint(self) -> tuple[str, int]:
        return (self.host, self.port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _version = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            request = RawRequest(method, path, headers)
            self.requests.append(request)
            route = self.routes.get(path.split("?", 1)[0]) or self.routes.get("*", NOT_FOUND)
            await route(request, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up, which is what several tests provoke
        except asyncio.CancelledError:
            pass  # the server is shutting down; end the handler quietly
        finally:
            self.handlers.discard(task)
            writer.close()


@contextlib.asynccontextmanager
async def raw_server(
    routes: dict[str, Route], tls: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    server = RawServer(routes, scheme="https" if tls else "http")
    listener = await asyncio.start_server(server._handle, server.host, 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        # Handlers stuck in never_answers or endless_body would otherwise run forever.
        for task in list(server.handlers):
            task.cancel()
        await asyncio.gather(*server.handlers, return_exceptions=True)
        await listener.wait_closed()


def self_signed_certificate(folder: Path, host_name: str) -> tuple[Path, Path]:
    """A throwaway certificate and key for `host_name`, made with the openssl command."""
    certificate, key = folder / f"{host_name}.pem", folder / f"{host_name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(certificate), "-subj", f"/CN={host_name}"]
        + ["-addext", f"subjectAltName=DNS:{host_name}"],
        check=True,
        capture_output=True,
    )
    return certificate, key


def server_tls(certificate: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context
