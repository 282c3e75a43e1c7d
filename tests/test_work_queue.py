"""The queue lease: one process takes an item, a passed lease lets another take it over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from alerts.models import Alert, Frequency
from core import work_queue
from core.database import close_database, open_database
from core.settings import Settings
from feeds.models import HubIntent, HubMode


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    await open_database(settings.database_url)
    yield settings
    await close_database()


async def queued_item() -> HubIntent:
    return await HubIntent.create(
        mode=HubMode.SUBSCRIBE,
        topic="https://example.org/jobs/feed.atom",
        callback="https://example.org/callback",
        lease_seconds=3600,
    )


async def test_only_one_of_many_concurrent_claims_takes_an_item(database: Settings):
    item = await queued_item()
    now = datetime.now(UTC)
    taken = await asyncio.gather(*(work_queue.claim(HubIntent, item.id, now) for _ in range(8)))
    assert taken.count(True) == 1


async def test_a_held_item_is_not_claimable_until_its_lease_passes(database: Settings):
    item = await queued_item()
    now = datetime.now(UTC)
    assert await work_queue.claim(HubIntent, item.id, now, lease_seconds=60)
    assert await HubIntent.filter(work_queue.claimable(now + timedelta(seconds=59))).count() == 0
    later = now + timedelta(seconds=61)
    assert await HubIntent.filter(work_queue.claimable(later)).count() == 1
    assert await work_queue.claim(HubIntent, item.id, later)


async def test_runs_claiming_many_at_once_share_them_without_overlap(database: Settings):
    alerts = [
        await Alert.create(
            email=f"p{n}@example.org", query="", frequency=Frequency.DAILY, language="en"
        )
        for n in range(30)
    ]
    now = datetime.now(UTC)
    ids = [alert.id for alert in alerts]
    held_elsewhere = ids[:5]
    await work_queue.claim_many(Alert, held_elsewhere, now, 60, "a dead run")
    runs = await asyncio.gather(
        *(work_queue.claim_many(Alert, ids, now, 60, f"run {n}") for n in range(4))
    )
    taken = [alert_id for run in runs for alert_id in run]
    assert sorted(taken) == ids[5:]  # each free alert to exactly one run, none held elsewhere
    later = now + timedelta(seconds=61)
    assert await work_queue.claim_many(Alert, ids, later, 60, "next run") == set(ids)


def test_back_off_doubles_from_the_base_and_is_capped():
    delays = [work_queue.retry_delay(n, 10, cap_seconds=70).total_seconds() for n in (1, 2, 3, 4)]
    assert delays == [10, 20, 40, 70]
