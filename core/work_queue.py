"""Durable work queues in database tables: the one definition of a lease and of back-off.

A queue is a Tortoise model with a nullable `claimed_until` column (and, where it retries,
`next_attempt_at` and `attempts`). A process takes an item by a conditional UPDATE that
sets `claimed_until`: exactly one process sees the UPDATE change a row, so several processes
(or machines on one PostgreSQL) share a queue without doing an item twice. A process that
dies holding a lease loses it when the lease passes, and another process takes the item
over: work is done at least once, never concurrently. The WebSub hub, the e-mail outbox and
ActivityPub deliveries all queue this way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.models import Model

DEFAULT_LEASE_SECONDS = 120
DEFAULT_MAX_RETRY_SECONDS = 6 * 3600


def claimable(now: datetime) -> Q:
    """Items nobody holds: never claimed, or their lease has passed."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


async def claim(
    model: type[Model], item_id: int, now: datetime, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> bool:
    """Take one item for `lease_seconds`; False when another process holds it."""
    claimed = await model.filter(claimable(now), id=item_id).update(
        claimed_until=now + timedelta(seconds=lease_seconds)
    )
    return claimed == 1


def retry_delay(
    attempts: int, base_seconds: float, cap_seconds: float = DEFAULT_MAX_RETRY_SECONDS
) -> timedelta:
    """Exponential back-off after the n-th failed attempt: base, 2x base, 4x base... capped."""
    return timedelta(seconds=min(base_seconds * 2 ** (max(attempts, 1) - 1), cap_seconds))
