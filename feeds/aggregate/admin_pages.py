"""Admin pages for feed subscriptions: their health, adding, pausing, removing, approving."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.i18n import DIAGNOSTICS_LANGUAGE, lazy_gettext
from core.i18n import gettext as _
from core.settings import Settings
from core.templating import render
from core.validation import LARGEST_ROW_ID, ValidationError
from core.web import form_values, read_form
from directory.auth import require_admin
from directory.models import Organization, OrganizationStatus
from feeds.aggregate.events import feed_events
from feeds.aggregate.subscriptions import (
    add_subscription,
    approve_member_feed,
    pending_member_feeds,
    remove_subscription,
    set_paused,
)
from feeds.models import FeedSubscription, SubscriptionKind, SubscriptionStatus

ADMIN_FEEDS = "feeds:admin_feeds"
KIND_LABELS = {
    SubscriptionKind.JOBS: lazy_gettext("Job feed"),
    SubscriptionKind.DIRECTORY: lazy_gettext("Member directory"),
}
STATUS_LABELS = {
    SubscriptionStatus.ACTIVE: lazy_gettext("Active"),
    SubscriptionStatus.PAUSED: lazy_gettext("Paused"),
    SubscriptionStatus.DISABLED: lazy_gettext("Disabled"),
}


async def subscription_or_404(subscription_id: int) -> FeedSubscription:
    subscription = None
    if subscription_id <= LARGEST_ROW_ID:
        subscription = await FeedSubscription.get_or_none(id=subscription_id)
    if subscription is None:
        raise HTTPException(404, _("There is no such feed subscription."))
    return subscription


async def _page(
    request: Request, values: dict | None = None, errors: dict | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "feeds/admin_feeds.html",
        {
            "subscriptions": await FeedSubscription.all().order_by("name", "id"),
            "pending": await pending_member_feeds(),
            "kinds": [(kind.value, str(label)) for kind, label in KIND_LABELS.items()],
            "kind_labels": KIND_LABELS,
            "status_labels": STATUS_LABELS,
            "diagnostics_language": DIAGNOSTICS_LANGUAGE,
            "values": values or {"kind": SubscriptionKind.JOBS.value},
            "errors": errors or {},
            "done": request.query_params.get("done", ""),
        },
        status_code=status,
    )


async def feeds_page(request: Request) -> Response:
    await require_admin(request)
    if request.method == "GET":
        return await _page(request)
    values = form_values(await read_form(request))
    settings: Settings = request.app.state.settings
    kind = values.get("kind") or SubscriptionKind.JOBS.value
    if kind not in {member.value for member in SubscriptionKind}:
        return await _page(request, values, {"kind": _("Choose a kind of feed.")}, 422)
    try:
        await add_subscription(
            settings,
            str(values.get("url", "")),
            name=str(values.get("name", "")),
            network=str(values.get("network", "")),
            kind=SubscriptionKind(kind),
        )
    except ValidationError as error:
        return await _page(request, values, error.errors, 422)
    return request.app.state.urls.redirect(ADMIN_FEEDS, {"done": "added"})


async def subscription_action(request: Request) -> Response:
    await require_admin(request)
    await read_form(request)
    subscription = await subscription_or_404(request.path_params["id"])
    action = request.path_params["action"]
    if action == "remove":
        await remove_subscription(subscription)
    elif action in ("pause", "resume"):
        await set_paused(subscription, action == "pause")
    else:
        raise HTTPException(404, _("There is no such action."))
    settings: Settings = request.app.state.settings
    events = feed_events(request)
    leave_hub = events.subscription_left(subscription, settings) if action != "resume" else None
    response = request.app.state.urls.redirect(ADMIN_FEEDS, {"done": action})
    response.background = leave_hub
    return response


async def approve_member(request: Request) -> Response:
    await require_admin(request)
    await read_form(request)
    organization = await Organization.get_or_none(
        slug=request.path_params["slug"], status=OrganizationStatus.ACTIVE, origin_id=None
    )
    if organization is None:
        raise HTTPException(404, _("There is no such member organization."))
    settings: Settings = request.app.state.settings
    try:
        await approve_member_feed(settings, organization)
    except ValidationError as error:
        return await _page(request, {}, {"approve": error.errors.get("url", "")}, 422)
    return request.app.state.urls.redirect(ADMIN_FEEDS, {"done": "approved"})
