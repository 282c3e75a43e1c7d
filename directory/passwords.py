"""Changing a password, and resetting a forgotten one through a link sent by e-mail.

Only a verified address is sent a link (directory/verification.py says why). A reset link
works once and for an hour; only its SHA-256 is stored. Asking for one answers
the same whether or not the address has an account (the e-mail is queued, sent later),
so the form cannot be used to find out who is a member. Both a change and a reset end every
other session of the account.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.i18n import in_language
from core.security import hash_password, new_secret, sha256_hex, verify_password
from core.settings import Settings
from core.validation import Cleaner, ValidationError
from directory import throttle
from directory.accounts import check_password, normalized_email
from directory.auth import end_all_sessions
from directory.models import Account, PasswordReset
from directory.throttle import (
    PASSWORD_RESET_PER_CLIENT,
    PASSWORD_RESET_PER_EMAIL,
    SIGN_IN_PER_ACCOUNT,
)
from directory.verification import reachable_accounts
from mail.outbox import enqueue

RESET_LIFETIME = timedelta(hours=1)


class ResetLinkUnusable(Exception):
    """The link is unknown, used or expired."""


async def change_password(account: Account, data: dict[str, Any]) -> None:
    """Checks the current password (counted like a sign-in attempt) and sets the new one."""
    cleaner = Cleaner(data)
    current = cleaner.raw("current_password")
    new = check_password(cleaner, "new_password", personal=(account.email, account.display_name))
    if not isinstance(current, str) or not current:
        cleaner.fail("current_password", _("This field is required."))
    cleaner.raise_if_invalid()
    await throttle.check((SIGN_IN_PER_ACCOUNT, account.email))
    if not await verify_password(account.password_hash, current):
        raise ValidationError({"current_password": _("This is not your current password.")})
    await _set_password(account, new)


async def _set_password(account: Account, password: str) -> None:
    account.password_hash = await hash_password(password)
    await account.save(update_fields=["password_hash"])
    await end_all_sessions(account)


def reset_url(settings: Settings, token: str) -> str:
    # directory.routes imports the views that import this module: read the map when used.
    from directory.routes import directory_urls

    return directory_urls(settings.base_url).url("directory:password_reset", token=token)


async def request_password_reset(data: dict[str, Any], settings: Settings, client: str) -> None:
    """Makes a reset link when the address has an active account and queues its e-mail;
    nothing when it has none. Throttled when the address or the client asked too often."""
    cleaner = Cleaner(data)
    email = normalized_email(cleaner.email("email", required=True))
    cleaner.raise_if_invalid()
    await throttle.check((PASSWORD_RESET_PER_CLIENT, client), (PASSWORD_RESET_PER_EMAIL, email))
    now = datetime.now(UTC)
    await PasswordReset.filter(expires_at__lt=now).delete()  # links that can no longer work
    account = await reachable_accounts(email=email).first()
    if account is None:
        return
    token = new_secret(32)
    with in_language(account.language):
        subject = _("Reset your password on Amicus")
        body = _(
            "Someone, probably you, asked to reset the password of %(email)s on the %(network)s "
            "directory.\n\nChoose a new password within an hour: %(link)s\n\n"
            "If it was not you, ignore this e-mail; your password stays as it is.\n"
        ) % {"email": email, "network": settings.network_name, "link": reset_url(settings, token)}
    async with in_transaction():  # the link and its e-mail, or neither
        await PasswordReset.create(
            account=account,
            token_hash=sha256_hex(token),
            expires_at=now + RESET_LIFETIME,
        )
        await enqueue(settings, "password_reset", email, subject, body)


async def usable_reset(token: str) -> PasswordReset:
    reset = await PasswordReset.get_or_none(token_hash=sha256_hex(token)).prefetch_related(
        "account"
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= datetime.now(UTC):
        raise ResetLinkUnusable(
            _("This password reset link is not valid any more. Ask for a new one.")
        )
    return reset


async def reset_password(reset: PasswordReset, data: dict[str, Any]) -> Account:
    """Sets the new password and spends the link (once, even when used twice at once)."""
    account = reset.account
    cleaner = Cleaner(data)
    new = check_password(cleaner, "new_password", personal=(account.email, account.display_name))
    cleaner.raise_if_invalid()
    spent = await PasswordReset.filter(id=reset.id, used_at=None).update(used_at=datetime.now(UTC))
    if not spent:
        raise ResetLinkUnusable(
            _("This password reset link is not valid any more. Ask for a new one.")
        )
    await _set_password(account, new)
    await throttle.forget(SIGN_IN_PER_ACCOUNT, account.email)
    return account
