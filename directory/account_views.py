"""Pages for becoming and being a member: apply, sign in and out, accept an invitation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.templating import render
from core.validation import ValidationError, strip_control_characters
from core.web import KEPT_FORM_FIELD, FormExpired, form_values, read_form, when_expired
from directory.accounts import authenticate, normalized_email
from directory.auth import (
    SignInToContinue,
    current_account,
    record_sign_in,
    require_account,
    sign_out_everywhere,
    start_session,
)
from directory.dashboard import NOTICE_KEY
from directory.forms import EMAIL_MAX, kept_values, profile_form_context, shows_areas
from directory.invitations import InvitationUnusable, accept_invitation, usable_invitation
from directory.membership import application_for_existing_account, apply_for_membership
from directory.models import Account
from directory.notices import MAIL_KINDS
from directory.passwords import (
    ResetLinkUnusable,
    change_password,
    request_password_reset,
    reset_password,
    usable_reset,
)
from directory.throttle import Throttled, client_address
from directory.verification import (
    VerificationLinkUnusable,
    confirm_email,
    request_email_change,
    resend_verification,
    usable_verification,
)
from mail.outbox import enqueue, set_turned_off, turned_off


def safe_next(target: str | None) -> str | None:
    """Only paths on this site: never another host, scheme or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return None
    return target


def home_route_for(account: Account) -> str:
    return "directory:admin" if account.is_admin else "directory:dashboard"


async def apply_page(request: Request) -> Response:
    await current_account(request)
    # A new profile starts open to applications, as the model does.
    values: dict[str, Any] = {"focus_areas": [], "accepting_applications": "yes"}
    errors: dict[str, str] = {}
    status_code = 200
    notice = ""
    if request.method == "POST":
        settings = request.app.state.settings
        try:
            values = form_values(await read_form(request))
        except FormExpired as expired:
            # A long form: what was typed is shown again rather than lost (see FormExpired).
            values, status_code, notice = kept_values(expired.values), 403, expired.notice
        else:
            if shows_areas(values):
                # The jurisdiction chooser asked for a country's states and provinces.
                values = kept_values(values)
            else:
                try:
                    organization = await apply_for_membership(
                        values, settings, client_address(request)
                    )
                except ValidationError as error:
                    errors, values, status_code = error.errors, kept_values(values), 422
                else:
                    # The same answer whether or not the address already had an account.
                    email = normalized_email(values["email"])
                    response = render(request, "directory/apply_received.html", {"email": email})
                    if organization is None:
                        subject, body = application_for_existing_account(settings, email)
                        await enqueue(
                            settings, "application_existing_account", email, subject, body
                        )
                    return response
    context = {"values": values, "errors": errors, **profile_form_context(values)}
    if notice:
        context["notice"] = notice
    return render(request, "directory/apply.html", context, status_code=status_code)


# The sign-in form carries a form sent after its session ended (SignInToContinue): each of
# its fields as kept:<name>, and the address it was sent to.
KEPT_PREFIX = "kept:"
KEPT_ACTION = "kept_action"


def kept_from_sign_in(values: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The kept form's fields and its address (a path on this site), or nothing."""
    action = values.get(KEPT_ACTION)
    action = safe_next(action) if isinstance(action, str) else None
    if not action:
        return {}, ""
    kept = {
        name.removeprefix(KEPT_PREFIX): value
        for name, value in values.items()
        if name.startswith(KEPT_PREFIX)
    }
    return kept, action


async def sign_in_to_continue(request: Request, error: Exception) -> Response:
    """The sign-in page, for a form sent after its session ended (see SignInToContinue)."""
    assert isinstance(error, SignInToContinue)
    await current_account(request)
    if error.action:
        notice = _(
            "Your session had ended, so nothing was saved. Sign in, and you will be taken "
            "back to the form with what you typed."
        )
    else:
        notice = _("Your session had ended, so nothing was done. Sign in to continue.")
    context: dict[str, Any] = {
        "values": {},
        "errors": {},
        "next": safe_next(error.back_to),
        "problem": "",
        "notice": notice,
        "kept": error.kept,
        "kept_action": error.action,
    }
    return render(request, "directory/sign_in.html", context, status_code=401)


async def sign_in_page(request: Request) -> Response:
    await current_account(request)
    next_path = safe_next(request.query_params.get("next"))
    context: dict[str, Any] = {"values": {}, "errors": {}, "next": next_path, "problem": ""}
    if request.method == "GET":
        return render(request, "directory/sign_in.html", context)
    try:
        values = form_values(await read_form(request))
    except FormExpired as expired:
        # A short form: shown again, with what it kept, rather than a bare 403.
        values = expired.values
        context["problem"] = _(
            "The sign-in form had been open too long, so you are not signed in yet. "
            "Please enter your password again."
        )
    next_path = safe_next(values.get("next")) or next_path
    kept, kept_action = kept_from_sign_in(values)
    email = values.get("email") if isinstance(values.get("email"), str) else ""
    email = strip_control_characters(email)[:EMAIL_MAX]
    password = values.get("password") if isinstance(values.get("password"), str) else ""
    context.update(values={"email": email}, next=next_path, kept=kept, kept_action=kept_action)
    if context["problem"]:
        return render(request, "directory/sign_in.html", context, status_code=403)
    try:
        account = await authenticate(email, password, client_address(request))
    except Throttled as error:
        context["problem"] = _(
            "Too many sign-in attempts. Wait %(seconds)d seconds and try again."
        ) % {"seconds": error.retry_after_seconds}
        return render(
            request,
            "directory/sign_in.html",
            context,
            status_code=429,
            headers={"Retry-After": str(error.retry_after_seconds)},
        )
    if account is None:
        context["problem"] = _("The e-mail address or the password is not right.")
        return render(request, "directory/sign_in.html", context, status_code=400)
    start_session(request, account)
    await record_sign_in(account)
    if kept_action:
        # Back to the form with what it sent, through a form (a redirect cannot carry it);
        # its view shows it filled in and saves nothing (core.web.FormKept).
        return render(
            request,
            "directory/sign_in_continue.html",
            {"kept": kept, "kept_action": kept_action, "kept_field": KEPT_FORM_FIELD},
        )
    if next_path:
        return RedirectResponse(next_path, status_code=303)
    return request.app.state.urls.redirect(home_route_for(account))


@when_expired(
    lazy_gettext(
        "That page had been open too long, so nothing was done: if you are still signed in, "
        "sign out again."
    )
)
async def sign_out(request: Request) -> Response:
    await read_form(request)
    await sign_out_everywhere(request)
    return request.app.state.urls.redirect("directory:home")


async def invitation_page(request: Request) -> Response:
    await current_account(request)
    form = await read_form(request) if request.method == "POST" else None
    try:
        invitation = await usable_invitation(request.path_params["token"])
    except InvitationUnusable as error:
        raise HTTPException(404, str(error)) from error
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status_code = 200
    if form is not None:
        values = form_values(form)
        try:
            new_account = await accept_invitation(invitation, values, client_address(request))
        except InvitationUnusable as error:
            raise HTTPException(404, str(error)) from error
        except ValidationError as error:
            errors, values, status_code = error.errors, kept_values(values), 422
        else:
            start_session(request, new_account)
            return request.app.state.urls.redirect("directory:dashboard")
    return render(
        request,
        "directory/invitation.html",
        {"invitation": invitation, "values": values, "errors": errors},
        status_code=status_code,
    )


async def password_change_page(request: Request) -> Response:
    account = await require_account(request)
    errors: dict[str, str] = {}
    status_code = 200
    if request.method == "POST":
        values = form_values(await read_form(request))
        try:
            await change_password(account, values)
        except ValidationError as error:
            errors, status_code = error.errors, 422
        else:
            # Every other session has ended; this browser goes on in a new one.
            start_session(request, account)
            request.session[NOTICE_KEY] = _(
                "Your password has been changed, and you were signed out everywhere else."
            )
            return request.app.state.urls.redirect(home_route_for(account))
    return render(
        request, "directory/password_change.html", {"errors": errors}, status_code=status_code
    )


async def mail_preferences_page(request: Request) -> Response:
    """Which notices the signed-in account receives; each kind can be turned off."""
    account = await require_account(request)
    saved = False
    if request.method == "POST":
        form = await read_form(request)
        wanted = {kind for kind in form.getlist("on") if isinstance(kind, str)}
        await set_turned_off(account.email, set(MAIL_KINDS) - wanted, set(MAIL_KINDS))
        saved = True
    off = await turned_off(account.email)
    return render(
        request,
        "directory/mail_preferences.html",
        {"kinds": MAIL_KINDS, "off": off, "saved": saved},
    )


async def password_reset_request_page(request: Request) -> Response:
    await current_account(request)
    context: dict[str, Any] = {"values": {}, "errors": {}, "sent_to": ""}
    if request.method == "GET":
        return render(request, "directory/password_reset_request.html", context)
    values = form_values(await read_form(request))
    try:
        await request_password_reset(values, request.app.state.settings, client_address(request))
    except ValidationError as error:
        context.update(values=kept_values(values), errors=error.errors)
        return render(request, "directory/password_reset_request.html", context, status_code=422)
    context["sent_to"] = normalized_email(values["email"])
    return render(request, "directory/password_reset_request.html", context)


async def password_reset_page(request: Request) -> Response:
    await current_account(request)
    form = await read_form(request) if request.method == "POST" else None
    try:
        reset = await usable_reset(request.path_params["token"])
    except ResetLinkUnusable as error:
        raise HTTPException(404, str(error)) from error
    errors: dict[str, str] = {}
    status_code = 200
    if form is not None:
        try:
            account = await reset_password(reset, form_values(form))
        except ResetLinkUnusable as error:
            raise HTTPException(404, str(error)) from error
        except ValidationError as error:
            errors, status_code = error.errors, 422
        else:
            start_session(request, account)
            return request.app.state.urls.redirect(home_route_for(account))
    return render(
        request, "directory/password_reset.html", {"errors": errors}, status_code=status_code
    )


async def email_address_page(request: Request) -> Response:
    """The account's address: whether it is confirmed, a new link for it, and changing it
    (the new address takes over once it confirms)."""
    account = await require_account(request)
    settings = request.app.state.settings
    context: dict[str, Any] = {"values": {}, "errors": {}, "sent_to": ""}
    status_code = 200
    if request.method == "POST":
        values = form_values(await read_form(request))
        try:
            if values.get("action") == "resend":
                await resend_verification(account, settings)
                context["sent_to"] = account.email
            else:
                context["sent_to"] = await request_email_change(account, values, settings)
        except ValidationError as error:
            context.update(values=kept_values(values), errors=error.errors)
            status_code = 422
    return render(request, "directory/email_address.html", context, status_code=status_code)


async def verify_email_page(request: Request) -> Response:
    """A confirmation link from a mail: its GET shows a button, and only the POST confirms,
    because mail scanners open links. Works without signing in."""
    await current_account(request)
    form = await read_form(request) if request.method == "POST" else None
    try:
        verification = await usable_verification(request.path_params["token"])
        if form is None:
            return render(
                request,
                "directory/verify_email.html",
                {"verification": verification, "token": request.path_params["token"]},
            )
        account = await confirm_email(verification, request.app.state.settings)
    except VerificationLinkUnusable as error:
        raise HTTPException(404, str(error)) from error
    except ValidationError as error:
        raise HTTPException(409, " ".join(error.errors.values())) from error
    return render(request, "directory/verify_email.html", {"confirmed": account.email})
