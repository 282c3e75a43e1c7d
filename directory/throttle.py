"""Rate limits on actions strangers can repeat (sign-in, applying, invitations, password
reset, WebSub subscriptions), per subject: an account's e-mail and the client's address.

Each attempt is counted by a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so the
count is atomic on SQLite and PostgreSQL, across processes and machines: sixty attempts sent
at once are counted sixty times, and only the first `max_hits` of a window go through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from tortoise import connections

from core.database import dialect
from core.security import sha256_hex

# Expired windows are deleted at most this often per process.
PRUNE_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` attempts at `action` per subject within `window_seconds`."""

    action: str
    max_hits: int
    window_seconds: int


SIGN_IN_PER_ACCOUNT = Limit("sign-in/account", 10, 15 * 60)
SIGN_IN_PER_CLIENT = Limit("sign-in/client", 50, 15 * 60)
APPLY_PER_EMAIL = Limit("apply/email", 3, 60 * 60)
APPLY_PER_CLIENT = Limit("apply/client", 10, 60 * 60)
INVITE_PER_ACCOUNT = Limit("invite/account", 20, 24 * 60 * 60)
INVITE_PER_CLIENT = Limit("invite/client", 30, 60 * 60)
ACCEPT_INVITATION_PER_CLIENT = Limit("accept-invitation/client", 20, 15 * 60)
PASSWORD_RESET_PER_EMAIL = Limit("password-reset/email", 3, 60 * 60)
PASSWORD_RESET_PER_CLIENT = Limit("password-reset/client", 10, 60 * 60)
# Each one is a mail to an address the account typed, perhaps someone else's.
VERIFY_EMAIL_PER_ACCOUNT = Limit("verify-email/account", 5, 60 * 60)
HUB_PER_CLIENT = Limit("websub-hub/client", 60, 60 * 60)


class Throttled(Exception):
    """Too many attempts; try again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int):
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


def client_address(connection: HTTPConnection) -> str:
    """The client's address as the server sees it. `amicus serve` runs uvicorn with proxy
    headers on, so behind a proxy listed in FORWARDED_ALLOW_IPS (default 127.0.0.1) this is
    the address the proxy names in X-Forwarded-For; from anyone else no header is believed."""
    return connection.client.host if connection.client else "unknown"


def _key(limit: Limit, subject: str) -> str:
    return sha256_hex(f"{limit.action}\n{subject.strip().lower()}")


_UPSERT = """
INSERT INTO throttle (key, hits, window_ends) VALUES ({p1}, 1, {p2})
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN throttle.window_ends <= {p3} THEN 1 ELSE throttle.hits + 1 END,
    window_ends = CASE WHEN throttle.window_ends <= {p3}
                       THEN excluded.window_ends ELSE throttle.window_ends END
RETURNING hits, window_ends
"""


def _placeholders() -> dict[str, str]:
    if dialect() == "postgres":
        return {"p1": "$1", "p2": "$2", "p3": "$3"}
    return {"p1": "?1", "p2": "?2", "p3": "?3"}


_last_prune = 0.0


async def prune(now: float | None = None) -> int:
    """Delete windows that have ended; returns how many."""
    now = time.time() if now is None else now
    placeholder = "$1" if dialect() == "postgres" else "?"
    count, _rows = await connections.get("default").execute_query(
        f"DELETE FROM throttle WHERE window_ends <= {placeholder}", [int(now)]
    )
    return count


async def hit(limit: Limit, subject: str, now: float | None = None) -> int:
    """Count one attempt; 0 when it may go ahead, else the seconds until the window ends."""
    global _last_prune
    now = time.time() if now is None else now
    if now - _last_prune >= PRUNE_EVERY_SECONDS:
        _last_prune = now
        await prune(now)
    # execute_query_dict: the drivers' plain execute_query drops an INSERT's RETURNING rows.
    rows = await connections.get("default").execute_query_dict(
        _UPSERT.format(**_placeholders()),
        [_key(limit, subject), int(now) + limit.window_seconds, int(now)],
    )
    hits, window_ends = rows[0]["hits"], rows[0]["window_ends"]
    if hits <= limit.max_hits:
        return 0
    return max(1, int(window_ends - now))


async def check(*attempts: tuple[Limit, str]) -> None:
    """Count the attempt against each (limit, subject) in turn; Throttled at the first that
    is exhausted (later ones are then not counted)."""
    for limit, subject in attempts:
        retry_after = await hit(limit, subject)
        if retry_after:
            raise Throttled(retry_after)


async def forget(limit: Limit, subject: str) -> None:
    """Start the subject's count afresh (after a successful sign-in)."""
    placeholder = "$1" if dialect() == "postgres" else "?"
    await connections.get("default").execute_query(
        f"DELETE FROM throttle WHERE key = {placeholder}", [_key(limit, subject)]
    )
