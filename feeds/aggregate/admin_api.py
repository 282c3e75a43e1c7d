"""Admin API for feed subscriptions: an administrator's session, plus the CSRF token in the
X-CSRF-Token header for every change (the same protection as the admin pages' forms)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.i18n import gettext as _
from core.openapi import error_responses
from core.responses import JSONResponse
from core.security import CSRF_HEADER, csrf_token_is_valid
from core.settings import Settings
from core.validation import ValidationError
from core.web import ApiError, read_json_object
from directory.auth import require_admin
from feeds.aggregate.admin_pages import subscription_or_404
from feeds.aggregate.events import feed_events
from feeds.aggregate.subscriptions import add_subscription, remove_subscription, set_paused
from feeds.models import FeedSubscription, SubscriptionKind


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def subscription_json(subscription: FeedSubscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "site_url": subscription.site_url,
        "name": subscription.name,
        "network": subscription.network,
        "kind": subscription.kind.value,
        "status": subscription.status.value,
        "organization_id": subscription.organization_id,
        "last_fetched_at": _moment(subscription.last_fetched_at),
        "last_success_at": _moment(subscription.last_success_at),
        "last_status": subscription.last_status,
        "items_imported_last": subscription.items_imported_last,
        "items_imported_total": subscription.items_imported_total,
        "consecutive_failures": subscription.consecutive_failures,
        "last_error": subscription.last_error,
        "parse_warnings": subscription.parse_warnings,
        "next_poll_at": _moment(subscription.next_poll_at),
        "hub_url": subscription.hub_url,
    }


async def _require_admin_change(request: Request) -> None:
    await require_admin(request)
    if not csrf_token_is_valid(request, request.headers.get(CSRF_HEADER)):
        raise ApiError(403, "forbidden", _("Send the CSRF token in the X-CSRF-Token header."))


async def feeds_collection(request: Request) -> Response:
    if request.method == "GET":
        await require_admin(request)
        subscriptions = await FeedSubscription.all().order_by("name", "id")
        return JSONResponse({"items": [subscription_json(s) for s in subscriptions]})
    await _require_admin_change(request)
    data = await read_json_object(request)
    kind = data.get("kind", SubscriptionKind.JOBS.value)
    if kind not in {member.value for member in SubscriptionKind}:
        raise ValidationError({"kind": _("'kind' must be 'jobs' or 'directory'.")})
    texts = {key: data.get(key, "") for key in ("url", "name", "network")}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise ValidationError({key: _("This must be a string.")})
    settings: Settings = request.app.state.settings
    subscription = await add_subscription(
        settings,
        texts["url"],
        name=texts["name"],
        network=texts["network"],
        kind=SubscriptionKind(kind),
    )
    return JSONResponse(subscription_json(subscription), status_code=201)


async def feed_item(request: Request) -> Response:
    await _require_admin_change(request)
    subscription = await subscription_or_404(request.path_params["id"])
    await remove_subscription(subscription)
    settings: Settings = request.app.state.settings
    leave_hub = feed_events(request).subscription_left(subscription, settings)
    return Response(status_code=204, background=leave_hub)


async def feed_action(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in ("pause", "resume"):
        raise ApiError(404, "not_found", _("There is no such action."))
    await _require_admin_change(request)
    subscription = await subscription_or_404(request.path_params["id"])
    paused = action == "pause"
    settings: Settings = request.app.state.settings
    leave_hub = feed_events(request).subscription_left(subscription, settings) if paused else None
    await set_paused(subscription, paused)
    return JSONResponse(subscription_json(subscription), background=leave_hub)


_ADMIN = "An administrator's session; every change also needs the X-CSRF-Token header."
_ONE = {
    "description": "The subscription",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FeedSubscription"}}},
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
OPENAPI = {
    "paths": {
        "/api/admin/feeds": {
            "get": {
                "summary": "Feed subscriptions and their health",
                "description": _ADMIN,
                "responses": {
                    "200": {"description": "Every subscription"},
                    **error_responses(401, 403),
                },
            },
            "post": {
                "summary": "Subscribe to a feed, or to a page that links one",
                "description": _ADMIN,
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["url"],
                                "properties": {
                                    "url": {"type": "string"},
                                    "name": {"type": "string"},
                                    "network": {"type": "string"},
                                    "kind": {"type": "string", "enum": ["jobs", "directory"]},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": _ONE, **error_responses(401, 403, 415, 422)},
            },
        },
        "/api/admin/feeds/{id}": {
            "delete": {
                "summary": "Remove a subscription (its imported jobs stay)",
                "parameters": _ID,
                "responses": {"204": {"description": "Removed"}, **error_responses(401, 403, 404)},
            }
        },
        **{
            f"/api/admin/feeds/{{id}}/{action}": {
                "post": {
                    "summary": f"{action.capitalize()} a subscription",
                    "parameters": _ID,
                    "responses": {"200": _ONE, **error_responses(401, 403, 404)},
                }
            }
            for action in ("pause", "resume")
        },
    },
    "schemas": {
        "FeedSubscription": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "url": {"type": "string"},
                "name": {"type": "string"},
                "network": {"type": "string"},
                "kind": {"type": "string", "enum": ["jobs", "directory"]},
                "status": {"type": "string", "enum": ["active", "paused", "disabled"]},
                "last_fetched_at": {"type": ["string", "null"], "format": "date-time"},
                "last_success_at": {"type": ["string", "null"], "format": "date-time"},
                "last_status": {"type": ["integer", "null"]},
                "items_imported_last": {"type": "integer"},
                "items_imported_total": {"type": "integer"},
                "consecutive_failures": {"type": "integer"},
                "last_error": {"type": "string"},
                "parse_warnings": {"type": "string"},
                "next_poll_at": {"type": ["string", "null"], "format": "date-time"},
            },
        }
    },
}
