"""Storing a pass: every subscription gets what its own fetch saw, whatever mix of results
one pass brings back, and a lease taken over by another process meanwhile is left alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription, SubscriptionStatus
from jobs.models import Job, JobStatus
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, make_due, subscribe
from tests.helpers_hostile_servers import RawRequest, raw_server, redirecting, replying, send

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FEED = atom_feed(atom_entry("tag:s,1", "Paralegal", link="https://s.example.org/1"))


async def test_one_pass_stores_each_kind_of_result_on_its_own_subscription(live_server):
    fresh, unchanged = ServedFeed(FEED), ServedFeed(FEED)
    routes = {
        "/fresh": fresh,
        "/unchanged": unchanged,
        "/broken": replying(500, b"oops"),
        "/gone": replying(410, b"gone"),
    }
    async with raw_server(routes) as server:
        subscriptions = {path: await subscribe(f"{server.url}{path}") for path in routes}
        await FeedSubscription.filter(id=subscriptions["/unchanged"].id).update(
            etag=unchanged.etag, body_hash="h" * 64, consecutive_failures=2
        )
        summary = await run_pass(live_server.settings, now=NOW)
    assert (summary.fetched, summary.not_modified, summary.errors) == (1, 1, 2)
    stored = {
        path: await FeedSubscription.get(id=subscription.id)
        for path, subscription in subscriptions.items()
    }

    assert stored["/fresh"].last_status == 200 and stored["/fresh"].etag == fresh.etag
    assert stored["/fresh"].items_imported_last == 1 and stored["/fresh"].last_error == ""
    assert stored["/fresh"].last_success_at == NOW

    assert stored["/unchanged"].last_status == 304 and stored["/unchanged"].body_hash == "h" * 64
    assert stored["/unchanged"].consecutive_failures == 0
    assert stored["/unchanged"].items_imported_last == 0

    assert stored["/broken"].last_status == 500 and "500" in stored["/broken"].last_error
    assert stored["/broken"].consecutive_failures == 1
    assert stored["/broken"].last_success_at is None and stored["/broken"].etag == ""

    assert stored["/gone"].status == SubscriptionStatus.DISABLED
    assert stored["/gone"].next_poll_at is None

    for subscription in stored.values():
        assert subscription.last_fetched_at == NOW
        assert subscription.lease_owner == "" and subscription.lease_until is None
    assert stored["/fresh"].next_poll_at == NOW + timedelta(minutes=60)
    assert stored["/broken"].next_poll_at == NOW + timedelta(minutes=60)


async def test_a_lease_taken_over_during_the_fetch_is_left_to_its_new_owner(live_server):
    """The fetch outlived the lease and another process claimed the feed: its lease and the
    subscription's state stay as that process left them."""
    subscription = await subscribe("http://127.0.0.1:9/feed")
    later = NOW + timedelta(hours=1)

    async def overtaken(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        await FeedSubscription.filter(id=subscription.id).update(
            lease_owner="worker-2", lease_until=later, etag='"theirs"'
        )
        await send(writer, 200, FEED, {"Content-Type": "application/atom+xml", "ETag": '"ours"'})

    async with raw_server({"/feed": overtaken, "/other": ServedFeed(FEED)}) as server:
        await FeedSubscription.filter(id=subscription.id).update(url=f"{server.url}/feed")
        other = await subscribe(f"{server.url}/other")
        await run_pass(live_server.settings, now=NOW, owner="worker-1")
    taken = await FeedSubscription.get(id=subscription.id)
    assert taken.lease_owner == "worker-2" and taken.lease_until == later
    assert taken.etag == '"theirs"' and taken.last_fetched_at is None
    # The other feed of the same pass is stored and released as usual.
    released = await FeedSubscription.get(id=other.id)
    assert released.lease_owner == "" and released.last_status == 200


async def test_a_feed_that_moved_for_good_still_updates_and_closes_its_jobs(live_server):
    """A 301 moves the subscription to the new address; the jobs it brought in move with
    it, or only another feed's address would name them and no entry of its own could close
    them any more."""
    uid = "urn:uuid:6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
    moved = ServedFeed(atom_feed(atom_entry(uid, "Paralegal", link="https://s.example.org/9")))
    async with raw_server({"/old": redirecting("/new", 301), "/new": moved}) as server:
        subscription = await subscribe(f"{server.url}/old")
        await run_pass(live_server.settings, now=NOW)
        subscription = await FeedSubscription.get(id=subscription.id)
        assert subscription.url == f"{server.url}/new"
        job = await Job.get(uid=uid)
        assert job.source_feed_url == subscription.url
        assert (await job.organization).source_feed_url == subscription.url

        organization = await job.organization

        moved.body = atom_feed(
            atom_entry("urn:uuid:1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "Investigator"),
            f'<at:deleted-entry ref="{uid}" when="2026-11-23T11:00:00Z"/>',
        )
        await make_due(subscription)
        assert (await run_pass(live_server.settings, now=NOW)).closed == 1
    assert (await Job.get(uid=uid)).status == JobStatus.CLOSED
    # Its next job is filed under the same organization, not a new one for the new address.
    assert (await Job.get(title="Investigator")).organization_id == organization.id
