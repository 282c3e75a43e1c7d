"""The fetch stage against hostile servers: every misbehaviour ends in a recorded result."""

from __future__ import annotations

import asyncio
import hashlib
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from core.outbound import Timeouts, outbound_client
from core.settings import Settings
from feeds.aggregate.fetch import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    FetchLimiter,
    _BoundedDecoder,
    fetch_feed,
)
from feeds.aggregate.parse import parse_feed
from feeds.aggregate.schedule import next_poll
from tests.conftest import free_socket
from tests.helpers_hostile_servers import (
    InFlight,
    RawRequest,
    endless_body,
    gzip_bomb,
    gzipped,
    http_date,
    never_answers,
    raw_server,
    redirecting,
    replying,
    send,
)

OPEN = Settings(allow_private_addresses=True, base_url="https://amicus.example")
CLOSED = Settings(allow_private_addresses=False, base_url="https://amicus.example")
QUICK = Timeouts(connect=1, total=1)
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Openings</title><id>urn:uuid:f</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry><title>Staff Attorney</title><id>urn:uuid:1</id><updated>2026-01-01T00:00:00Z</updated>
<link href="https://a.example/jobs/1"/></entry></feed>"""
ATOM = {"Content-Type": "application/atom+xml"}


async def fetch_from(routes: dict, path: str = "/feed", **options) -> object:
    async with raw_server(routes) as server:
        return await fetch_feed(OPEN, f"{server.url}{path}", timeouts=QUICK, **options)


async def test_a_feed_is_fetched_with_its_validators_and_hash() -> None:
    headers = {**ATOM, "ETag": '"v1"', "Last-Modified": "Thu, 01 Jan 2026 00:00:00 GMT"}
    result = await fetch_from({"/feed": replying(200, FEED, headers)})
    assert result.ok and result.status == 200
    assert result.body == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Thu, 01 Jan 2026 00:00:00 GMT"
    assert result.content_type == "application/atom+xml"
    assert result.body_hash == hashlib.sha256(FEED).hexdigest()
    assert not result.not_modified


async def test_requests_ask_for_feeds_and_only_encodings_decoded_in_bounded_steps() -> None:
    async with raw_server({"/feed": replying(200, FEED)}) as server:
        await fetch_feed(OPEN, f"{server.url}/feed", timeouts=QUICK)
    headers = server.requests[0].headers
    assert "application/atom+xml" in headers["accept"]
    assert "application/feed+json" in headers["accept"]
    assert headers["accept-encoding"] == "gzip, deflate"


async def test_a_feed_that_never_ends_is_stopped_at_five_mebibytes() -> None:
    result = await fetch_from({"/feed": endless_body})
    assert result.error_kind == "too_large"
    assert "5 MiB" in result.error
    assert result.body is None


async def test_a_gzip_bomb_stops_at_the_limit() -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)
    result = await fetch_from({"/feed": replying(200, bomb, {"Content-Encoding": "gzip"})})
    assert len(bomb) < 100_000
    assert result.error_kind == "too_large"
    assert result.body is None


def test_decompression_never_produces_much_more_than_the_limit() -> None:
    """The bomb is inflated in bounded steps, not expanded in memory and then measured."""
    bomb = gzip_bomb(64 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            _BoundedDecoder("gzip", MAX_BODY_BYTES).decode(bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BODY_BYTES


async def test_compressed_feeds_are_decoded() -> None:
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = raw_deflate.compress(FEED) + raw_deflate.flush()
    routes = {
        "/gzip": replying(200, gzipped(FEED), {"Content-Encoding": "gzip"}),
        "/two-members": replying(
            200, gzipped(FEED[:100]) + gzipped(FEED[100:]), {"Content-Encoding": "gzip"}
        ),
        "/zlib": replying(200, zlib.compress(FEED), {"Content-Encoding": "deflate"}),
        "/raw-deflate": replying(200, raw, {"Content-Encoding": "deflate"}),
    }
    async with raw_server(routes) as server:
        for path in routes:
            result = await fetch_feed(OPEN, f"{server.url}{path}", timeouts=QUICK)
            assert result.body == FEED, path


async def test_a_declared_length_over_the_limit_is_refused_without_reading() -> None:
    async def huge(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6000000\r\n\r\n<feed")
        await writer.drain()
        await asyncio.sleep(3600)

    result = await fetch_from({"/feed": huge})
    assert result.error_kind == "too_large"


async def test_an_unknown_content_encoding_is_an_error() -> None:
    result = await fetch_from({"/feed": replying(200, b"???", {"Content-Encoding": "br"})})
    assert result.error_kind == "encoding"


async def test_a_corrupt_gzip_body_is_an_error() -> None:
    result = await fetch_from(
        {"/feed": replying(200, b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"})}
    )
    assert result.error_kind == "encoding"


async def test_a_server_that_never_answers_times_out() -> None:
    result = await fetch_from({"/feed": never_answers})
    assert result.error_kind == "timeout"
    assert result.status is None


async def test_a_body_that_trickles_past_the_total_deadline_times_out() -> None:
    async def trickle(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while True:
            writer.write(b"<")
            await writer.drain()
            await asyncio.sleep(0.1)

    result = await fetch_from({"/feed": trickle})
    assert result.error_kind == "timeout"


async def test_a_redirect_loop_stops_after_five_redirects() -> None:
    async with raw_server({"/feed": redirecting("/feed")}) as server:
        result = await fetch_feed(OPEN, f"{server.url}/feed", timeouts=QUICK)
    assert result.error_kind == "redirects"
    assert len(server.requests) == 6


async def test_five_redirects_are_followed() -> None:
    routes = {f"/hop{n}": redirecting(f"/hop{n + 1}") for n in range(5)}
    routes["/hop5"] = replying(200, FEED, ATOM)
    result = await fetch_from(routes, "/hop0")
    assert result.ok and result.body == FEED
    assert result.final_url.endswith("/hop5")


async def test_a_redirect_hop_carries_the_validators_and_the_cookie_it_set() -> None:
    async def old(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        await send(writer, 302, headers={"Location": "/new", "Set-Cookie": "seen=1; Path=/"})

    async def new(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        fresh = request.headers.get("cookie") != "seen=1" or (
            request.headers.get("if-none-match") != '"v1"'
        )
        await send(writer, 200 if fresh else 304, FEED if fresh else b"", ATOM)

    result = await fetch_from({"/old": old, "/new": new}, "/old", etag='"v1"')
    assert result.status == 304 and result.not_modified
    assert result.final_url.endswith("/new")


async def test_a_redirect_to_an_invalid_address_is_a_broken_response() -> None:
    result = await fetch_from({"/feed": redirecting("http://[::1/feed")})
    assert result.error_kind == "protocol"
    assert "location" in result.error


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:{port}/", "http://10.0.0.1/feed", "http://169.254.169.254/"]
)
async def test_a_redirect_to_a_private_address_is_refused(target: str) -> None:
    sock = free_socket()
    try:
        location = target.format(port=sock.getsockname()[1])
        async with (
            raw_server({"/feed": redirecting(location)}) as server,
            outbound_client(CLOSED, timeouts=QUICK, allowed_endpoints=[server.endpoint]) as client,
        ):
            result = await fetch_feed(client, f"{server.url}/feed", timeouts=QUICK)
    finally:
        sock.close()
    assert result.error_kind == "refused"
    assert "not a public address" in result.error


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/feed", "http://169.254.169.254/latest/meta-data/", "ftp://x.example/"]
)
async def test_a_private_or_non_http_url_is_refused_with_the_setting_off(url: str) -> None:
    result = await fetch_feed(CLOSED, url, timeouts=QUICK)
    assert result.error_kind == "refused"
    assert result.error


async def test_a_closed_port_is_a_connection_error() -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    result = await fetch_feed(OPEN, f"http://127.0.0.1:{port}/feed", timeouts=QUICK)
    assert result.error_kind == "connection"


async def test_an_unknown_host_is_a_dns_error() -> None:
    result = await fetch_feed(OPEN, "http://no-such-host.invalid/feed", timeouts=QUICK)
    assert result.error_kind == "dns"


async def test_too_many_requests_records_retry_after_and_the_schedule_waits() -> None:
    result = await fetch_from({"/feed": replying(429, headers={"Retry-After": "7200"})})
    assert result.error_kind == "rate_limited"
    assert result.retry_after_seconds == 7200
    now = datetime(2026, 1, 1, tzinfo=UTC)
    poll = next_poll(now, retry_after_seconds=result.retry_after_seconds, consecutive_failures=1)
    assert poll == now + timedelta(hours=2)


async def test_unavailable_with_a_retry_after_date_is_recorded_in_seconds() -> None:
    result = await fetch_from({"/feed": replying(503, headers={"Retry-After": http_date(3600)})})
    assert result.error_kind == "unavailable"
    assert result.retry_after_seconds is not None
    assert 3500 <= result.retry_after_seconds <= 3600


async def test_gone_is_its_own_kind_and_disables_polling() -> None:
    result = await fetch_from({"/feed": replying(410, b"gone")})
    assert result.error_kind == "gone"
    assert result.status == 410
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_poll(now, gone=result.error_kind == "gone") is None


@pytest.mark.parametrize("status", [400, 403, 404, 500, 502])
async def test_other_error_statuses_are_recorded_in_words(status: int) -> None:
    result = await fetch_from({"/feed": replying(status, b"<html>error</html>")})
    assert result.error_kind == "http"
    assert str(status) in result.error
    assert result.body is None


@pytest.mark.parametrize("status", [301, 308])
async def test_a_permanent_redirect_reports_the_new_address(status: int) -> None:
    routes = {"/old": redirecting("/new", status), "/new": replying(200, FEED, ATOM)}
    async with raw_server(routes) as server:
        result = await fetch_feed(OPEN, f"{server.url}/old", timeouts=QUICK)
    assert result.ok
    assert result.permanent_redirect == f"{server.url}/new"


async def test_a_temporary_redirect_keeps_the_stored_address() -> None:
    routes = {
        "/old": redirecting("/moved", 301),
        "/moved": redirecting("/today", 302),
        "/today": replying(200, FEED, ATOM),
    }
    async with raw_server(routes) as server:
        result = await fetch_feed(OPEN, f"{server.url}/old", timeouts=QUICK)
    assert result.permanent_redirect == f"{server.url}/moved"
    assert result.final_url == f"{server.url}/today"


async def test_a_conditional_get_answered_304_is_not_modified() -> None:
    async def conditional(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        if request.headers.get("if-none-match") == '"v1"':
            await send(writer, 304, headers={"ETag": '"v1"'})
        else:
            await send(writer, 200, FEED, {"ETag": '"v1"'})

    async with raw_server({"/feed": conditional}) as server:
        first = await fetch_feed(OPEN, f"{server.url}/feed", timeouts=QUICK)
        second = await fetch_feed(
            OPEN,
            f"{server.url}/feed",
            etag=first.etag,
            last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
            previous_body_hash=first.body_hash,
            timeouts=QUICK,
        )
    assert second.ok and second.status == 304 and second.not_modified
    assert second.body is None
    assert second.etag == '"v1"' and second.body_hash == first.body_hash
    assert server.requests[1].headers["if-modified-since"] == "Thu, 01 Jan 2026 00:00:00 GMT"


async def test_an_unchanged_body_is_skipped_by_its_hash() -> None:
    async with raw_server({"/feed": replying(200, FEED)}) as server:
        first = await fetch_feed(OPEN, f"{server.url}/feed", timeouts=QUICK)
        second = await fetch_feed(
            OPEN, f"{server.url}/feed", previous_body_hash=first.body_hash, timeouts=QUICK
        )
    assert second.status == 200 and second.not_modified
    assert second.body is None
    assert "if-none-match" not in server.requests[1].headers


async def test_cache_control_max_age_is_recorded_unless_caching_is_forbidden() -> None:
    fresh = await fetch_from(
        {"/feed": replying(200, FEED, {"Cache-Control": "public, max-age=1800"})}
    )
    forbidden = await fetch_from(
        {"/feed": replying(200, FEED, {"Cache-Control": "no-cache, max-age=1800"})}
    )
    assert fresh.max_age_seconds == 1800
    assert forbidden.max_age_seconds is None


async def test_a_body_of_invalid_utf8_is_fetched_and_parsed_with_a_problem_recorded() -> None:
    body = FEED.replace(b"Staff Attorney", b"Staff \xff\xfe Attorney \xc3")
    result = await fetch_from({"/feed": replying(200, body, ATOM)})
    assert result.ok
    parsed = parse_feed(result.body, result.final_url, result.content_type)
    assert parsed.is_feed
    assert len(parsed.entries) == 1
    assert "Attorney" in parsed.entries[0].title


async def test_an_empty_body_is_fetched_and_recorded_as_not_a_feed() -> None:
    result = await fetch_from({"/feed": replying(200, b"", ATOM)})
    assert result.ok and result.body == b""
    parsed = parse_feed(result.body, result.final_url, result.content_type)
    assert not parsed.is_feed
    assert parsed.problems == ["The response was empty."]


async def test_an_html_page_is_recorded_as_not_a_feed_with_its_alternate_feed() -> None:
    page = (
        b"<!doctype html><html><head><title>Careers</title>"
        b'<link rel="alternate" type="application/atom+xml" href="/careers/feed.atom">'
        b"</head><body><h1>Careers</h1></body></html>"
    )
    async with raw_server(
        {"/careers": replying(200, page, {"Content-Type": "text/html"})}
    ) as server:
        result = await fetch_feed(OPEN, f"{server.url}/careers", timeouts=QUICK)
    parsed = parse_feed(result.body, result.final_url, result.content_type)
    assert not parsed.is_feed
    assert parsed.alternates == [f"{server.url}/careers/feed.atom"]
    assert "not a feed" in parsed.problems[0]


async def test_fetches_stay_within_the_overall_and_per_host_limits() -> None:
    async def run(limiter: FetchLimiter, count: int) -> int:
        slow = InFlight(replying(200, FEED), pause=0.05)
        async with raw_server({"/feed": slow}) as server, outbound_client(OPEN) as client:

            async def one() -> None:
                async with limiter.slot(f"{server.url}/feed"):
                    await fetch_feed(client, f"{server.url}/feed", timeouts=QUICK)

            await asyncio.gather(*(one() for _ in range(count)))
        return slow.most

    assert await run(FetchLimiter(total=3, per_host=10), 9) == 3
    assert await run(FetchLimiter(total=16, per_host=2), 6) == 2
