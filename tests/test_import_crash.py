"""One feed, one transaction: a process killed in the middle of an import leaves the database
as it was before, and the next pass imports the feed in full."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta

from core.settings import PROJECT_ROOT
from feeds.aggregate.passes import LEASE, run_pass
from feeds.models import FeedSubscription
from jobs.models import Job
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, subscribe
from tests.helpers_hostile_servers import raw_server


def _feed(count: int, title: str) -> bytes:
    entries = [
        atom_entry(f"tag:crash,{n}", f"{title} {n}", link=f"https://crash.example.org/{n}")
        for n in range(count)
    ]
    return atom_feed(*entries)


async def test_a_process_killed_mid_import_leaves_the_previous_state(live_server):
    settings = live_server.settings
    served = ServedFeed(_feed(3, "Paralegal"))
    async with raw_server({"/feed": served}) as server:
        subscription = await subscribe(f"{server.url}/feed")
        await run_pass(settings)
        before = await FeedSubscription.get(id=subscription.id)
        titles = sorted(await Job.all().values_list("title", flat=True))
        assert len(titles) == 3

        served.body = _feed(60, "Attorney")
        await FeedSubscription.filter(id=subscription.id).update(next_poll_at=None)
        env = {
            "AMICUS_DATABASE_URL": settings.database_url,
            "AMICUS_SECRET_KEY": settings.secret_key,
            "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.crash_during_import", cwd=PROJECT_ROOT, env=env
        )
        assert await process.wait() == -signal.SIGKILL

        assert sorted(await Job.all().values_list("title", flat=True)) == titles
        after = await FeedSubscription.get(id=subscription.id)
        assert (after.body_hash, after.items_imported_total) == (
            before.body_hash,
            before.items_imported_total,
        )
        # The dead process's lease runs out; then the feed is imported in full.
        assert after.lease_until is not None
        summary = await run_pass(settings, now=datetime.now(UTC) + LEASE + timedelta(seconds=1))
    assert summary.imported == 60
    assert await Job.filter(title__startswith="Attorney").count() == 60
