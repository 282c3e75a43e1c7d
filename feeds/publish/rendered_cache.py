"""Rendered feeds, cached by each application (app.state.feed_cache) and answered with HTTP
validators.

Cache key: the feed's canonical URL. Entry valid while the data fingerprint is unchanged:
(the jobs data generation, the feed's hour). Database triggers bump the generation on every
write to a job or an organization, from any process and by any means (save, bulk update,
import), so one primary-key read tells every process whether anything a feed may contain
changed; the hour covers what depends on time alone (closing dates passing, the 30-day
deletion-mark window). A hit therefore costs that one read and no rendering. A change
anywhere drops every cached rendering, which is cheap at this scale (a render takes a few
milliseconds) and never serves stale content.

Validators: the strong ETag is a hash of the bytes, so a feed whose content did not change
keeps its ETag even when other data changed. Feeds are gzipped here rather than by the
middleware: the compressed body is a different representation and gets its own ETag
(suffix "-gz"), and compressing once per rendering instead of per request is faster too.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections

from core.settings import Settings
from feeds.publish.catalog import FeedRequest, render
from feeds.publish.job_feed import feed_moment
from jobs.search import cache as search_cache
from jobs.search.fulltext import SearchIndexes

MAX_CACHED_FEEDS = 2048
MAX_CACHED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str
    last_modified: datetime

    @property
    def gzip_etag(self) -> str:
        return self.etag[:-1] + '-gz"'

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped)

    @classmethod
    def of(cls, body: bytes, media_type: str, updated: datetime) -> RenderedFeed:
        digest = hashlib.sha256(body).hexdigest()[:32]
        return cls(
            body=body,
            # mtime=0: the same bytes give the same compressed bytes.
            gzipped=gzip.compress(body, compresslevel=6, mtime=0),
            media_type=media_type,
            etag=f'"{digest}"',
            last_modified=updated.astimezone(UTC).replace(microsecond=0),
        )


Fingerprint = tuple[int, datetime]


class FeedCache:
    """A bounded least-recently-used map: feed key -> (fingerprint, rendering)."""

    def __init__(self, max_entries: int = MAX_CACHED_FEEDS, max_bytes: int = MAX_CACHED_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[Fingerprint, RenderedFeed]] = OrderedDict()
        self._bytes = 0

    def get(self, key: str, fingerprint: Fingerprint) -> RenderedFeed | None:
        found = self._entries.get(key)
        if found is None or found[0] != fingerprint:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: str, fingerprint: Fingerprint, feed: RenderedFeed) -> None:
        self._remove(key)
        self._entries[key] = (fingerprint, feed)
        self._bytes += feed.size
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            self._remove(next(iter(self._entries)))

    def _remove(self, key: str) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1].size

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


async def data_generation() -> int:
    """The jobs data generation: database triggers move it on every write to a job or an
    organization, so every process sees a change with one primary-key read."""
    return await search_cache.data_generation(connections.get("default")) or 0


async def rendered_feed(
    request: FeedRequest,
    settings: Settings,
    indexes: SearchIndexes,
    cache: FeedCache | None,
    now: datetime | None = None,
) -> RenderedFeed:
    """The feed's current rendering, from the cache when nothing it may contain changed
    (rendered afresh, and kept nowhere, without a cache)."""
    moment = feed_moment(now or datetime.now(UTC))
    if cache is None:
        body = await render(request, settings, indexes, moment)
        return RenderedFeed.of(body.body, body.media_type, body.updated)
    fingerprint = (await data_generation(), moment)
    key = f"{settings.base_url}{request.key}"
    found = cache.get(key, fingerprint)
    if found is not None:
        return found
    body = await render(request, settings, indexes, moment)
    feed = RenderedFeed.of(body.body, body.media_type, body.updated)
    cache.put(key, fingerprint, feed)
    return feed


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _sep, parameters = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return parameters.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _etag_matches(header: str, etags: tuple[str, ...]) -> bool:
    if header.strip() == "*":
        return True
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return not offered.isdisjoint(etags)


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


def feed_response(
    request: Request, feed: RenderedFeed, max_age: int, extra_headers: dict[str, str]
) -> Response:
    """200 with the feed (gzipped when accepted) or 304 when the client's copy is current."""
    compressed = _accepts_gzip(request)
    headers = {
        "ETag": feed.gzip_etag if compressed else feed.etag,
        "Last-Modified": format_datetime(feed.last_modified, usegmt=True),
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
        **extra_headers,
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = _etag_matches(if_none_match, (feed.etag, feed.gzip_etag))
    else:
        if_modified_since = request.headers.get("if-modified-since")
        fresh = if_modified_since is not None and _not_modified_since(
            if_modified_since, feed.last_modified
        )
    if fresh:
        return Response(status_code=304, headers=headers)
    # Starlette names the charset of text/* types only; feeds are XML or JSON, always UTF-8,
    # and a browser that is not told so shows "â€œ" for a quotation mark.
    media_type = f"{feed.media_type}; charset=utf-8"
    if compressed:
        headers["Content-Encoding"] = "gzip"
        return Response(feed.gzipped, headers=headers, media_type=media_type)
    return Response(feed.body, headers=headers, media_type=media_type)
