"""Entries are prepared before their feed's transaction: the jobs they open are the same as if
everything were worked out inside it, whatever organization they end up filed under and
however often the import is tried."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from directory.models import Organization, OrganizationKind, OrganizationStatus
from feeds.aggregate.importer import import_feed
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
