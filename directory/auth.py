"""Who is asking: the signed-in account (session cookie) and what it may do.

The session cookie is signed, not stored, so on its own it would stay valid until it expires.
It also carries the account's session generation, compared with the database's on every
request: ending an account's sessions moves the generation on, and every cookie issued
before then (on any device, in any process) is refused at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from tortoise.expressions import F

from core.i18n import current_language
from core.i18n import gettext as _
from core.web import (
    endpoint_keeps_typed_values,
    is_api_request,
    read_form_unchecked,
    referring_path,
)
from directory.models import Account, Organization, OrganizationStatus, Role

SESSION_ACCOUNT_KEY = "account_id"
SESSION_GENERATION_KEY = "generation"


async def current_account(request: Request) -> Account | None:
    """The signed-in, active account, loaded once per request."""
    if hasattr(request.state, "account"):
        return request.state.account
    account = None
    account_id = request.session.get(SESSION_ACCOUNT_KEY)
    generation = request.session.get(SESSION_GENERATION_KEY)
    if isinstance(account_id, int) and isinstance(generation, int):
        account = await Account.get_or_none(
            id=account_id, active=True, session_generation=generation
        ).prefetch_related("organization")
    if account is None and account_id is not None:
        # Ended elsewhere: forget it rather than check it again. The CSRF token stays, so a
        # form already open (such as sign-in) can still be sent.
        request.session.pop(SESSION_ACCOUNT_KEY, None)
        request.session.pop(SESSION_GENERATION_KEY, None)
    request.state.account = account
    return account


def start_session(request: Request, account: Account) -> None:
    # A fresh session on sign-in, so nothing from before it (like a planted CSRF token) survives.
    request.session.clear()
    request.session[SESSION_ACCOUNT_KEY] = account.id
    request.session[SESSION_GENERATION_KEY] = account.session_generation
    request.state.account = account


async def end_all_sessions(*accounts: Account) -> None:
    """Every session of these accounts ends, on every device, at their next request."""
    for account in accounts:
        await Account.filter(id=account.id).update(session_generation=F("session_generation") + 1)
        await account.refresh_from_db(fields=["session_generation"])


async def end_organization_sessions(organization_id: int) -> None:
    await Account.filter(organization_id=organization_id).update(
        session_generation=F("session_generation") + 1
    )


async def sign_out_everywhere(request: Request) -> None:
    """Ends this account's sessions everywhere, not only the cookie in this browser."""
    account = await current_account(request)
    if account is not None:
        await end_all_sessions(account)
    request.session.clear()
    request.state.account = None


async def record_sign_in(account: Account) -> None:
    """When, and in which language (the one its mail is then written in), it signed in."""
    account.last_sign_in_at = datetime.now(UTC)
    account.language = current_language.get()
    await account.save(update_fields=["last_sign_in_at", "language"])


class SignInToContinue(HTTPException):
    """A form sent after its session ended (signed out, expired or ended elsewhere): 401,
    answered with the sign-in page, which carries what the form sent (kept, when its view
    shows a refused form again: core.web.keeps_typed_values) to the form's address, or
    leads back to the page the form was on."""

    def __init__(self, kept: dict[str, Any], action: str, back_to: str):
        super().__init__(401, _("Please sign in."))
        self.kept = kept
        self.action = action
        self.back_to = back_to


async def require_account(request: Request) -> Account:
    """The signed-in account, or 401 (pages turn this into a sign-in redirect, and a form
    sent without a session into the sign-in page that keeps it: SignInToContinue)."""
    account = await current_account(request)
    if account is None:
        if request.method == "POST" and not is_api_request(request):
            keeps = endpoint_keeps_typed_values(request)
            raise SignInToContinue(
                await read_form_unchecked(request) if keeps else {},
                request.url.path if keeps else "",
                referring_path(request),
            )
        raise HTTPException(401, _("Please sign in."))
    return account


async def require_admin(request: Request) -> Account:
    account = await require_account(request)
    if not account.is_admin:
        raise HTTPException(403, _("Only network administrators may do this."))
    return account


def can_manage_organization(account: Account | None, organization: Organization) -> bool:
    """Owners and editors of the organization itself; administrators of the network."""
    if account is None:
        return False
    if account.is_admin:
        return True
    return account.organization_id == organization.id and account.role in (Role.OWNER, Role.EDITOR)


def can_post_for(account: Account | None, organization: Organization) -> bool:
    """Only members of an active organization post for it."""
    return (
        account is not None
        and not account.is_admin
        and account.organization_id == organization.id
        and account.role in (Role.OWNER, Role.EDITOR)
        and organization.status == OrganizationStatus.ACTIVE
    )
