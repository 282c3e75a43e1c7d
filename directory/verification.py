"""Proving that an account receives mail at its address: a new account's, and a changed one.

A verification link works once and for two days; only its SHA-256 is stored (like a password
reset link, it is a 256-bit random secret, so it cannot be guessed or forged). Its GET shows a
button and only the POST confirms, because mail scanners open links.

Until its address is verified an account can sign in and do everything its role allows, but
receives no mail other than the verification: no notices and no
password reset link (`reachable_accounts`), since the address is not known to be its holder's (a mistyped address
would otherwise hand the account to whoever owns it). An accepted invitation verifies the
address it was sent to. A change of address takes effect only once the new address confirms;
the old address is then told, in the same transaction as the change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.i18n import in_language
from core.security import new_secret, sha256_hex, verify_password
from core.settings import Settings
from core.validation import Cleaner, ValidationError
from directory import throttle
from directory.accounts import ensure_email_is_free, normalized_email
from directory.models import Account, EmailVerification
from directory.throttle import SIGN_IN_PER_ACCOUNT, VERIFY_EMAIL_PER_ACCOUNT
from mail.outbox import enqueue, move_preferences

VERIFICATION_LIFETIME = timedelta(days=2)


class VerificationLinkUnusable(Exception):
    """The link is unknown, used or expired."""


def reachable_accounts(**filters: Any) -> QuerySet[Account]:
    """The active accounts matching `filters` that may be sent mail other than a
    verification: those whose address is verified. Every notice and the password reset pick
    their recipients through this."""
    return Account.filter(active=True, email_verified_at__isnull=False, **filters)


def verification_url(settings: Settings, token: str) -> str:
    # directory.routes imports the views that import this module: read the map when used.
    from directory.routes import directory_urls

    return directory_urls(settings.base_url).url("directory:verify_email", token=token)


async def send_verification(account: Account, email: str, settings: Settings) -> None:
    """Makes a link proving `email` (the account's own, or the one it wants instead) and
    queues its mail to that address; call inside the transaction that makes the need."""
    token = new_secret(32)
    values = {
        "name": account.display_name,
        "email": email,
        "network": settings.network_name,
        "link": verification_url(settings, token),
    }
    with in_language(account.language):
        if email == account.email:
            subject = _("Confirm your e-mail address on Amicus")
            body = _(
                "Hello %(name)s,\n\nConfirm that %(email)s is your address on the %(network)s "
                "directory within two days: %(link)s\n\nUntil then you receive no notices by "
                "e-mail. If you did not make this account, ignore this e-mail.\n"
            )
        else:
            subject = _("Confirm your new e-mail address on Amicus")
            body = _(
                "Hello %(name)s,\n\nYou asked to use %(email)s as your address on the %(network)s "
                "directory. It replaces the old one once you confirm, within two days: %(link)s\n\n"
                "If it was not you, ignore this e-mail; nothing changes.\n"
            )
    async with in_transaction():  # the link and its e-mail, or neither
        await EmailVerification.create(
            account=account,
            email=email,
            token_hash=sha256_hex(token),
            expires_at=datetime.now(UTC) + VERIFICATION_LIFETIME,
        )
        await enqueue(settings, "email_verification", email, subject, body % values)


async def resend_verification(account: Account, settings: Settings) -> None:
    """A new link for the account's unverified address (earlier ones keep working)."""
    if account.email_verified:
        return
    await throttle.check((VERIFY_EMAIL_PER_ACCOUNT, str(account.id)))
    await send_verification(account, account.email, settings)


async def request_email_change(account: Account, data: dict[str, Any], settings: Settings) -> str:
    """Checks the current password (counted like a sign-in attempt) and mails a link to the
    new address; the address changes only when it is followed. The new address."""
    cleaner = Cleaner(data)
    email = normalized_email(cleaner.email("new_email", required=True))
    current = cleaner.raw("current_password")
    if not isinstance(current, str) or not current:
        cleaner.fail("current_password", _("This field is required."))
    if email and email == account.email:
        cleaner.fail("new_email", _("This is already your address."))
    await ensure_email_is_free(cleaner, email, name="new_email")
    cleaner.raise_if_invalid()
    await throttle.check(
        (SIGN_IN_PER_ACCOUNT, account.email), (VERIFY_EMAIL_PER_ACCOUNT, str(account.id))
    )
    if not await verify_password(account.password_hash, current):
        raise ValidationError({"current_password": _("This is not your current password.")})
    await send_verification(account, email, settings)
    return email


async def usable_verification(token: str) -> EmailVerification:
    verification = await EmailVerification.get_or_none(
        token_hash=sha256_hex(token)
    ).prefetch_related("account")
    if (
        verification is None
        or verification.used_at is not None
        or verification.expires_at <= datetime.now(UTC)
        or not verification.account.active
    ):
        raise VerificationLinkUnusable(
            _("This confirmation link is not valid any more. Ask for a new one.")
        )
    return verification


async def confirm_email(verification: EmailVerification, settings: Settings) -> Account:
    """Spends the link (once, even when followed twice at once) and verifies its address; a
    new address replaces the old one, which is told. The account's other open links die, so
    an older link cannot switch the address back."""
    account = verification.account
    old_email, now = account.email, datetime.now(UTC)
    try:
        async with in_transaction():
            spent = await EmailVerification.filter(
                id=verification.id, used_at=None, expires_at__gt=now
            ).update(used_at=now)
            if not spent:
                raise VerificationLinkUnusable(
                    _("This confirmation link is not valid any more. Ask for a new one.")
                )
            await EmailVerification.filter(account_id=account.id, used_at=None).update(used_at=now)
            account.email, account.email_verified_at = verification.email, now
            await account.save(update_fields=["email", "email_verified_at"])
            if verification.email != old_email:
                await move_preferences(old_email, verification.email)
                await _tell_old_address(settings, account, old_email)
    except IntegrityError as error:
        raise ValidationError(
            {"email": _("An account with this e-mail address already exists.")}
        ) from error
    return account


async def _tell_old_address(settings: Settings, account: Account, old_email: str) -> None:
    with in_language(account.language):
        subject = _("Your e-mail address on Amicus was changed")
        body = _(
            "Hello %(name)s,\n\nThe address of your account on the %(network)s directory is now "
            "%(email)s; mail no longer comes to %(old)s.\n\nIf you did not ask for this, tell the "
            "network's administrators at once.\n"
        ) % {
            "name": account.display_name,
            "network": settings.network_name,
            "email": account.email,
            "old": old_email,
        }
    await enqueue(settings, "email_changed", old_email, subject, body)
