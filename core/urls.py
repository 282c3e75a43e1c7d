"""The URL map: every URL the application emits is built here from a named route.

Routes are named "<package>:<name>" (e.g. "directory:organization", "jobs:job",
"feeds:jobs_feed"); `Urls` builds paths and absolute URLs from those names, and finds the
route an absolute URL of this site leads to, so that code, templates, feeds and e-mails
write a URL in one way and a published URL can be read back by the same definition.
Absolute URLs start with the configured base URL (AMICUS_BASE_URL), never the request's
Host: a feed or an e-mail must name the same address whoever asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Scope

QueryItems = Iterable[tuple[str, Any]] | Mapping[str, Any]
# Paths of routes with parameters kept reversed: a few hundred bytes each.
REVERSED_PATHS_KEPT = 4096


class Urls:
    """Paths and absolute URLs of the named routes (kept on app.state.urls, and given to
    templates as `urls`)."""

    def __init__(self, routes: Sequence[BaseRoute], base_url: str) -> None:
        self.routes = list(routes)
        self.base_url = base_url.rstrip("/")
        self._router = Router(routes=self.routes)
        # Feeds build a few URLs per entry: looking the route up by name, rather than letting
        # the router try (and fail with an exception on) every route before it, keeps that
        # cheap. Names inside a named Mount go through the router.
        self._by_name: dict[str, BaseRoute] = {}
        for route in reversed(self.routes):  # the first of two routes with a name wins
            if isinstance(route, Route | Mount) and route.name:
                self._by_name[route.name] = route

        # A page of search results or a feed names the same few routes for every job, and
        # the same job again on the next request: each path is reversed once (by name and
        # parameters), then looked up.
        self._reversed = lru_cache(maxsize=REVERSED_PATHS_KEPT)(self._reverse)

    def _reverse(self, name: str, params: tuple[tuple[str, Any], ...]) -> str:
        route = self._by_name.get(name, self._router)
        return str(route.url_path_for(name, **dict(params)))

    def path(self, name: str, /, query: QueryItems = (), **params: Any) -> str:
        """The path (and query string) of a named route: "/orgs/lawyers-without-borders"."""
        path = self._reversed(name, tuple(params.items()))
        if not query:
            return path
        items = list(query.items() if isinstance(query, Mapping) else query)
        return f"{path}?{urlencode(items, doseq=True)}" if items else path

    def url(self, name: str, /, query: QueryItems = (), **params: Any) -> str:
        """The absolute URL of a named route, on the configured base URL."""
        return self.base_url + self.path(name, query, **params)

    def redirect(self, name: str, /, query: QueryItems = (), **params: Any) -> RedirectResponse:
        """303 See Other to a named route: where a form sends the browser next."""
        return RedirectResponse(self.path(name, query, **params), status_code=303)

    def static(self, path: str) -> str:
        return self.path("static", path=path)

    def match(self, url: str, method: str = "GET") -> tuple[str, dict[str, Any]] | None:
        """The route name and path parameters a URL of this site leads to, or None for a
        URL elsewhere or one no route serves with this method."""
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        prefix = base.path.rstrip("/")
        if not parts.path.startswith(prefix + "/"):
            return None
        return self.match_path(parts.path[len(prefix) :], method)

    def match_path(self, path: str, method: str = "GET") -> tuple[str, dict[str, Any]] | None:
        scope: Scope = {"type": "http", "path": path, "root_path": "", "method": method}
        return _match(self.routes, scope, "")


def _match(routes: Sequence[BaseRoute], scope: Scope, prefix: str) -> tuple[str, dict] | None:
    for route in routes:
        found, child = route.matches(scope)
        if found is not Match.FULL:
            continue
        merged = {**scope, **child}
        if isinstance(route, Mount) and route.routes:
            inner = _match(route.routes, merged, f"{prefix}{route.name}:" if route.name else prefix)
            if inner is not None:
                return inner
            continue
        if isinstance(route, Route | Mount) and route.name:
            return prefix + route.name, dict(merged.get("path_params", {}))
    return None


FEED_MEDIA_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
    "opml": "text/x-opml",
}
# The formats a job feed is published in (as its URL ends), with the name readers know.
JOB_FEED_FORMATS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
FeedLink = tuple[str, str, str]


def feed_links(
    urls: Urls, name: str, title: str = "", query: QueryItems = (), **params: Any
) -> list[FeedLink]:
    """(media type, path, title) of a job feed route in each format, for a page's
    <link rel="alternate"> (feed discovery) and its visible feed links."""
    return [
        (
            FEED_MEDIA_TYPES[format_],
            urls.path(name, query, format=format_, **params),
            f"{title} ({label})" if title else label,
        )
        for format_, label in JOB_FEED_FORMATS.items()
    ]
