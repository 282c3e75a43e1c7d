"""Accounts: creation, password checks and sign-in, rate-limited per e-mail and client."""

from __future__ import annotations

from core.i18n import gettext as _
from core.security import hash_password, verify_password
from core.validation import Cleaner
from directory import throttle
from directory.models import Account, Role
from directory.throttle import SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_CLIENT

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


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
        password_hash=await hash_password(password),
        display_name=display_name,
        role=Role.ADMIN,
    )


def normalized_email(email: str) -> str:
    return email.strip().lower()


_dummy_hash = ""


async def _hash_for_unknown_accounts() -> str:
    """A real hash to verify against when no account matches, made once per process."""
    global _dummy_hash
    if not _dummy_hash:
        _dummy_hash = await hash_password("not a real password, used to keep timing uniform")
    return _dummy_hash


async def authenticate(email: str, password: str, client: str) -> Account | None:
    """The account when the password is right, else None; Throttled (before any password is
    checked) once the client or the e-mail address has used up its attempts."""
    email = normalized_email(email)
    await throttle.check((SIGN_IN_PER_CLIENT, client), (SIGN_IN_PER_ACCOUNT, email))
    account = await Account.get_or_none(email=email, active=True)
    # Verify against a real hash even for unknown e-mails, so timing does not reveal accounts.
    password_hash = account.password_hash if account else await _hash_for_unknown_accounts()
    if await verify_password(password_hash, password) and account is not None:
        await throttle.forget(SIGN_IN_PER_ACCOUNT, email)
        return account
    return None
