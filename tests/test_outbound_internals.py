"""What core.outbound relies on in httpx's private API still holds in the installed version:
httpx has no public way to choose httpcore's network backend, so the checking transport
replaces the connection pool httpx keeps as `_pool`. If an upgrade renames or stops using it,
requests would silently bypass the address checks; these tests fail first."""

from __future__ import annotations

from importlib.metadata import version

import httpcore
import httpx
import pytest

from core import outbound
from core.settings import Settings

CLOSED = Settings(allow_private_addresses=False, base_url="https://amicus.example")


def minor(package: str) -> tuple[int, int]:
    major, minor_version = version(package).split(".")[:2]
    return int(major), int(minor_version)


def test_the_installed_httpx_and_httpcore_are_the_minor_versions_tested():
    assert minor("httpx") == outbound.TESTED_HTTPX
    assert minor("httpcore") == outbound.TESTED_HTTPCORE


def test_httpx_keeps_its_connection_pool_where_the_checking_transport_replaces_it():
    assert isinstance(httpx.AsyncHTTPTransport()._pool, httpcore.AsyncConnectionPool)


async def test_every_connection_goes_through_the_checking_backend():
    """A resolver answering a private address for a public-looking name is only consulted by
    the checking backend: a refusal proves the replaced pool is the one requests use."""
    asked: list[str] = []

    async def private_resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["10.9.8.7"]

    async with outbound.outbound_client(CLOSED, resolver=private_resolver) as client:
        with pytest.raises(outbound.OutboundRefused):
            await client.get("http://feeds.example/feed")
        with pytest.raises(outbound.OutboundRefused):
            response = await client.get_one_hop(httpx.URL("http://feeds.example/other"), {})
            await response.aclose()
    assert asked == ["feeds.example", "feeds.example"]
