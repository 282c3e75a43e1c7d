"""Password hashing, random secrets and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import HTTPConnection

_password_hasher = PasswordHasher()
CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def csrf_token(connection: HTTPConnection) -> str:
    """The session's CSRF token, created on first use (synchronizer-token pattern)."""
    token = connection.session.get(CSRF_SESSION_KEY)
    if not token:
        token = new_secret(24)
        connection.session[CSRF_SESSION_KEY] = token
    return token


def csrf_token_is_valid(connection: HTTPConnection, submitted: str | None) -> bool:
    expected = connection.session.get(CSRF_SESSION_KEY)
    return bool(expected and submitted) and hmac.compare_digest(expected, submitted)
