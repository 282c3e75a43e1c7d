"""HTTPS through the checked connection: the certificate is verified against the URL's host
name even though the connection goes to the address that was resolved and checked."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

import core.outbound
from core.outbound import Timeouts, outbound_client
from core.settings import Settings
from feeds.aggregate.fetch import fetch_feed
from tests.helpers_hostile_servers import raw_server, replying, self_signed_certificate, server_tls

CLOSED = Settings(allow_private_addresses=False, base_url="https://amicus.example")
QUICK = Timeouts(connect=2, total=2)
FEED = b'<rss version="2.0"><channel><title>Secure</title></channel></rss>'


async def to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path, "feeds.example")


@pytest.fixture
def trusting_our_certificate(monkeypatch: pytest.MonkeyPatch, certificate) -> None:
    """The client trusts the test certificate instead of the public authorities."""
    context = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(core.outbound, "_tls_context", lambda: context)


async def fetch(server, host: str) -> object:
    async with outbound_client(
        CLOSED, timeouts=QUICK, allowed_endpoints=[server.endpoint], resolver=to_loopback
    ) as client:
        return await fetch_feed(client, f"https://{host}:{server.port}/feed", timeouts=QUICK)


async def test_a_trusted_certificate_for_the_host_name_is_accepted(
    certificate, trusting_our_certificate
) -> None:
    async with raw_server({"/feed": replying(200, FEED)}, tls=server_tls(*certificate)) as server:
        result = await fetch(server, "feeds.example")
    assert result.ok, result.error
    assert result.body == FEED
    assert server.requests[0].headers["host"] == f"feeds.example:{server.port}"


async def test_a_certificate_for_another_host_name_is_refused(
    certificate, trusting_our_certificate
) -> None:
    async with raw_server({"/feed": replying(200, FEED)}, tls=server_tls(*certificate)) as server:
        result = await fetch(server, "other.example")
    assert result.error_kind == "tls"
    assert server.requests == []


async def test_an_untrusted_certificate_is_refused(certificate) -> None:
    async with raw_server({"/feed": replying(200, FEED)}, tls=server_tls(*certificate)) as server:
        result = await fetch(server, "feeds.example")
    assert result.error_kind == "tls"
    assert "certificate" in result.error.lower()
