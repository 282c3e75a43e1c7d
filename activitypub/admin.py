"""Administrators' view of federation: followers and delivery health per actor, and the
list of blocked domains (deliveries from them are refused, nothing is sent to them)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from tortoise.functions import Count

from activitypub.models import BlockedDomain, Delivery, Follower
from core.i18n import DIAGNOSTICS_LANGUAGE
from core.i18n import gettext as _
from core.templating import render
from core.web import form_values, read_form
from directory.audit import Actor, record
from directory.auth import require_admin

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
RECENT_FAILURES = 20


async def _page(request: Request, error: str = "", status_code: int = 200) -> Response:
    followers = (
        await Follower.annotate(count=Count("id")).group_by("actor").values("actor", "count")
    )
    health = []
    for row in sorted(followers, key=lambda row: row["actor"]):
        deliveries = Delivery.filter(actor=row["actor"])
        health.append(
            {
                "actor": row["actor"],
                "followers": row["count"],
                "pending": await deliveries.filter(
                    delivered_at__isnull=True, gave_up_at__isnull=True
                ).count(),
                "delivered": await deliveries.filter(delivered_at__isnull=False).count(),
                "given_up": await deliveries.filter(gave_up_at__isnull=False).count(),
            }
        )
    failures = await Delivery.filter(last_error__not="").order_by("-id").limit(RECENT_FAILURES)
    return render(
        request,
        "activitypub/admin.html",
        {
            "health": health,
            "failures": failures,
            "blocked": await BlockedDomain.all().order_by("domain"),
            "error": error,
            "diagnostics_language": DIAGNOSTICS_LANGUAGE,
        },
        status_code=status_code,
    )


async def federation_page(request: Request) -> Response:
    await require_admin(request)
    return await _page(request)


async def block_domain(request: Request) -> Response:
    admin = await require_admin(request)
    values = form_values(await read_form(request))
    domain = str(values.get("domain", "")).strip().lower()
    if not DOMAIN.match(domain):
        return await _page(request, _("Enter a domain name such as example.social."), 422)
    row, created = await BlockedDomain.get_or_create(domain=domain)
    if created:
        await record(Actor.person(admin), "block_domain", "ap_blocked_domain", row.id)
        # Nothing more goes to that server, and its followers are no longer ours to serve.
        await Follower.filter(inbox__contains=f"//{domain}/").delete()
    return request.app.state.urls.redirect("activitypub:admin")


async def unblock_domain(request: Request) -> Response:
    admin = await require_admin(request)
    await read_form(request)
    row = await BlockedDomain.get_or_none(id=request.path_params["block_id"])
    if row is not None:
        await record(Actor.person(admin), "unblock_domain", "ap_blocked_domain", row.id)
        await row.delete()
    return request.app.state.urls.redirect("activitypub:admin")
