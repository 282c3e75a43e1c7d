"""Every feed this instance publishes, found from its URL and rendered without HTTP.

FEED_ROUTES is the one table of feed URLs: feeds.routes serves it, and the WebSub hub (which
must re-render a subscribed topic) reads a topic URL back through the same routes
(core.urls.Urls.match), so a topic is valid exactly when its URL is a feed the site serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import QueryParams

from core import i18n
from core.settings import Settings
from core.urls import FEED_MEDIA_TYPES, Urls
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
from jobs.search.fulltext import SearchIndexes
from jobs.search.params import JobQuery, SearchError, job_query_to_params, parse_job_query

OPML_MEDIA_TYPE = FEED_MEDIA_TYPES["opml"]
MAX_COMPLETE_PAGE = 10_000
# Route name -> (path, kind). Job feeds take their format from the path; the directory
# feed is Atom only and the OPML list is OPML.
FEED_ROUTES = {
    "feeds:jobs_feed": ("/jobs/feed.{format:str}", "jobs"),
    "feeds:organization_feed": ("/orgs/{slug:str}/jobs.{format:str}", "organization"),
    "feeds:complete_feed": ("/federation/jobs.{format:str}", "complete"),
    "feeds:directory_feed": ("/directory/feed.atom", "directory"),
    "feeds:opml_feed": ("/directory.opml", "opml"),
}
_KINDS = {name: kind for name, (_path, kind) in FEED_ROUTES.items()}
_FIXED_FORMATS = {"directory": "atom", "opml": "opml"}
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
    urls: Urls = field(compare=False, repr=False)
    query: JobQuery | None = None
    slug: str = ""
    page: int = 1

    @property
    def url(self) -> str:
        """The canonical path and query of the feed (without the host)."""
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    @property
    def absolute_url(self) -> str:
        return self.urls.base_url + self.url

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


def resolve(
    kind: str, path_params: Mapping[str, Any], path: str, params: Mapping[str, Any], urls: Urls
) -> FeedRequest:
    """The feed of a kind (see FEED_ROUTES) at a path, given the path's parameters and the
    query's (FeedNotFound, FeedParameterError).

    A feed's language comes from its URL alone (`lang`, else English), never from cookies or
    Accept-Language: a feed URL is a WebSub topic and a cache key, so it has one content.
    """
    language = params.get("lang") if params.get("lang") in i18n.LANGUAGES else "en"
    format_ = _FIXED_FORMATS.get(kind) or path_params.get("format", "")
    if format_ not in RENDERERS and kind not in _FIXED_FORMATS:
        raise FeedNotFound(path)
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
            urls,
            query=query,
            slug=path_params.get("slug", ""),
            page=query.page,
        )
    if kind == "complete":
        page_number = _page(params)
        page = [("page", str(page_number))] if page_number != 1 else []
        return FeedRequest(
            kind, format_, path, tuple(extra + page), language, urls, page=page_number
        )
    return FeedRequest(kind, format_, path, (), language, urls)


def resolve_url(url: str, urls: Urls) -> FeedRequest:
    """The feed at an absolute URL of this site, read through the feed routes."""
    found = urls.match(url)
    if found is None or found[0] not in _KINDS:
        raise FeedNotFound(url)
    name, path_params = found
    parts = urlsplit(url)
    # QueryParams keeps repeated parameters (country=AR&country=JP) as the routes see them.
    return resolve(_KINDS[name], path_params, parts.path, QueryParams(parts.query), urls)


async def _job_feed(
    request: FeedRequest, settings: Settings, indexes: SearchIndexes, moment: datetime
) -> JobFeed:
    days, network, urls = settings.job_default_days, settings.network_name, request.urls
    params = list(request.params)
    if request.kind == "jobs":
        assert request.query is not None
        return await jobs_search_feed(request.query, params, urls, indexes, moment, days, network)
    if request.kind == "organization":
        assert request.query is not None
        organization = await organization_by_slug(request.slug, status=OrganizationStatus.ACTIVE)
        if organization is None:
            raise FeedNotFound(request.path)
        return await organization_feed(
            organization, request.query, params, urls, indexes, moment, days
        )
    return await complete_feed(request.page, params, urls, indexes, moment, days, network)


async def render(
    request: FeedRequest, settings: Settings, indexes: SearchIndexes, moment: datetime
) -> FeedBody:
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
            body = write(members, request.urls, settings.network_name)
            return FeedBody(body, request.media_type, directory_feed.last_change(members))
        feed = await _job_feed(request, settings, indexes, moment)
        if feed.past_the_end:
            raise FeedNotFound(request.path)
        body = RENDERERS[request.format](feed, settings.network_name)
        return FeedBody(body, request.media_type, feed.updated)
    finally:
        i18n.current_language.reset(token)
