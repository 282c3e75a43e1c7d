"""Entries are prepared before their feed's transaction: the jobs they open are the same as if
everything were worked out inside it, whatever organization they end up filed under and
however often the import is tried."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from directory.models import Organization, OrganizationKind, OrganizationStatus
from feeds.aggregate.importer import IMPORT_ATTEMPTS, _KnownJobs, import_feed
from feeds.aggregate.parse import parse_feed
from feeds.models import FeedSubscription
from jobs.models import Job, JobStatus
from jobs.search.index import job_search_columns
from tests.helpers_federation import atom_entry, atom_feed, subscribe

FEED_URL = "https://sister.example.org/jobs.atom"
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
FEED = atom_feed(
    atom_entry(
        "tag:s,1",
        "Staff Attorney",
        link="https://sister.example.org/1",
        summary="<p>Post-conviction <b>litigation</b> in São Paulo.</p>",
    ),
    atom_entry("tag:s,2", "Investigator", link="https://sister.example.org/2"),
)


async def _organization(name: str, origin_id: str = "") -> Organization:
    return await Organization.create(
        slug=name.lower().replace(" ", "-"),
        name=name,
        kind=OrganizationKind.NETWORK,
        country="",
        status=OrganizationStatus.ACTIVE,
        network="Red Inocente",
        origin_id=origin_id or None,
    )


async def _import(subscription: FeedSubscription, body: bytes, settings):
    return await import_feed(
        parse_feed(body, FEED_URL, "application/atom+xml"), subscription, settings, now=NOW
    )


async def _assert_searched_by_organization_name(name: str) -> list[Job]:
    jobs = await Job.all().order_by("uid").prefetch_related("organization")
    assert jobs
    for job in jobs:
        assert job.organization.name == name
        assert (job.search_title, job.search_body) == job_search_columns(job, name)
    return jobs


async def test_jobs_of_a_new_sister_organization_are_searched_by_its_name(live_server):
    subscription = await subscribe(FEED_URL, name="Red de Defensa")
    summary = await _import(subscription, FEED, live_server.settings)
    assert summary.created == 2
    jobs = await _assert_searched_by_organization_name("Red de Defensa")
    assert "sao paulo" in jobs[0].search_body and "red de defensa" in jobs[0].search_body


async def test_jobs_filed_under_an_organization_named_otherwise_are_searched_by_its_name(
    live_server,
):
    # The feed's organization already exists under the name a moderator gave it.
    await _organization("Innocence Network Brazil", origin_id=FEED_URL)
    subscription = await subscribe(FEED_URL, name="Red de Defensa")
    await _import(subscription, FEED, live_server.settings)
    jobs = await _assert_searched_by_organization_name("Innocence Network Brazil")
    assert "red de defensa" not in jobs[0].search_body


async def test_jobs_of_a_member_feed_are_searched_by_the_member_name(live_server):
    member = await _organization("Clinica Juridica")
    subscription = await subscribe(FEED_URL, name="Red de Defensa")
    subscription.organization_id = member.id
    await subscription.save()
    await _import(subscription, FEED, live_server.settings)
    await _assert_searched_by_organization_name("Clinica Juridica")


async def test_an_import_tried_again_after_a_conflict_counts_and_closes_as_a_first_one(
    live_server, monkeypatch
):
    # A job opened and closed by the same feed: the retry must start from the entry again,
    # not from the job the failed attempt had already closed.
    body = atom_feed(
        atom_entry("tag:s,1", "Staff Attorney", link="https://sister.example.org/1"),
        '<at:deleted-entry ref="tag:s,1" when="2026-11-03T12:00:00Z"/>',
    )
    saves = []
    bulk_create = Job.bulk_create

    async def conflict_once(objects, *args, **kwargs):
        saves.append(len(objects))
        if len(saves) == 1:
            raise IntegrityError("UNIQUE constraint failed: job.uid")
        return await bulk_create(objects, *args, **kwargs)

    monkeypatch.setattr(Job, "bulk_create", conflict_once)
    subscription = await subscribe(FEED_URL)
    summary = await _import(subscription, body, live_server.settings)
    assert saves == [1, 1]
    assert (summary.created, summary.closed) == (1, 1)
    job = await Job.get(uid__startswith="urn:sha256:")
    assert job.status == JobStatus.CLOSED
    assert job.status_changed_at.isoformat().startswith("2026-11-03T12:00")
    assert job.posted_at.isoformat().startswith("2026-11-01T10:00")


class _ClashingSuffixes:
    """random for jobs.lifecycle.new_slug: the same suffix `repeats` times, then fresh ones;
    what the birthday odds of six hex digits do now and then to thousands of jobs that share
    a title, made certain."""

    def __init__(self, repeats: int):
        self.calls = 0
        self.repeats = repeats

    def getrandbits(self, bits: int) -> int:
        self.calls += 1
        return 0 if self.calls <= self.repeats else self.calls


async def test_a_slug_clash_with_a_job_already_held_does_not_fail_the_import(
    live_server, monkeypatch
):
    """A first pass of 500 feeds failed a feed with an IntegrityError about once in 25 runs:
    its new jobs' random slugs clashed with jobs already imported on every attempt. The
    clashing slugs are now replaced inside the transaction."""
    first = await subscribe("https://one.example.org/jobs.atom")
    second = await subscribe(FEED_URL)
    one_entry = atom_feed(atom_entry("tag:o,1", "Staff Attorney", link="https://one/1"))
    two_entries = atom_feed(
        atom_entry("tag:s,1", "Staff Attorney", link="https://sister.example.org/1"),
        atom_entry("tag:s,2", "Staff Attorney", link="https://sister.example.org/2"),
    )
    # The held job, then both entries' jobs on each of the import's attempts, take one suffix.
    monkeypatch.setattr("jobs.lifecycle.random", _ClashingSuffixes(repeats=1 + 2 * IMPORT_ATTEMPTS))
    await import_feed(
        parse_feed(one_entry, first.url, "application/atom+xml"),
        first,
        live_server.settings,
        now=NOW,
    )
    summary = await _import(second, two_entries, live_server.settings)
    assert summary.created == 2
    slugs = await Job.all().values_list("slug", flat=True)
    assert len(set(slugs)) == 3


async def test_two_feeds_bringing_the_same_new_job_at_once_both_import(live_server, monkeypatch):
    """The race behind a first pass's rare IntegrityError on PostgreSQL: two feeds carry the
    same new job (or organization), both transactions look for it, find none, and both insert
    it; the second fails on the unique key, and a feed that lost such races on every attempt
    failed. Here both imports are held after looking until the other has looked too (or a
    moment has passed, when the other is made to wait its turn), with one attempt only.
    SQLite runs one write transaction at a time, so there the second always finds the job;
    on PostgreSQL this failed before imports locked the keys they may create."""
    uid = "urn:uuid:0b0e4a5c-3f2d-4c55-9a51-5a3c2b1d0e9f"
    feeds = {
        url: atom_feed(atom_entry(uid, "Staff Attorney", link="https://origin.example/1"))
        for url in ("https://one.example/jobs.atom", "https://two.example/jobs.atom")
    }
    subscriptions = [await subscribe(url, name="Origin") for url in feeds]
    looked: list[asyncio.Event] = [asyncio.Event(), asyncio.Event()]
    load = _KnownJobs.load

    async def load_then_wait(self, identities):
        await load(self, identities)
        mine = len([event for event in looked if event.is_set()])
        looked[mine].set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(looked[1 - mine].wait(), 1)

    monkeypatch.setattr(_KnownJobs, "load", load_then_wait)
    monkeypatch.setattr("feeds.aggregate.importer.IMPORT_ATTEMPTS", 1)
    summaries = await asyncio.gather(
        *(
            import_feed(
                parse_feed(feeds[s.url], s.url, "application/atom+xml"),
                s,
                live_server.settings,
                now=NOW,
            )
            for s in subscriptions
        )
    )
    assert sorted((summary.created, summary.unchanged) for summary in summaries) == [
        (0, 1),
        (1, 0),
    ]
    assert await Job.filter(uid=uid).count() == 1
