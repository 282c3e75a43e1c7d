"""OpenAPI paths of the feeds and the WebSub hub (documented in full on /federation)."""

from __future__ import annotations

from typing import Any

from feeds.publish.catalog import MAX_COMPLETE_PAGE, OPML_MEDIA_TYPE
from feeds.publish.job_feed import MEDIA_TYPES

_FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": list(MEDIA_TYPES)},
}
_FEED_RESPONSES = {
    "200": {
        "description": "The feed; strong ETag, Last-Modified, Link rel=hub and rel=self",
        "content": {media_type: {} for media_type in MEDIA_TYPES.values()},
    },
    "304": {"description": "Not modified (If-None-Match / If-Modified-Since)"},
    "400": {"description": "A bad parameter, with the reason as text/plain"},
    "404": {"description": "No such feed (unknown organization)"},
}
_SEARCH_NOTE = "Takes exactly the query parameters of /jobs (see /api/jobs)."


def _feed(summary: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "description": _SEARCH_NOTE,
            "parameters": parameters,
            "responses": _FEED_RESPONSES,
        }
    }


PATHS: dict[str, Any] = {
    "/jobs/feed.{format}": _feed("Any job search as Atom, RSS or JSON Feed", [_FORMAT]),
    "/orgs/{slug}/jobs.{format}": _feed(
        "The open jobs of one organization",
        [_FORMAT, {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
    ),
    "/federation/jobs.{format}": {
        "get": {
            "summary": "Every open job (RFC 5005 complete, or paged with ?page=N)",
            "parameters": [
                _FORMAT,
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_COMPLETE_PAGE},
                },
            ],
            "responses": _FEED_RESPONSES,
        }
    },
    "/directory/feed.atom": {
        "get": {
            "summary": "Every active member as an Atom entry with schema.org Organization fields",
            "responses": {"200": {"description": "Atom", "content": {MEDIA_TYPES["atom"]: {}}}},
        }
    },
    "/directory.opml": {
        "get": {
            "summary": "Every active member's job feed, as OPML",
            "responses": {"200": {"description": "OPML", "content": {OPML_MEDIA_TYPE: {}}}},
        }
    },
    "/websub/hub": {
        "post": {
            "summary": "WebSub subscribe / unsubscribe (W3C WebSub)",
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["hub.mode", "hub.topic", "hub.callback"],
                            "properties": {
                                "hub.mode": {
                                    "type": "string",
                                    "enum": ["subscribe", "unsubscribe"],
                                },
                                "hub.topic": {"type": "string", "format": "uri"},
                                "hub.callback": {"type": "string", "format": "uri"},
                                "hub.lease_seconds": {"type": "integer"},
                                "hub.secret": {"type": "string", "maxLength": 200},
                            },
                        }
                    }
                }
            },
            "responses": {
                "202": {"description": "Accepted; the intent is verified with the callback"},
                "400": {"description": "Refused, with the reason as text/plain"},
                "415": {"description": "The body is not application/x-www-form-urlencoded"},
                "429": {"description": "Too many pending intents; Retry-After says when to retry"},
            },
        }
    },
}
