"""The member dashboard: the organization's profile and status, editors, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.templating import render
from core.validation import LARGEST_ROW_ID, Cleaner, ValidationError
from core.web import (
    NOTICE_KEY,
    FormExpired,
    form_values,
    keeps_typed_values,
    read_form,
    when_expired,
)
from directory.auth import require_account
from directory.forms import kept_values, profile_form_context, shows_areas
from directory.invitations import invite_editor
from directory.models import (
    Account,
    ApiToken,
    Invitation,
    Organization,
    OrganizationStatus,
    Role,
)
from directory.people import remove_editor
from directory.profile import profile_form_values, update_profile
from directory.throttle import client_address
from directory.tokens import (
    DEFAULT_TOKEN_LIFETIME,
    TOKEN_LIFETIMES,
    create_token,
    revoke_token,
    token_lifetime_choices,
)

# Ids are 32-bit integers; a longer number in a URL names nothing (and must not reach the driver).
EDITABLE_STATUSES = (OrganizationStatus.APPLIED, OrganizationStatus.ACTIVE)


def may_edit_profile(account: Account, organization: Organization) -> bool:
    """Owners and editors, while the organization is applying or active."""
    return (
        account.organization_id == organization.id
        and account.role in (Role.OWNER, Role.EDITOR)
        and organization.status in EDITABLE_STATUSES
    )


def may_manage_editors(account: Account, organization: Organization) -> bool:
    """Owners of an active organization invite and remove its editors."""
    return (
        account.organization_id == organization.id
        and account.role == Role.OWNER
        and organization.status == OrganizationStatus.ACTIVE
    )


def may_manage_tokens(account: Account, organization: Organization) -> bool:
    """API tokens are credentials that outlive a session, so only owners of an active
    organization create and revoke them; editors post through the dashboard."""
    return may_manage_editors(account, organization)


async def member_organization(account: Account) -> Organization:
    if account.organization_id is None:
        raise HTTPException(403, _("This account does not belong to a member organization."))
    return await Organization.get(id=account.organization_id)


async def render_dashboard(
    request: Request,
    account: Account,
    organization: Organization,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    tokens: list[ApiToken] = []
    invitations: list[Invitation] = []
    if may_manage_tokens(account, organization):
        tokens = await ApiToken.filter(organization=organization).order_by("-created_at", "-id")
    if may_manage_editors(account, organization):
        invitations = await Invitation.filter(
            organization=organization, accepted_at=None, expires_at__gt=datetime.now(UTC)
        ).order_by("-created_at")
    await organization.fetch_related("screening_organization", "parent_organization")
    if values is None:
        values = profile_form_values(organization)
    context = {
        "referrals": True,
        "organization": organization,
        "may_edit": may_edit_profile(account, organization),
        "may_manage_tokens": may_manage_tokens(account, organization),
        "may_manage_editors": may_manage_editors(account, organization),
        "values": values,
        "errors": errors or {},
        "tokens": tokens,
        "invitations": invitations,
        "editors": await Account.filter(organization=organization).order_by("id"),
        "token_errors": {},
        "token_values": {"token_lifetime": DEFAULT_TOKEN_LIFETIME},
        "token_lifetimes": token_lifetime_choices(),
        "now": datetime.now(UTC),
        "invitation_errors": {},
        **profile_form_context(values),
        **extra,
    }
    return render(request, "directory/dashboard.html", context, status_code=status_code)


@keeps_typed_values
async def dashboard(request: Request) -> Response:
    account = await require_account(request)
    try:
        form = await read_form(request) if request.method == "POST" else None
    except FormExpired as expired:
        if account.organization_id is None:
            raise
        # The profile is a long form: shown again as sent, nothing saved (see FormExpired).
        return await render_dashboard(
            request,
            account,
            await member_organization(account),
            values=kept_values(expired.values),
            status_code=expired.status_code,
            notice=expired.notice,
        )
    if account.organization_id is None:
        if form is not None:
            raise HTTPException(403, _("This account does not belong to a member organization."))
        return render(request, "directory/dashboard_admin.html", {})
    organization = await member_organization(account)
    if form is None:
        return await render_dashboard(request, account, organization)
    if not may_edit_profile(account, organization):
        raise HTTPException(403, _("This profile cannot be edited now."))
    values = form_values(form)
    if shows_areas(values):
        return await render_dashboard(request, account, organization, values=kept_values(values))
    try:
        await update_profile(organization, values)
    except ValidationError as error:
        return await render_dashboard(
            request,
            account,
            organization,
            values=kept_values(values),
            errors=error.errors,
            status_code=422,
        )
    request.session[NOTICE_KEY] = _("The profile has been saved.")
    return request.app.state.urls.redirect("directory:dashboard")


def back_to_dashboard(request: Request) -> Response | None:
    """A page shown after a POST (a new token's secret, an invitation link) keeps its URL;
    opening it again (reload, history, a bookmark) leads to the dashboard, not a 405."""
    if request.method == "GET":
        return request.app.state.urls.redirect("directory:dashboard")
    return None


@when_expired(
    lazy_gettext(
        "The form had been open too long, so no API token was created. Please create it again."
    )
)
async def create_token_view(request: Request) -> Response:
    account = await require_account(request)
    if (redirect := back_to_dashboard(request)) is not None:
        return redirect
    values = form_values(await read_form(request))
    organization = await member_organization(account)
    if not may_manage_tokens(account, organization):
        raise HTTPException(403, _("Only owners of an active organization can create API tokens."))
    cleaner = Cleaner(values)
    name = cleaner.line("token_name", max_length=100, required=True)
    lifetime_key = cleaner.text("token_lifetime", max_length=10) or DEFAULT_TOKEN_LIFETIME
    if lifetime_key not in TOKEN_LIFETIMES:
        cleaner.fail("token_lifetime", _("Choose one of the lifetimes offered."))
    if cleaner.errors:
        return await render_dashboard(
            request,
            account,
            organization,
            status_code=422,
            token_errors=cleaner.errors,
            token_values=kept_values(values),
        )
    token, secret = await create_token(organization, name, account, TOKEN_LIFETIMES[lifetime_key])
    return await render_dashboard(
        request, account, organization, new_token=token, new_secret=secret
    )


@when_expired(
    lazy_gettext(
        "The form had been open too long, so the API token was not revoked. Please try again."
    )
)
async def revoke_token_view(request: Request) -> Response:
    account = await require_account(request)
    await read_form(request)
    organization = await member_organization(account)
    if not may_manage_tokens(account, organization):
        raise HTTPException(403, _("Only owners of an active organization can manage API tokens."))
    token_id = request.path_params["token_id"]
    token = None
    if token_id <= LARGEST_ROW_ID:
        token = await ApiToken.get_or_none(id=token_id, organization_id=organization.id)
    if token is None:
        raise HTTPException(404, _("There is no such API token for your organization."))
    await revoke_token(token)
    request.session[NOTICE_KEY] = _("The API token %(name)s has been revoked.") % {
        "name": token.name
    }
    return request.app.state.urls.redirect("directory:dashboard")


@when_expired(
    lazy_gettext("The form had been open too long, so no invitation was made. Please invite again.")
)
async def create_invitation_view(request: Request) -> Response:
    account = await require_account(request)
    if (redirect := back_to_dashboard(request)) is not None:
        return redirect
    values = form_values(await read_form(request))
    organization = await member_organization(account)
    if not may_manage_editors(account, organization):
        raise HTTPException(
            403, _("Only owners of an active member organization can invite editors.")
        )
    try:
        _invitation, link = await invite_editor(
            organization,
            account,
            values,
            request.app.state.settings,
            request.app.state.urls,
            client_address(request),
        )
    except ValidationError as error:
        return await render_dashboard(
            request,
            account,
            organization,
            status_code=422,
            invitation_errors=error.errors,
            invitation_values=kept_values(values),
        )
    return await render_dashboard(request, account, organization, invitation_link=link)


@when_expired(
    lazy_gettext(
        "The form had been open too long, so the editor was not removed. Please try again."
    )
)
async def remove_editor_view(request: Request) -> Response:
    account = await require_account(request)
    await read_form(request)
    organization = await member_organization(account)
    if not may_manage_editors(account, organization):
        raise HTTPException(
            403, _("Only owners of an active member organization can remove editors.")
        )
    editor_id = request.path_params["account_id"]
    editor = None
    if editor_id <= LARGEST_ROW_ID:
        editor = await Account.get_or_none(
            id=editor_id, organization_id=organization.id, role=Role.EDITOR
        )
    if editor is None:
        raise HTTPException(404, _("There is no such editor in your organization."))
    await remove_editor(organization, editor, account)
    request.session[NOTICE_KEY] = _("%(name)s is no longer an editor.") % {
        "name": editor.display_name
    }
    return request.app.state.urls.redirect("directory:dashboard")
