"""Network administration: the application queue, members and decisions on them, and the
health of the e-mail outbox."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.pagination import page_links, paginate
from core.templating import render
from core.validation import LARGEST_ROW_ID, ValidationError
from core.web import form_values, query_int, read_form, when_expired
from directory.auth import require_admin
from directory.membership import (
    ACTIONS,
    TransitionRefused,
    available_actions,
    decide,
    organization_history,
)
from directory.models import Account, Organization, OrganizationStatus
from directory.pages import MAX_PAGE, display_helpers
from directory.people import ACCOUNT_ACTIONS, set_account_active
from directory.profile import organization_by_slug
from directory.search import InvalidQuery, parse_query, text_matches
from mail.delivery import outbox_health

MEMBERS_PAGE_SIZE = 50


async def overview(request: Request) -> Response:
    await require_admin(request)
    counts = Counter(await Organization.all().values_list("status", flat=True))
    return render(
        request,
        "directory/admin_overview.html",
        {
            "counts": [(status, counts.get(status, 0)) for status in OrganizationStatus],
            **display_helpers(),
        },
    )


async def applications(request: Request) -> Response:
    await require_admin(request)
    waiting = await Organization.filter(status=OrganizationStatus.APPLIED).order_by(
        "created_at", "id"
    )
    return render(
        request,
        "directory/admin_applications.html",
        {"organizations": waiting, **display_helpers()},
    )


async def members(request: Request) -> Response:
    await require_admin(request)
    status = request.query_params.get("status", "")
    if status and status not in {member.value for member in OrganizationStatus}:
        raise HTTPException(
            400,
            _("'status' must be one of: %(allowed)s.")
            % {"allowed": ", ".join(member.value for member in OrganizationStatus)},
        )
    try:
        query = parse_query(request.query_params)
    except InvalidQuery as error:
        raise HTTPException(400, str(error)) from error
    rows = Organization.all()
    if status:
        rows = rows.filter(status=status)
    if query.country:
        rows = rows.filter(country=query.country)
    found = [
        organization
        for organization in await rows
        if text_matches(
            f"{organization.name} {organization.short_name} {organization.slug}", query.q
        )
    ]
    page = paginate(
        found, query_int(request, "page", 1, minimum=1, maximum=MAX_PAGE), MEMBERS_PAGE_SIZE
    )
    if page.is_past_last:
        raise HTTPException(404, page.past_last_message())
    urls = request.app.state.urls
    # The filters as given (status, q, country), each page changing only its number.
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    return render(
        request,
        "directory/admin_members.html",
        {
            "page": page,
            "pagination": page_links(
                page,
                lambda number: urls.path("directory:admin_members", [*kept, ("page", number)]),
                MAX_PAGE,
            ),
            "status": status,
            "query": query,
            "statuses": list(OrganizationStatus),
            **display_helpers(),
        },
    )


async def organization_detail(
    request: Request, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    await require_admin(request)
    organization = await organization_by_slug(request.path_params["slug"])
    if organization is None:
        raise HTTPException(404, _("There is no organization at this address."))
    return render(
        request,
        "directory/admin_organization.html",
        {
            "organization": organization,
            "accounts": await Account.filter(organization=organization).order_by("id"),
            "history": await organization_history(organization),
            "actions": available_actions(organization),
            "errors": errors or {},
            **display_helpers(),
        },
        status_code=status_code,
    )


@when_expired(
    lazy_gettext(
        "The form had been open too long, so the decision was not recorded. Please decide again."
    )
)
async def organization_action(request: Request) -> Response:
    admin = await require_admin(request)
    values = form_values(await read_form(request))
    action = request.path_params["action"]
    organization = await organization_by_slug(request.path_params["slug"])
    if organization is None or action not in ACTIONS:
        raise HTTPException(404, _("There is no organization or action at this address."))
    reason = values.get("reason", "")
    try:
        await decide(
            organization,
            action,
            admin,
            reason if isinstance(reason, str) else "",
            settings=request.app.state.settings,
        )
    except TransitionRefused as error:
        raise HTTPException(409, str(error)) from error
    except ValidationError as error:
        return await organization_detail(
            request, errors={f"{action}_reason": error.errors["reason"]}, status_code=422
        )
    return request.app.state.urls.redirect("directory:admin_organization", slug=organization.slug)


@when_expired(
    lazy_gettext(
        "The form had been open too long, so the account was not changed. Please try again."
    )
)
async def account_action(request: Request) -> Response:
    admin = await require_admin(request)
    await read_form(request)
    action = request.path_params["action"]
    account_id = request.path_params["account_id"]
    account = None
    if action in ACCOUNT_ACTIONS and account_id <= LARGEST_ROW_ID:
        account = await Account.get_or_none(id=account_id).prefetch_related("organization")
    if account is None or account.organization is None:
        raise HTTPException(404, _("There is no account or action at this address."))
    try:
        await set_account_active(account, action, admin)
    except TransitionRefused as error:
        raise HTTPException(409, str(error)) from error
    return request.app.state.urls.redirect(
        "directory:admin_organization", slug=account.organization.slug
    )


async def outbox(request: Request) -> Response:
    """The outbox's health. A directory page because only the directory knows who is an
    administrator; the mail package, below it, supplies the figures."""
    await require_admin(request)
    health = await outbox_health(datetime.now(UTC))
    return render(request, "directory/admin_outbox.html", {"health": health})
