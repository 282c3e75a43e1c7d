"""The fetch stage: one feed URL in, a FetchResult out, whatever the remote server does.

HTTP only: conditional GET with the stored validators, a body of at most 5 MiB after
decompression (decompressed here, in bounded steps, so that a gzip bomb stops at the limit
instead of filling memory first), at most 5 redirects each checked by core.outbound, and
one total deadline. Every failure ends in a FetchResult with a kind and a reason in plain
words; fetch_feed raises nothing a remote server can provoke.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import re
import time
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx

from core.i18n import gettext as _
from core.outbound import (
    MAX_REDIRECTS,
    OutboundClient,
    OutboundError,
    Timeouts,
    check_url,
    outbound_client,
)
from core.settings import Settings

MAX_BODY_BYTES = 5 * 1024 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT_REDIRECTS = (301, 308)
ACCEPT = (
    "application/atom+xml, application/rss+xml;q=0.9, application/feed+json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.1"
)
# Only encodings decoded here in bounded steps are offered (not br or zstd).
ACCEPT_ENCODING = "gzip, deflate"
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass
class FetchResult:
    url: str
    final_url: str = ""
    status: int | None = None
    # The address to store instead of `url`: reached through permanent redirects only.
    permanent_redirect: str = ""
    body: bytes | None = None
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""
    body_hash: str = ""
    # 304 Not Modified, or a body identical to the previous one: nothing to parse.
    not_modified: bool = False
    retry_after_seconds: int | None = None
    max_age_seconds: int | None = None
    error: str = ""
    # "" on success; else timeout, dns, refused, connection, tls, redirects, too_large,
    # encoding, protocol, gone, rate_limited, unavailable or http.
    error_kind: str = ""

    @property
    def ok(self) -> bool:
        return not self.error_kind


class BodyTooLarge(Exception):
    pass


class _BoundedDecoder:
    """Decompresses gzip or deflate without ever producing more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int):
        self._encoding = encoding
        self._room = limit
        self._inflater = self._new_inflater()
        self._first = True
        self._received = False

    def _new_inflater(self) -> zlib._Decompress | None:
        if self._encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        if self._encoding == "deflate":
            return zlib.decompressobj()
        return None

    def _take(self, data: bytes) -> bytes:
        if len(data) > self._room:
            raise BodyTooLarge
        self._room -= len(data)
        return data

    def decode(self, chunk: bytes) -> bytes:
        if self._inflater is None:
            return self._take(chunk)
        self._received = self._received or bool(chunk)
        if self._first and self._encoding == "deflate":
            # Servers send "deflate" both with and without the zlib wrapper.
            self._first = False
            if chunk and (chunk[0] & 0x0F) != 8:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        output = []
        data = chunk
        while data:
            piece = self._inflater.decompress(data, self._room + 1)
            output.append(self._take(piece))
            data = self._inflater.unconsumed_tail
            if self._inflater.eof and self._inflater.unused_data:
                # Another gzip member follows (concatenated gzip streams are valid).
                data = self._inflater.unused_data
                self._inflater = self._new_inflater()
        return b"".join(output)

    def finish(self) -> None:
        """Raise zlib.error when the compressed stream stopped before its end.

        An empty body is just empty, even when labelled as compressed."""
        if self._inflater is not None and self._received and not self._inflater.eof:
            raise zlib.error("the compressed body is truncated")


def _retry_after_seconds(value: str | None, now: float) -> int | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0, int(moment.timestamp() - now))


def _max_age_seconds(cache_control: str | None) -> int | None:
    if not cache_control or re.search(r"no-store|no-cache", cache_control, re.IGNORECASE):
        return None
    match = _MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else None


def _permanent_target(response: httpx.Response) -> str:
    """The last URL reached by an unbroken run of permanent redirects from the start."""
    hops = [*response.history, response]
    target = ""
    for hop, following in zip(hops, hops[1:], strict=False):
        if hop.status_code not in PERMANENT_REDIRECTS:
            break
        target = str(following.request.url)
    return target


# Statuses with a kind of their own: the schedule and the subscription react to them.
STATUS_KINDS = {410: "gone", 429: "rate_limited", 503: "unavailable"}


def _status_error(result: FetchResult, response: httpx.Response) -> None:
    code = response.status_code
    result.error_kind = STATUS_KINDS.get(code, "http")
    if code == 410:
        result.error = _("The feed is gone for good (410 Gone).")
    else:
        result.error = _("The server answered %(status)s %(reason)s.") % {
            "status": code,
            "reason": response.reason_phrase,
        }


def _error_kind(error: Exception) -> tuple[str, str]:
    if isinstance(error, OutboundError):
        return error.kind, error.reason
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "timeout", _("The server did not answer in time.")
    if isinstance(error, httpx.TooManyRedirects):
        return "redirects", _("The server redirected more than %(count)s times.") % {
            "count": MAX_REDIRECTS
        }
    if isinstance(error, httpx.ConnectError):
        text = str(error)
        if "SSL" in text or "certificate" in text.lower():
            return "tls", _("The secure connection failed (%(problem)s).") % {"problem": text}
        return "connection", _("The server could not be reached (%(problem)s).") % {
            "problem": text or _("connection refused")
        }
    if isinstance(error, zlib.error | httpx.DecodingError):
        return "encoding", _("The compressed response could not be decoded.")
    if isinstance(error, httpx.InvalidURL):
        return "refused", _("The address is not a valid URL (%(problem)s).") % {"problem": error}
    return "protocol", _("The server sent a broken response (%(problem)s).") % {
        "problem": str(error) or type(error).__name__
    }


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise httpx.DecodingError(encoding)
    declared = response.headers.get("content-length", "")
    if encoding in ("identity", "") and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge
    decoder = _BoundedDecoder(encoding, max_bytes)
    parts = [decoder.decode(chunk) async for chunk in response.aiter_raw()]
    decoder.finish()
    return b"".join(parts)


async def _drain(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read a short body to its end, so that the connection can serve the next request;
    a longer one is abandoned and its connection closed."""
    received = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received > limit:
            return


def _redirect_url(response: httpx.Response, location: str) -> httpx.URL:
    """Where a redirect leads: `location` resolved against the URL redirected from."""
    origin = response.request.url
    try:
        target = origin.join(location)
    except httpx.InvalidURL as error:
        raise httpx.RemoteProtocolError(
            f"Invalid URL in location header: {error}.", request=response.request
        ) from None
    # The fragment was never sent; a redirect keeps it when it names none (RFC 9110 10.2.2).
    if origin.fragment and not target.fragment:
        target = target.copy_with(fragment=origin.fragment)
    return target


async def _get_following_redirects(
    client: OutboundClient, url: httpx.URL, headers: dict[str, str]
) -> httpx.Response:
    """The streamed response at the end of at most `client.max_redirects` redirects, with the
    redirects in its `history`; every hop goes through the client's checking transport."""
    history: list[httpx.Response] = []
    while True:
        response = await client.get_one_hop(url, headers)
        location = response.headers.get("location")
        if response.status_code not in REDIRECTS or location is None:
            response.history = history
            return response
        try:
            await _drain(response)
        finally:
            await response.aclose()  # or its connection would never go back to the pool
        history.append(response)
        if len(history) > client.max_redirects:
            raise httpx.TooManyRedirects(
                "Exceeded maximum allowed redirects.", request=response.request
            )
        url = _redirect_url(response, location)


async def _exchange(
    client: OutboundClient,
    url: httpx.URL,
    result: FetchResult,
    *,
    etag: str,
    last_modified: str,
    previous_body_hash: str,
    max_bytes: int,
) -> None:
    headers = {"Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = await _get_following_redirects(client, url, headers)
    try:
        result.status = response.status_code
        result.final_url = str(response.url)
        result.content_type = response.headers.get("content-type", "")
        result.etag = response.headers.get("etag", "") or etag
        result.last_modified = response.headers.get("last-modified", "") or last_modified
        result.max_age_seconds = _max_age_seconds(response.headers.get("cache-control"))
        result.retry_after_seconds = _retry_after_seconds(
            response.headers.get("retry-after"), time.time()
        )
        if response.status_code == 304:
            result.not_modified = True
            result.body_hash = previous_body_hash
            await _drain(response)
        elif response.status_code != 200:
            _status_error(result, response)
            await _drain(response)
            return
        else:
            body = await _read_body(response, max_bytes)
            result.body_hash = hashlib.sha256(body).hexdigest()
            result.not_modified = result.body_hash == previous_body_hash
            result.body = None if result.not_modified else body
        result.permanent_redirect = _permanent_target(response)
    finally:
        await response.aclose()


async def fetch_feed(
    client_or_settings: OutboundClient | Settings,
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    previous_body_hash: str = "",
    max_bytes: int = MAX_BODY_BYTES,
    timeouts: Timeouts = Timeouts(),
) -> FetchResult:
    """Fetch one feed. Give an outbound client to share connections across many fetches."""
    result = FetchResult(url=url)
    try:
        parsed_url = check_url(url)
        async with AsyncExitStack() as stack:
            if isinstance(client_or_settings, Settings):
                client = await stack.enter_async_context(
                    outbound_client(client_or_settings, timeouts=timeouts)
                )
            else:
                client = client_or_settings
            async with asyncio.timeout(timeouts.total):
                await _exchange(
                    client,
                    parsed_url,
                    result,
                    etag=etag,
                    last_modified=last_modified,
                    previous_body_hash=previous_body_hash,
                    max_bytes=max_bytes,
                )
    except BodyTooLarge:
        result.body = None
        result.error_kind = "too_large"
        result.error = _("The feed is larger than %(megabytes)s MiB; it was not read.") % {
            "megabytes": max_bytes // (1024 * 1024) or 1
        }
    except (
        OutboundError,
        httpx.HTTPError,
        httpx.InvalidURL,
        TimeoutError,
        zlib.error,
        OSError,
    ) as error:
        result.body = None
        result.error_kind, result.error = _error_kind(error)
    return result


class FetchLimiter:
    """At most `total` fetches in flight overall and `per_host` to any one host."""

    def __init__(self, total: int = 16, per_host: int = 4):
        self._total = asyncio.Semaphore(total)
        self._per_host_limit = per_host
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self._per_host_limit)
        )

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL:
            host = ""
        async with self._per_host[host], self._total:
            yield
