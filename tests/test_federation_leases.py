"""The database lease: several aggregators against one database fetch each feed once per
interval (two `amicus fetch` processes at once; two passes with their own owners in one
process). On PostgreSQL the processes are the real multi-machine case."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

from core.settings import PROJECT_ROOT
from feeds.aggregate.passes import claim, run_pass
from feeds.models import FeedSubscription
from jobs.models import Job
from tests.helpers_federation import atom_entry, atom_feed, subscribe
from tests.helpers_hostile_servers import RawRequest, raw_server, send

FEEDS = 24


async def _slow_feed(request: RawRequest, writer: asyncio.StreamWriter) -> None:
    # Slow enough that the two aggregators are busy at the same time.
    await asyncio.sleep(0.1)
    name = request.path.strip("/")
    body = atom_feed(atom_entry(f"tag:lease,{name}", f"Job {name}", link=f"https://l/{name}"))
    await send(writer, 200, body, {"Content-Type": "application/atom+xml"})


async def _fetch_process(settings) -> asyncio.subprocess.Process:
    env = {
        "AMICUS_DATABASE_URL": settings.database_url,
        "AMICUS_SECRET_KEY": settings.secret_key,
        "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "fetch",
        "--per-host",
        "8",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )


def _per_path(requests: list[RawRequest]) -> Counter:
    return Counter(request.path for request in requests)


async def test_two_fetch_processes_fetch_each_feed_exactly_once(live_server):
    async with raw_server({"*": _slow_feed}) as server:
        for number in range(FEEDS):
            await subscribe(f"{server.url}/{number}")
        processes = [await _fetch_process(live_server.settings) for _ in range(2)]
        outputs = await asyncio.gather(*(process.communicate() for process in processes))
        assert [process.returncode for process in processes] == [0, 0], outputs
        assert _per_path(server.requests) == {f"/{n}": 1 for n in range(FEEDS)}
        # Both did part of the work, and a second round finds nothing due.
        again = [await _fetch_process(live_server.settings) for _ in range(2)]
        await asyncio.gather(*(process.communicate() for process in again))
        assert len(server.requests) == FEEDS
    assert await Job.all().count() == FEEDS
    assert await FeedSubscription.filter(lease_owner="").count() == FEEDS


async def test_two_passes_with_their_own_owners_share_the_feeds(live_server):
    async with raw_server({"*": _slow_feed}) as server:
        for number in range(FEEDS):
            await subscribe(f"{server.url}/{number}")
        first, second = await asyncio.gather(
            run_pass(live_server.settings, owner="worker-1"),
            run_pass(live_server.settings, owner="worker-2"),
        )
    assert first.fetched + second.fetched == FEEDS
    assert _per_path(server.requests) == {f"/{n}": 1 for n in range(FEEDS)}


async def test_a_held_lease_keeps_other_owners_out_until_it_runs_out(live_server):
    subscription = await subscribe("http://127.0.0.1:9/feed")
    now = datetime.now(UTC)
    [taken] = await claim([subscription.id], "worker-1", now)
    assert taken.id == subscription.id and taken.lease_owner == "worker-1"
    assert await claim([subscription.id], "worker-2", now) == []
    later = now + timedelta(minutes=6)
    [taken] = await claim([subscription.id], "worker-2", later)
    assert taken.id == subscription.id and taken.lease_owner == "worker-2"
