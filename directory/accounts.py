"""Accounts: creation, password checks and sign-in, rate-limited per e-mail and client."""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from core.i18n import gettext as _
from core.security import hash_password, verify_password
from core.validation import Cleaner
from directory import throttle
from directory.models import Account, Role
from directory.throttle import SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_CLIENT

# NIST SP 800-63B: a minimum length, no composition rules, long passphrases welcome, and
# values known to be common refused.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"
# What people add around a common word ("Password2024!") and what does not make it less common.
_DECORATION = string.digits + string.punctuation + string.whitespace


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """Why this password is refused, or None. `personal` holds the e-mail address and names
    that a guesser would try first."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(min)d characters.") % {"min": MIN_PASSWORD_LENGTH}
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Must be at most %(max)d characters.") % {"max": MAX_PASSWORD_LENGTH}
    lowered = password.lower()
    bare = lowered.strip(_DECORATION)
    if lowered in common_passwords() or bare in common_passwords() or len(set(lowered)) < 4:
        return _(
            "This password is among the most common ones and easy to guess. "
            "A few words of your own make a better one."
        )
    guessable = {value.strip().lower() for value in personal if len(value.strip()) >= 4}
    guessable |= {value.split("@")[0] for value in guessable if "@" in value}
    if any(word in (lowered, bare) or (len(word) >= 6 and word in bare) for word in guessable):
        return _("Do not build the password on your e-mail address or your name.")
    return None


def check_password(cleaner: Cleaner, name: str = "password", personal: Iterable[str] = ()) -> str:
    value = cleaner.raw(name)
    if not isinstance(value, str) or not value:
        cleaner.fail(name, _("This field is required."))
        return ""
    problem = password_problem(value, personal)
    if problem:
        cleaner.fail(name, problem)
    return value


async def ensure_email_is_free(cleaner: Cleaner, email: str, name: str = "email") -> None:
    if email and await Account.filter(email=email).exists():
        cleaner.fail(name, _("An account with this e-mail address already exists."))


async def create_admin(email: str, password: str, display_name: str) -> Account:
    cleaner = Cleaner({"email": email, "password": password, "display_name": display_name})
    email = cleaner.email("email", required=True)
    display_name = cleaner.line("display_name", max_length=100, required=True)
    password = check_password(cleaner, personal=(email, display_name))
    await ensure_email_is_free(cleaner, email)
    cleaner.raise_if_invalid()
    return await Account.create(
        email=email,
        password_hash=await hash_password(password),
        display_name=display_name,
        role=Role.ADMIN,
        # Made on the server by whoever runs it, perhaps before any mail server is set up.
        email_verified_at=datetime.now(UTC),
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
