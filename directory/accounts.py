"""Accounts: creation, password checks and sign-in with a slow-down after failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.i18n import gettext as _
from core.security import hash_password, sha256_hex, verify_password
from core.validation import Cleaner
from directory.models import Account, Role, SignInThrottle

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# Failures allowed before further attempts must wait; the wait doubles up to the cap.
FREE_FAILURES = 5
FIRST_BLOCK = timedelta(seconds=30)
MAX_BLOCK = timedelta(minutes=15)


def check_password(cleaner: Cleaner, name: str = "password") -> str:
    value = cleaner.raw(name)
    if not isinstance(value, str) or not value:
        cleaner.fail(name, _("This field is required."))
        return ""
    if len(value) < MIN_PASSWORD_LENGTH:
        cleaner.fail(name, _("Use at least %(min)d characters.") % {"min": MIN_PASSWORD_LENGTH})
    elif len(value) > MAX_PASSWORD_LENGTH:
        cleaner.fail(name, _("Must be at most %(max)d characters.") % {"max": MAX_PASSWORD_LENGTH})
    return value


async def ensure_email_is_free(cleaner: Cleaner, email: str, name: str = "email") -> None:
    if email and await Account.filter(email=email).exists():
        cleaner.fail(name, _("An account with this e-mail address already exists."))


async def create_admin(email: str, password: str, display_name: str) -> Account:
    cleaner = Cleaner({"email": email, "password": password, "display_name": display_name})
    email = cleaner.email("email", required=True)
    password = check_password(cleaner)
    display_name = cleaner.text("display_name", max_length=100, required=True)
    await ensure_email_is_free(cleaner, email)
    cleaner.raise_if_invalid()
    return await Account.create(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        role=Role.ADMIN,
    )


@dataclass
class SignInResult:
    account: Account | None = None
    retry_after_seconds: int = 0


def _throttle_key(email: str) -> str:
    return sha256_hex(email.strip().lower())


async def authenticate(email: str, password: str) -> SignInResult:
    """The account when the password is right; a wait when too many attempts failed."""
    now = datetime.now(UTC)
    throttle, _created = await SignInThrottle.get_or_create(key=_throttle_key(email))
    if throttle.blocked_until and throttle.blocked_until > now:
        return SignInResult(
            retry_after_seconds=int((throttle.blocked_until - now).total_seconds()) + 1
        )
    account = await Account.get_or_none(email=email.strip().lower(), active=True)
    # Verify against a real hash even for unknown e-mails, so timing does not reveal accounts.
    password_hash = account.password_hash if account else _DUMMY_HASH
    if verify_password(password_hash, password) and account is not None:
        if throttle.failures:
            throttle.failures = 0
            throttle.blocked_until = None
            await throttle.save()
        return SignInResult(account=account)
    throttle.failures += 1
    if throttle.failures >= FREE_FAILURES:
        block = FIRST_BLOCK * 2 ** min(throttle.failures - FREE_FAILURES, 10)
        throttle.blocked_until = now + min(block, MAX_BLOCK)
    await throttle.save()
    return SignInResult()


_DUMMY_HASH = hash_password("not a real password, used to keep timing uniform")
