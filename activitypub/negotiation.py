"""Content negotiation on the pages that stand for actors: the home page (the network) and
each member's page answer a client asking for ActivityPub (`application/activity+json`, or
`application/ld+json` with the ActivityStreams profile) with a redirect to the actor, and
browsers with the page. Both answers say `Vary: Accept`, so caches keep them apart.

A middleware, so that the directory, which renders these pages, knows nothing of it."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from activitypub.actors import AS_CONTEXT, actor_id, page_actor_name
from core.settings import Settings
from core.urls import Urls
from core.web import add_vary

HTML_TYPES = ("text/html", "application/xhtml+xml")


def _media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for item in accept.split(","):
        kind, *params = item.split(";")
        values = {}
        for param in params:
            name, _, value = param.partition("=")
            values[name.strip().lower()] = value.strip().strip('"')
        ranges.append((kind.strip().lower(), values))
    return ranges


def _quality(params: dict[str, str]) -> float:
    try:
        return max(0.0, min(1.0, float(params.get("q", "1"))))
    except ValueError:
        return 0.0


def wants_activity(accept: str) -> bool:
    """Whether the client prefers an ActivityStreams document to HTML (a tie goes to
    ActivityPub: a client that names it at all is not a browser)."""
    activity = html = 0.0
    for kind, params in _media_ranges(accept):
        streams = kind == "application/ld+json" and AS_CONTEXT in params.get("profile", "")
        if kind == "application/activity+json" or streams:
            activity = max(activity, _quality(params))
        elif kind in HTML_TYPES:
            html = max(html, _quality(params))
    return activity > 0 and activity >= html


class ActorNegotiation:
    def __init__(self, app: ASGIApp, settings: Settings, urls: Urls) -> None:
        self.app = app
        self.enabled = settings.activitypub_enabled
        self.settings = settings
        self.urls = urls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = self._actor_name(scope)
        if name is None:
            await self.app(scope, receive, send)
            return
        if wants_activity(Headers(scope=scope).get("accept", "")):
            target = actor_id(self.urls, name)
            await RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})(
                scope, receive, send
            )
            return

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_vary(message.setdefault("headers", []), ("Accept",))
            await send(message)

        await self.app(scope, receive, send_varying)

    def _actor_name(self, scope: Scope) -> str | None:
        if not self.enabled or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        found = self.urls.match_path(scope["path"])
        return page_actor_name(*found, self.settings) if found else None
