"""Administrators hear, by real SMTP on loopback, of a subscribed feed that started failing:
once when it goes from healthy to failing, again only after it recovered and failed again,
and not at all once they turned that notice off on their mail preferences page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directory.notices import FEED_FAILING
from feeds.aggregate import passes
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from mail.delivery import send_due
from mail.outbox import set_turned_off
from tests.helpers_directory import make_admin
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, make_due, subscribe
from tests.helpers_hostile_servers import raw_server, replying
from tests.helpers_smtp import RecordingHandler, delivered, plain_text, smtp_fixture, smtp_server  # noqa: F401  (the smtp fixture)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FEED = atom_feed(atom_entry("tag:s,1", "Paralegal", link="https://s.example.org/1"))
ADMIN = "admin@network.example.org"


async def poll(settings, subscription: FeedSubscription, hours: int) -> FeedSubscription:
    await make_due(subscription)
    await run_pass(settings, now=NOW + timedelta(hours=hours))
    return await FeedSubscription.get(id=subscription.id)


async def test_a_failing_spell_is_mailed_once_and_again_after_a_recovery(live_server, smtp):
    settings = live_server.settings.with_changes(smtp_url=smtp[0])
    handler = smtp[1]
    await make_admin()
    state = {"healthy": True}
    healthy, broken = ServedFeed(FEED), replying(500, b"oops")

    async def sometimes(request, writer):
        await (healthy if state["healthy"] else broken)(request, writer)

    async with raw_server({"/feed": sometimes}) as server:
        subscription = await subscribe(f"{server.url}/feed")
        await poll(settings, subscription, 0)
        await send_due(settings)
        assert handler.take_new() == []  # healthy: nothing to say

        state["healthy"] = False
        for hour in (1, 2, 3):  # three failed polls in a row: one spell, one mail
            stored = await poll(settings, subscription, hour)
        assert stored.consecutive_failures == 3
        await send_due(settings)
        [first] = handler.take_new()
        assert first["To"] == ADMIN and "started failing" in first["Subject"]
        text = first.get_body(("plain",)).get_content()
        assert subscription.url in text and "500" in text
        assert f"{live_server.url}/admin/feeds" in text

        state["healthy"] = True
        await poll(settings, subscription, 4)
        state["healthy"] = False
        await poll(settings, subscription, 5)
        await poll(settings, subscription, 6)
        await send_due(settings)
        assert len(handler.take_new()) == 1  # recovered, then a new spell

        await set_turned_off(ADMIN, {FEED_FAILING}, {FEED_FAILING})
        state["healthy"] = True
        await poll(settings, subscription, 7)
        state["healthy"] = False
        await poll(settings, subscription, 8)
        await send_due(settings)
        assert handler.take_new() == []  # turned off on the preferences page


async def test_a_poll_that_crashes_while_processing_is_recorded_and_mailed(
    live_server, smtp, monkeypatch
):
    settings = live_server.settings.with_changes(smtp_url=smtp[0])
    handler = smtp[1]
    await make_admin()
    async with raw_server({"/feed": ServedFeed(FEED)}) as server:
        subscription = await subscribe(f"{server.url}/feed")
        await poll(settings, subscription, 0)

        async def crash(*args, **kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(passes, "fetch_feed", crash)
        stored = await poll(settings, subscription, 1)
    assert stored.consecutive_failures == 1 and "RuntimeError" in stored.last_error
    [notice] = await delivered(settings, handler)
    assert notice["To"] == ADMIN and "RuntimeError" in plain_text(notice)
