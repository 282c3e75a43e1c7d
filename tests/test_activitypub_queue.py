"""The ActivityPub delivery queue on its own: back-off, give-up, dead inboxes, leases, and
real delivery processes (`amicus activitypub deliver`) sharing one queue or killed mid-batch."""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub import delivery, publishing
from activitypub.delivery import MAX_ATTEMPTS, DeliveryWorker
from activitypub.models import Delivery, Follower
from activitypub.publishing import note_id, publish_changes
from app import site_urls
from core import work_queue
from core.database import close_database, open_database
from core.outbound import outbound_client
from core.settings import Settings
from jobs.models import Job, JobStatus
from tests import helpers_feeds as feed_helpers
from tests.conftest import free_socket
from tests.helpers_activitypub import amicus_process


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    """The test database opened in this process, with no app (and so no worker) running."""
    await open_database(settings.database_url)
    yield settings
    await close_database()


class Inboxes:
    """Loopback inboxes that answer with the scripted statuses (then 202) and count POSTs.

    With `hold_from` set, the POSTs after that many are held unanswered (`held` lists them)
    until the test sets `release`; `full` is set once `hold_count` are held at once."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.hits: list[str] = []
        self.url = ""
        self.hold_from: int | None = None
        self.hold_count = 1
        self.held: list[str] = []
        self.full = asyncio.Event()
        self.release = asyncio.Event()

    def app(self) -> Starlette:
        async def inbox(request: Request) -> Response:
            assert "signature" in request.headers
            self.hits.append(request.url.path)
            if self.hold_from is not None and len(self.hits) > self.hold_from:
                self.held.append(request.url.path)
                if len(self.held) >= self.hold_count:
                    self.full.set()
                await self.release.wait()
            return Response(status_code=self.statuses.pop(0) if self.statuses else 202)

        return Starlette(routes=[Route("/{server}/inbox", inbox, methods=["POST"])])


@pytest.fixture
async def inboxes() -> AsyncIterator[Inboxes]:
    served = Inboxes()
    sock = free_socket()
    served.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(served.app(), lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    yield served
    server.should_exit = True
    await task
    sock.close()


ACTIVITY = {"type": "Create", "object": {"type": "Note", "id": "urn:x"}}


async def test_a_failed_delivery_is_retried_after_the_backoff_then_delivered(database, inboxes):
    inboxes.statuses = [503]
    await delivery.enqueue("innocence-network", [f"{inboxes.url}/a/inbox"], ACTIVITY)
    worker = DeliveryWorker(database, site_urls(database), retry_base_seconds=60)
    now = datetime.now(UTC) + timedelta(seconds=1)
    async with outbound_client(database) as client:
        await worker.run_once(client, now)
        item = await Delivery.get()
        assert item.attempts == 1 and item.last_error == "HTTP 503"
        assert item.next_attempt_at == now + timedelta(seconds=60)
        assert await worker.run_once(client, now + timedelta(seconds=59)) == 0
        await worker.run_once(client, now + timedelta(seconds=61))
    item = await Delivery.get()
    assert item.delivered_at is not None and item.attempts == 1
    assert len(inboxes.hits) == 2


async def test_delivery_gives_up_after_about_a_day_of_failures(database, inboxes):
    inboxes.statuses = [500] * (MAX_ATTEMPTS + 5)
    await delivery.enqueue("innocence-network", [f"{inboxes.url}/a/inbox"], ACTIVITY)
    worker = DeliveryWorker(database, site_urls(database))
    first = now = datetime.now(UTC) + timedelta(seconds=1)
    async with outbound_client(database) as client:
        while (item := await Delivery.get()).gave_up_at is None:
            now = max(now, item.next_attempt_at)
            await worker.run_once(client, now)
        assert await worker.run_once(client, now + timedelta(days=7)) == 0
    assert item.attempts == MAX_ATTEMPTS and len(inboxes.hits) == MAX_ATTEMPTS
    assert timedelta(hours=18) < item.gave_up_at - first < timedelta(hours=48)


async def test_a_gone_inbox_drops_its_followers(database, inboxes):
    inbox = f"{inboxes.url}/a/inbox"
    await Follower.create(actor="innocence-network", follower_id="https://x/u", inbox=inbox)
    await Follower.create(
        actor="innocence-network",
        follower_id="https://x/v",
        inbox="https://x/v",
        shared_inbox=inbox,
    )
    inboxes.statuses = [410]
    await delivery.enqueue(
        "innocence-network", await delivery.follower_inboxes("innocence-network"), ACTIVITY
    )
    async with outbound_client(database) as client:
        await DeliveryWorker(database, site_urls(database)).run_once(client)
    assert (await Delivery.get()).gave_up_at is not None
    assert not await Follower.exists()


async def test_two_workers_never_deliver_one_activity_twice(database, inboxes):
    await delivery.enqueue(
        "innocence-network", [f"{inboxes.url}/{n}/inbox" for n in range(60)], ACTIVITY
    )
    urls = site_urls(database)
    async with outbound_client(database) as one, outbound_client(database) as two:
        await asyncio.gather(
            DeliveryWorker(database, urls).run_once(one),
            DeliveryWorker(database, urls).run_once(two),
        )
    assert sorted(inboxes.hits) == sorted(f"/{n}/inbox" for n in range(60))
    assert await Delivery.filter(delivered_at__isnull=True).count() == 0


async def test_a_delivery_held_by_a_dead_process_is_taken_over_when_its_lease_passes(
    database, inboxes
):
    await delivery.enqueue("innocence-network", [f"{inboxes.url}/a/inbox"], ACTIVITY)
    now = datetime.now(UTC) + timedelta(seconds=1)
    item = await Delivery.get()
    # A process claimed it and was killed before sending: the row keeps only its lease.
    assert await work_queue.claim(Delivery, item.id, now, delivery.LEASE_SECONDS)
    worker = DeliveryWorker(database, site_urls(database))
    async with outbound_client(database) as client:
        assert await worker.run_once(client, now) == 0
        await worker.run_once(client, now + timedelta(seconds=delivery.LEASE_SECONDS + 1))
    assert (await Delivery.get()).delivered_at is not None and len(inboxes.hits) == 1


async def _deliverer(settings: Settings) -> asyncio.subprocess.Process:
    return await amicus_process(settings, "activitypub", "deliver")


async def test_two_delivery_processes_deliver_every_activity_exactly_once(database, inboxes):
    paths = [f"/{n}/inbox" for n in range(300)]
    await delivery.enqueue("innocence-network", [inboxes.url + path for path in paths], ACTIVITY)
    # Nothing is answered until both processes have a full set of POSTs in flight at once,
    # which one process alone never has: the two really send side by side.
    inboxes.hold_from, inboxes.hold_count = 0, 2 * delivery.CONCURRENCY
    processes = [await _deliverer(database) for _ in range(2)]
    await asyncio.wait_for(inboxes.full.wait(), 60)
    inboxes.release.set()
    outputs = await asyncio.gather(*(process.communicate() for process in processes))
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert Counter(inboxes.hits) == Counter(paths)
    assert await Delivery.filter(delivered_at__isnull=True).count() == 0


async def test_a_delivery_process_killed_mid_batch_loses_nothing(database, inboxes):
    paths = [f"/{n}/inbox" for n in range(100)]
    await delivery.enqueue("innocence-network", [inboxes.url + path for path in paths], ACTIVITY)
    # Twenty are answered; then POSTs are held, and the process is killed with a full set in
    # flight.
    inboxes.hold_from, inboxes.hold_count = 20, delivery.CONCURRENCY
    process = await _deliverer(database)
    await asyncio.wait_for(inboxes.full.wait(), 60)
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL
    inboxes.release.set()  # the held POSTs are answered, to nobody
    in_flight = set(
        await Delivery.filter(claimed_until__isnull=False, delivered_at__isnull=True).values_list(
            "inbox", flat=True
        )
    )
    assert len(in_flight) >= delivery.CONCURRENCY
    # The dead process's leases pass (here: at once); the next run takes its deliveries over.
    await Delivery.filter(claimed_until__isnull=False).update(
        claimed_until=datetime.now(UTC) - timedelta(seconds=1)
    )
    rerun = await _deliverer(database)
    output, _ = await rerun.communicate()
    assert rerun.returncode == 0, output
    sent = Counter(inboxes.hits)
    assert set(sent) == set(paths)  # nothing lost
    # At least once: only what was in flight when the process died can arrive twice.
    assert {inboxes.url + path for path, count in sent.items() if count > 1} <= in_flight
    assert await Delivery.filter(delivered_at__isnull=True).count() == 0


async def _queued(kind: str) -> list[str]:
    """The Note ids of the queued activities of this type."""
    rows = await Delivery.all().values_list("activity", flat=True)
    return [found["object"]["id"] for found in map(json.loads, rows) if found["type"] == kind]


async def test_an_incremental_pass_looks_only_at_jobs_written_since_and_a_full_one_at_all(
    database,
):
    urls = site_urls(database)
    organization = await feed_helpers.make_organization("ohio-innocence-project")
    await Follower.create(actor=organization.slug, follower_id="https://x/u", inbox="https://x/i")
    edited, untracked, closed = [
        await feed_helpers.make_job(organization, title) for title in ("One", "Two", "Three")
    ]
    assert await publish_changes(database, urls) == 3
    before = datetime.now(UTC)
    edited.title = "One, edited"
    await edited.save()
    await feed_helpers.end_job(closed, JobStatus.CLOSED)
    # A write that sets no updated_at: only a full pass can notice it.
    await Job.filter(id=untracked.id).update(title="Two, edited")

    assert await publish_changes(database, urls, changed_since=before) == 2
    assert await _queued("Update") == [note_id(urls, edited.uid)]
    assert await _queued("Delete") == [note_id(urls, closed.uid)]
    assert await publish_changes(database, urls, changed_since=before) == 0  # nothing new
    assert await publish_changes(database, urls) == 1
    assert sorted(await _queued("Update")) == sorted(
        [note_id(urls, edited.uid), note_id(urls, untracked.uid)]
    )


async def test_a_full_pass_over_more_jobs_than_a_batch_announces_each_once(database, monkeypatch):
    monkeypatch.setattr(publishing, "BATCH", 2)
    urls = site_urls(database)
    organization = await feed_helpers.make_organization("ohio-innocence-project")
    await Follower.create(actor=organization.slug, follower_id="https://x/u", inbox="https://x/i")
    jobs = [await feed_helpers.make_job(organization, f"Job {number}") for number in range(5)]
    assert await publish_changes(database, urls) == 5
    assert sorted(await _queued("Create")) == sorted(note_id(urls, job.uid) for job in jobs)
    await feed_helpers.end_job(jobs[2], JobStatus.CLOSED)
    assert await publish_changes(database, urls) == 1
    assert await _queued("Delete") == [note_id(urls, jobs[2].uid)]
    assert await publish_changes(database, urls) == 0
