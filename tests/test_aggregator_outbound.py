"""Outgoing requests reach only public addresses, on every hop, and never hang."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from core.outbound import (
    HostNotFound,
    OutboundRefused,
    Timeouts,
    address_refusal,
    check_url,
    outbound_client,
    system_resolver,
)
from core.settings import Settings
from tests.helpers_hostile_servers import never_answers, raw_server, redirecting, replying

CLOSED = Settings(allow_private_addresses=False, base_url="https://amicus.example")
OPEN = Settings(allow_private_addresses=True, base_url="https://amicus.example")

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "fc00::1",
    "fd12:3456::1",
    "169.254.169.254",
    "fe80::1",
    "224.0.0.1",
    "ff02::1",
    "0.0.0.0",
    "::",
    "100.64.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:0a00:0001::1",
    "64:ff9b::10.0.0.1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_refused_with_a_reason(address: str) -> None:
    reason = address_refusal(address)
    assert reason and reason.startswith("it is")


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x/", "/relative", "http://"]
)
def test_only_absolute_http_urls_may_be_fetched(url: str) -> None:
    with pytest.raises(OutboundRefused):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1/feed", "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/"],
)
async def test_direct_requests_to_non_public_addresses_are_refused(url: str) -> None:
    async with outbound_client(CLOSED) as client:
        with pytest.raises(OutboundRefused) as refused:
            await client.get(url)
    assert "not a public address" in refused.value.reason


async def test_a_loopback_server_is_refused_unless_allowed() -> None:
    async with raw_server({"/feed": replying(200, b"ok")}) as server:
        async with outbound_client(CLOSED) as client:
            with pytest.raises(OutboundRefused):
                await client.get(f"{server.url}/feed")
        async with outbound_client(OPEN) as client:
            assert (await client.get(f"{server.url}/feed")).text == "ok"
        assert len(server.requests) == 1


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{other_port}/",
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{other_port}/",
        "file:///etc/passwd",
    ],
)
async def test_every_redirect_hop_is_checked(target: str) -> None:
    async with raw_server({}) as other:
        location = target.format(other_port=other.port)
        async with (
            raw_server({"/feed": redirecting(location)}) as origin,
            outbound_client(CLOSED, allowed_endpoints=[origin.endpoint]) as client,
        ):
            with pytest.raises(OutboundRefused):
                await client.get(f"{origin.url}/feed")
        assert [request.path for request in origin.requests] == ["/feed"]
        assert other.requests == []


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    """A name is resolved once; the checked address is the one connected to (no rebinding)."""
    lookups: list[str] = []

    async def changing_resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"] if len(lookups) == 1 else ["10.0.0.1"]

    async with raw_server({"/feed": replying(200, b"pinned")}) as server:
        url = f"http://feeds.example:{server.port}/feed"
        async with outbound_client(
            CLOSED, allowed_endpoints=[server.endpoint], resolver=changing_resolver
        ) as client:
            response = await client.get(url)
        assert response.text == "pinned"
        assert lookups == ["feeds.example"]
        assert server.requests[0].headers["host"] == f"feeds.example:{server.port}"


async def test_a_name_resolving_to_any_private_address_is_refused() -> None:
    async def mixed_resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.1.2.3"]

    async with outbound_client(CLOSED, resolver=mixed_resolver) as client:
        with pytest.raises(OutboundRefused) as refused:
            await client.get("http://feeds.example/feed")
    assert "10.1.2.3" in refused.value.reason


async def test_an_unknown_host_name_is_reported_as_not_found() -> None:
    with pytest.raises(HostNotFound) as not_found:
        await system_resolver("no-such-host.invalid", 80)
    assert "no-such-host.invalid" in not_found.value.reason


async def test_requests_name_amicus_its_version_and_the_instance() -> None:
    async with (
        raw_server({"/feed": replying(200, b"ok")}) as server,
        outbound_client(OPEN) as client,
    ):
        await client.get(f"{server.url}/feed")
    assert server.requests[0].headers["user-agent"].startswith("Amicus/")
    assert server.requests[0].headers["user-agent"].endswith("(+https://amicus.example)")


async def test_a_server_that_never_answers_times_out() -> None:
    async with (
        raw_server({"/feed": never_answers}) as server,
        outbound_client(OPEN, timeouts=Timeouts(connect=1, total=0.5)) as client,
    ):
        with pytest.raises(httpx.TimeoutException):
            await client.get(f"{server.url}/feed")


async def test_proxies_from_the_environment_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.0.0.1:3128")
    async with (
        raw_server({"/feed": replying(200, b"direct")}) as server,
        outbound_client(OPEN) as client,
    ):
        assert (await client.get(f"{server.url}/feed")).text == "direct"


@dataclass
class KeepAliveServer:
    port: int = 0
    # Requests served on each connection, in the order the connections came.
    served: list[int] = field(default_factory=list)


@contextlib.asynccontextmanager
async def keep_alive_server(
    body: bytes, *, close_when_idle: bool
) -> AsyncIterator[KeepAliveServer]:
    """Answers every request with `body` on a persistent connection (no "Connection: close"),
    and, with `close_when_idle`, then hangs up as servers do with idle connections."""
    server = KeepAliveServer()
    served = server.served

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(0)
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
                writer.write(body)
                await writer.drain()
                served[-1] += 1
                if close_when_idle:
                    break
        except asyncio.IncompleteReadError:
            pass  # the client closed its end
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()


async def _get_twice(body: bytes, *, close_when_idle: bool) -> list[int]:
    async with (
        keep_alive_server(body, close_when_idle=close_when_idle) as server,
        outbound_client(OPEN) as client,
    ):
        for _ in range(2):
            response = await client.get(f"http://127.0.0.1:{server.port}/feed")
            assert response.content == body
            await asyncio.sleep(0.05)  # time for the server's hang-up to arrive
        return server.served


async def test_a_kept_alive_connection_serves_the_next_request() -> None:
    assert await _get_twice(b"ok", close_when_idle=False) == [2]


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    assert await _get_twice(b"ok", close_when_idle=True) == [1, 1]


async def test_a_body_much_larger_than_the_read_buffer_arrives_whole() -> None:
    body = os.urandom(3 * 1024 * 1024)
    assert await _get_twice(body, close_when_idle=False) == [2]


async def test_a_large_request_body_reaches_a_server_that_reads_it_slowly() -> None:
    """The sender waits while the connection's buffers are full, and resumes when they drain."""
    body = os.urandom(16 * 1024 * 1024)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(0.3)  # the client's buffers fill up meanwhile
        received = await reader.readexactly(len(body))
        answer = hashlib.sha256(received).hexdigest().encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
        await writer.drain()
        assert b"content-length: %d" % len(body) in head.lower()
        await reader.read()  # the connection stays open until the client is done with it
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with outbound_client(OPEN, timeouts=Timeouts(connect=1, total=5)) as client:
            response = await client.post(f"http://127.0.0.1:{port}/hub", content=body)
    finally:
        listener.close()
        await listener.wait_closed()
    assert response.text == hashlib.sha256(body).hexdigest()
