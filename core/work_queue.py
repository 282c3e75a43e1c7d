"""Durable work queues in database tables: the one definition of a lease and of back-off.

A queue is a Tortoise model with a nullable `claimed_until` column (and, where it retries,
`next_attempt_at` and `attempts`; where items are claimed many at a time, `claimed_by`). A process takes an item by a conditional UPDATE that
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


async def claim_many(
    model: type[Model], item_ids: list[int], now: datetime, lease_seconds: float, owner: str
) -> set[int]:
    """Take, in one statement, those of several items nobody holds, for `owner` (a value
    unique to the claiming run, kept in the model's `claimed_by` column); the ids taken.
    The database serializes competing UPDATEs and re-checks the condition, so each item goes
    to exactly one owner, and the owner reads back which."""
    until = now + timedelta(seconds=lease_seconds)
    await model.filter(claimable(now), id__in=item_ids).update(
        claimed_until=until, claimed_by=owner
    )
    held = model.filter(id__in=item_ids, claimed_by=owner, claimed_until=until)
    return set(await held.values_list("id", flat=True))


def retry_delay(
    attempts: int, base_seconds: float, cap_seconds: float = DEFAULT_MAX_RETRY_SECONDS
) -> timedelta:
    """Exponential back-off after the n-th failed attempt: base, 2x base, 4x base... capped."""
    return timedelta(seconds=min(base_seconds * 2 ** (max(attempts, 1) - 1), cap_seconds))
