"""Password hashing, random secrets and CSRF tokens.

Hashing a password (argon2id, 64 MiB) takes tens of milliseconds of CPU. It runs in a small
pool of threads (argon2 releases the GIL), never on the event loop, so sign-ins cannot stall
other requests; beyond PASSWORD_QUEUE_LIMIT checks waiting at once, PasswordWorkBusy is
raised instead of queueing without end.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import HTTPConnection

_password_hasher = PasswordHasher()
CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# One hashing thread per two cores leaves the event loop a core of its own.
PASSWORD_THREADS = max(1, min(4, (os.cpu_count() or 2) // 2))
# Hashes running or waiting in one process; more than this are refused at once.
PASSWORD_QUEUE_LIMIT = 32
PASSWORD_BUSY_RETRY_SECONDS = 2
_Result = TypeVar("_Result")


class PasswordWorkBusy(Exception):
    """Too many password hashes are already waiting in this process."""

    retry_after_seconds = PASSWORD_BUSY_RETRY_SECONDS


@cache
def _password_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=PASSWORD_THREADS, thread_name_prefix="password-hash")


_password_work_in_flight = 0


async def _off_loop(work: Callable[..., _Result], *args: str) -> _Result:
    global _password_work_in_flight
    if _password_work_in_flight >= PASSWORD_QUEUE_LIMIT:
        raise PasswordWorkBusy
    _password_work_in_flight += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_password_threads(), work, *args)
    finally:
        _password_work_in_flight -= 1


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await _off_loop(_password_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    return await _off_loop(_verify, password_hash, password)


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
