"""Hostile feeds: well-formed documents whose content tries to reach beyond the feed itself.
Job ids are public, dates are whatever a peer writes; one subscription must never change
what another brought in, and a date in the future must not pin a job to the top."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from feeds.aggregate.importer import CLOCK_SKEW
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.models import Job, JobStatus
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, make_due, subscribe
from tests.helpers_hostile_servers import raw_server, replying

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FUTURE_WARNING = "dated in the future"


def _tombstone(ref: str, when: str = "2026-11-20T12:00:00Z") -> str:
    return f'<at:deleted-entry ref="{ref}" when="{when}"/>'


async def test_a_feed_cannot_close_a_job_another_feed_brought_in(live_server):
    """X names Y's job in a tombstone and publishes itself as complete without it: Y's job
    stays open; Y's own tombstone still closes it."""
    uid = f"urn:uuid:{uuid.uuid4()}"
    y_feed = ServedFeed(atom_feed(atom_entry(uid, "Staff Attorney", link="https://y.example/1")))
    x_feed = ServedFeed(
        atom_feed(
            atom_entry("tag:x,1", "Investigator", link="https://x.example/1"),
            _tombstone(uid),
            extra="<fh:complete/>",
        )
    )
    async with raw_server({"/y.atom": y_feed, "/x.atom": x_feed}) as server:
        y = await subscribe(f"{server.url}/y.atom", name="Y")
        await run_pass(live_server.settings, now=NOW)
        x = await subscribe(f"{server.url}/x.atom", name="X")
        summary = await run_pass(live_server.settings, now=NOW)
        assert summary.closed == 0
        job = await Job.get(uid=uid)
        assert (job.status, job.source_feed_url) == (JobStatus.PUBLISHED, y.url)
        assert await Job.filter(source_feed_url=x.url, status=JobStatus.PUBLISHED).count() == 1

        y_feed.body = atom_feed(_tombstone(uid))
        await make_due(y)
        assert (await run_pass(live_server.settings, now=NOW)).closed == 1
    assert (await Job.get(uid=uid)).status == JobStatus.CLOSED


async def test_a_job_dated_in_the_future_is_dated_when_first_fetched(live_server):
    served = ServedFeed(
        atom_feed(
            atom_entry(
                "tag:f,1", "Pinned", link="https://f.example/1", updated="2106-01-01T00:00:00Z"
            ),
            atom_entry(
                "tag:f,2", "Honest", link="https://f.example/2", updated="2026-11-20T09:00:00Z"
            ),
            # A clock a little ahead is believed.
            atom_entry(
                "tag:f,3",
                "Slightly ahead",
                link="https://f.example/3",
                updated=(NOW + CLOCK_SKEW / 2).isoformat().replace("+00:00", "Z"),
            ),
        )
    )
    async with raw_server({"/f.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/f.atom")
        await run_pass(live_server.settings, now=NOW)
        dated = {job.title: job.posted_at for job in await Job.all()}
        assert dated == {
            "Pinned": NOW,
            "Honest": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            "Slightly ahead": NOW + CLOCK_SKEW / 2,
        }
        subscription = await FeedSubscription.get(id=subscription.id)
        assert FUTURE_WARNING in subscription.parse_warnings

        # Fetched again later, still in the future: it keeps its first date, not a new "now".
        served.body = served.body.replace(b"Pinned", b"Pinned again")
        await make_due(subscription)
        await run_pass(live_server.settings, now=NOW + timedelta(hours=2))
    job = await Job.get(origin_url="https://f.example/1")
    assert (job.title, job.posted_at) == ("Pinned again", NOW)


async def test_a_deletion_dated_in_the_future_is_dated_when_fetched(live_server):
    served = ServedFeed(atom_feed(atom_entry("tag:g,1", "Attorney", link="https://g.example/1")))
    async with raw_server({"/g.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/g.atom")
        await run_pass(live_server.settings, now=NOW)
        served.body = atom_feed(_tombstone("tag:g,1", when="2106-01-01T00:00:00Z"))
        await make_due(subscription)
        await run_pass(live_server.settings, now=NOW)
    job = await Job.get(origin_url="https://g.example/1")
    assert (job.status, job.status_changed_at) == (JobStatus.CLOSED, NOW)


async def test_an_unchanged_feed_keeps_the_warnings_of_its_last_parse(live_server):
    served = ServedFeed(
        atom_feed(
            atom_entry("tag:w,1", "Attorney", link="https://w.example/1"),
            atom_entry("tag:w,2", "", link="https://w.example/2"),
        )
    )
    async with raw_server({"/w.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/w.atom")
        await run_pass(live_server.settings, now=NOW)
        first = (await FeedSubscription.get(id=subscription.id)).parse_warnings
        assert "without a title" in first
        await make_due(subscription)
        again = await run_pass(live_server.settings, now=NOW + timedelta(hours=1))
        assert again.not_modified == 1
        assert (await FeedSubscription.get(id=subscription.id)).parse_warnings == first

        # A failed fetch is recorded beside them, and once over leaves them standing.
        server.routes["/w.atom"] = replying(500)
        await make_due(subscription)
        await run_pass(live_server.settings, now=NOW + timedelta(hours=2))
        failed = await FeedSubscription.get(id=subscription.id)
        assert "500" in failed.last_error and failed.parse_warnings == first
        server.routes["/w.atom"] = served
        await make_due(subscription)
        await run_pass(live_server.settings, now=NOW + timedelta(hours=3))
        recovered = await FeedSubscription.get(id=subscription.id)
        assert (recovered.last_error, recovered.parse_warnings) == ("", first)

        # A new parse replaces them.
        served.body = atom_feed(atom_entry("tag:w,1", "Attorney", link="https://w.example/1"))
        await make_due(subscription)
        await run_pass(live_server.settings, now=NOW + timedelta(hours=4))
    assert (await FeedSubscription.get(id=subscription.id)).parse_warnings == ""
