"""Every feed this instance publishes, found from its URL and rendered without HTTP.

The routes and the WebSub hub (which must re-render a subscribed topic) share this, so a
topic is valid exactly when its URL is a feed the site serves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import QueryParams

from core import i18n
from core.settings import Settings
from core.validation import InvalidValue, whole_number
from directory.models import OrganizationStatus
from directory.profile import organization_by_slug
from feeds.publish import directory_feed
from feeds.publish.atom_rss import render_atom, render_rss
from feeds.publish.job_feed import (
    MEDIA_TYPES,
    JobFeed,
    complete_feed,
    jobs_search_feed,
    organization_feed,
)
from feeds.publish.json_feed import render_json_feed
from jobs.search.params import JobQuery, SearchError, job_query_to_params, parse_job_query

OPML_MEDIA_TYPE = "text/x-opml"
MAX_COMPLETE_PAGE = 10_000
_FORMAT = r"\.(?P<format>atom|rss|json)"
_PATTERNS = {
    "jobs": re.compile(rf"^/jobs/feed{_FORMAT}$"),
    "organization": re.compile(rf"^/orgs/(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)/jobs{_FORMAT}$"),
    "complete": re.compile(rf"^/federation/jobs{_FORMAT}$"),
    "directory": re.compile(r"^/directory/feed\.(?P<format>atom)$"),
    "opml": re.compile(r"^/directory\.(?P<format>opml)$"),
}
RENDERERS = {"atom": render_atom, "rss": render_rss, "json": render_json_feed}


class FeedNotFound(Exception):
    """No feed lives at this URL."""


class FeedParameterError(ValueError):
    """A malformed feed parameter; the message is the reason, already translated."""


@dataclass(frozen=True)
class FeedRequest:
    kind: str
    format: str
    path: str
    # Canonical parameters: two URLs meaning the same feed give the same key.
    params: tuple[tuple[str, str], ...]
    language: str
    query: JobQuery | None = None
    slug: str = ""
    page: int = 1

    @property
    def url(self) -> str:
        """The canonical path and query of the feed (without the host)."""
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    @property
    def key(self) -> str:
        return self.url

    @property
    def media_type(self) -> str:
        return OPML_MEDIA_TYPE if self.format == "opml" else MEDIA_TYPES[self.format]


@dataclass(frozen=True)
class FeedBody:
    body: bytes
    media_type: str
    updated: datetime


def _page(params: Mapping[str, Any]) -> int:
    try:
        return whole_number(params.get("page") or "1", "page", minimum=1, maximum=MAX_COMPLETE_PAGE)
    except InvalidValue as error:
        raise FeedParameterError(str(error)) from None


def resolve(path: str, params: Mapping[str, Any]) -> FeedRequest:
    """The feed at a path with these query parameters (FeedNotFound, FeedParameterError).

    A feed's language comes from its URL alone (`lang`, else English), never from cookies or
    Accept-Language: a feed URL is a WebSub topic and a cache key, so it has one content.
    """
    language = params.get("lang") if params.get("lang") in i18n.LANGUAGES else "en"
    found = next(
        ((kind, match) for kind, pattern in _PATTERNS.items() if (match := pattern.match(path))),
        None,
    )
    if found is None:
        raise FeedNotFound(path)
    kind, match = found
    format_ = match.group("format")
    # Canonical order: the search's own parameters, then lang, then page (see JobFeed.url).
    extra = [("lang", language)] if language != "en" else []
    if kind in ("jobs", "organization"):
        try:
            query = parse_job_query(params)
        except SearchError as error:
            raise FeedParameterError(str(error)) from error
        search = job_query_to_params(query, page=False)
        if kind == "organization":  # implied by the path: one URL per feed
            search = [(key, value) for key, value in search if key != "organization"]
        page = [("page", str(query.page))] if query.page != 1 else []
        return FeedRequest(
            kind,
            format_,
            path,
            tuple(search + extra + page),
            language,
            query=query,
            slug=match.groupdict().get("slug", ""),
            page=query.page,
        )
    if kind == "complete":
        page_number = _page(params)
        page = [("page", str(page_number))] if page_number != 1 else []
        return FeedRequest(kind, format_, path, tuple(extra + page), language, page=page_number)
    return FeedRequest(kind, format_, path, (), language)


def resolve_url(url: str) -> FeedRequest:
    """The feed at an absolute URL of this site (the caller checks scheme and host)."""
    parts = urlsplit(url)
    # QueryParams keeps repeated parameters (country=AR&country=JP) as the routes see them.
    return resolve(parts.path, QueryParams(parts.query))


async def _job_feed(request: FeedRequest, settings: Settings, moment: datetime) -> JobFeed:
    days, network, base = settings.job_default_days, settings.network_name, settings.base_url
    params = list(request.params)
    if request.kind == "jobs":
        assert request.query is not None
        return await jobs_search_feed(request.query, params, base, moment, days, network)
    if request.kind == "organization":
        assert request.query is not None
        organization = await organization_by_slug(request.slug, status=OrganizationStatus.ACTIVE)
        if organization is None:
            raise FeedNotFound(request.path)
        return await organization_feed(organization, request.query, params, base, moment, days)
    return await complete_feed(request.page, params, base, moment, days, network)


async def render(request: FeedRequest, settings: Settings, moment: datetime) -> FeedBody:
    """The feed's bytes as of `moment` (see job_entries.feed_moment)."""
    token = i18n.current_language.set(request.language)
    try:
        if request.kind in ("directory", "opml"):
            members = await directory_feed.active_members()
            write = (
                directory_feed.render_directory_feed
                if request.kind == "directory"
                else directory_feed.render_opml
            )
            body = write(members, settings.base_url, settings.network_name)
            return FeedBody(body, request.media_type, directory_feed.last_change(members))
        feed = await _job_feed(request, settings, moment)
        # Only a page past the last is empty after the first (core.pagination): no such feed.
        if feed.page > 1 and not feed.jobs:
            raise FeedNotFound(request.path)
        body = RENDERERS[request.format](feed, settings.network_name)
        return FeedBody(body, request.media_type, feed.updated)
    finally:
        i18n.current_language.reset(token)
