"""Hostile and broken servers: every one ends in an error recorded on the subscription, in
plain words, with the right schedule, and nothing half-imported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.outbound import Timeouts
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription, SubscriptionStatus
from jobs.models import Job
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, subscribe
from tests.helpers_hostile_servers import (
    endless_body,
    gzip_bomb,
    never_answers,
    raw_server,
    redirecting,
    replying,
)

QUICK = Timeouts(connect=1, total=2)
FEED = atom_feed(atom_entry("tag:h,1", "Investigator", link="https://h.example.org/1"))
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def _pass_over(settings, route, **pass_options) -> FeedSubscription:
    async with raw_server({"/feed": route, "/loop": redirecting("/loop")}) as server:
        subscription = await subscribe(f"{server.url}/feed")
        options = {"timeouts": QUICK, "now": NOW, **pass_options}
        summary = await run_pass(settings, **options)
    assert summary.errors == 1 and summary.imported == 0
    assert await Job.all().count() == 0, "nothing may be imported"
    return await FeedSubscription.get(id=subscription.id)


BROKEN = {
    "endless": (endless_body, "larger than 5 MiB"),
    "gzip bomb": (
        replying(
            200,
            gzip_bomb(64 * 1024 * 1024),
            {"Content-Encoding": "gzip", "Content-Type": "text/xml"},
        ),
        "larger than 5 MiB",
    ),
    "timeout": (never_answers, "did not answer in time"),
    "redirect loop": (redirecting("/loop"), "redirected"),
    "empty": (replying(200, b"", {"Content-Type": "application/atom+xml"}), "empty"),
    "html": (
        replying(
            200, b"<!doctype html><html><body>Hi</body></html>", {"Content-Type": "text/html"}
        ),
        "web page",
    ),
    "server error": (replying(500, b"oops"), "500"),
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_a_broken_server_ends_in_a_recorded_error_and_a_backed_off_poll(live_server, case):
    route, words = BROKEN[case]
    subscription = await _pass_over(live_server.settings, route)
    assert words in subscription.last_error
    assert subscription.consecutive_failures == 1
    assert subscription.last_fetched_at == NOW and subscription.last_success_at is None
    assert subscription.next_poll_at == NOW + timedelta(minutes=60)
    assert subscription.lease_owner == "" and subscription.lease_until is None


async def test_failures_double_the_interval(live_server):
    async with raw_server({"/feed": replying(200, b"")}) as server:
        subscription = await subscribe(f"{server.url}/feed")
        moment = NOW
        for failures, hours in ((1, 1), (2, 2), (3, 4)):
            await run_pass(live_server.settings, now=moment)
            subscription = await FeedSubscription.get(id=subscription.id)
            assert subscription.consecutive_failures == failures
            assert subscription.next_poll_at == moment + timedelta(hours=hours)
            moment = subscription.next_poll_at


async def test_a_redirect_to_a_private_address_is_refused_when_private_addresses_are_not_allowed(
    live_server,
):
    strict = live_server.settings.with_changes(allow_private_addresses=False)
    for target in ("http://127.0.0.1:9/feed", "http://10.0.0.1/feed", "http://169.254.169.254/"):
        async with raw_server({"/feed": redirecting(target)}) as server:
            subscription = await subscribe(f"{server.url}/feed-{target[7:10]}")
            await FeedSubscription.filter(id=subscription.id).update(url=f"{server.url}/feed")
            await run_pass(strict, now=NOW, timeouts=QUICK, allowed_endpoints=[server.endpoint])
        subscription = await FeedSubscription.get(id=subscription.id)
        assert subscription.consecutive_failures == 1, target
        assert subscription.last_error, target
        await subscription.delete()
    assert await Job.all().count() == 0


async def test_429_with_retry_after_is_respected(live_server):
    route = replying(429, b"slow down", {"Retry-After": "7200"})
    subscription = await _pass_over(live_server.settings, route)
    assert subscription.last_status == 429 and "429" in subscription.last_error
    assert subscription.next_poll_at == NOW + timedelta(hours=2)


async def test_410_disables_the_subscription(live_server):
    subscription = await _pass_over(live_server.settings, replying(410, b"gone"))
    assert subscription.status == SubscriptionStatus.DISABLED
    assert subscription.next_poll_at is None and "410" in subscription.last_error
    assert (await run_pass(live_server.settings, every=True)).fetched == 0


async def test_a_301_updates_the_stored_address(live_server):
    routes = {"/old": redirecting("/new", 301), "/new": ServedFeed(FEED)}
    async with raw_server(routes) as server:
        subscription = await subscribe(f"{server.url}/old")
        await run_pass(live_server.settings)
    subscription = await FeedSubscription.get(id=subscription.id)
    assert subscription.url == f"{server.url}/new"
    assert await Job.all().count() == 1


async def test_invalid_utf8_is_imported_as_far_as_it_reads_and_the_problem_recorded(live_server):
    body = FEED.replace(b"Investigator", b"Investig\xff\xfeator")
    async with raw_server({"/feed": ServedFeed(body)}) as server:
        subscription = await subscribe(f"{server.url}/feed")
        summary = await run_pass(live_server.settings)
    subscription = await FeedSubscription.get(id=subscription.id)
    assert summary.errors == 0
    assert "not valid UTF-8" in subscription.parse_warnings
