"""The import stage on plain feeds (RSS, Atom, JSON Feed written by any site): what maps, what
stays empty, deduplication, closing, updates, and sanitization all the way to the pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.lifecycle import expire_due_jobs
from jobs.models import Category, EmploymentType, Job, JobStatus, WorkMode
from tests.helpers_federation import (
    ServedFeed,
    active_content,
    atom_entry,
    atom_feed,
    make_due,
    subscribe,
)
from tests.helpers_hostile_servers import raw_server
from tests.helpers_jobs import audit_trail

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Clinic careers</title><link>https://clinic.example.org/</link>
<item><title>Investigator &amp; Paralegal</title><link>https://clinic.example.org/jobs/7</link>
<guid isPermaLink="false">7</guid><description>&lt;p&gt;Review &lt;b&gt;case files&lt;/b&gt;.&lt;/p&gt;</description>
<pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate><category>investigator</category></item>
</channel></rss>"""


async def test_plain_rss_maps_title_link_summary_date_and_category_and_leaves_the_rest_empty(
    live_server,
):
    async with raw_server({"/feed.rss": ServedFeed(RSS, "application/rss+xml")}) as server:
        await subscribe(f"{server.url}/feed.rss", name="Clinic careers", network="Red Inocente")
        summary = await run_pass(live_server.settings)
    assert (summary.fetched, summary.imported, summary.errors) == (1, 1, 0)
    job = await Job.get(origin_url="https://clinic.example.org/jobs/7")
    assert job.title == "Investigator & Paralegal"
    assert job.description_html == "<p>Review <b>case files</b>.</p>"
    assert job.posted_at.isoformat().startswith("2026-11-02T09:00")
    assert job.category == Category.INVESTIGATOR
    assert job.status == JobStatus.PUBLISHED
    assert job.source_feed_url == f"{server.url}/feed.rss"
    assert job.source_name == "Clinic careers"
    # Nothing the feed does not say is invented.
    assert job.employment_type == EmploymentType.OTHER
    assert (job.city, job.region, job.country, job.salary_min, job.salary_currency) == (
        "",
        "",
        "",
        None,
        "",
    )
    assert (job.apply_url, job.apply_email, job.valid_through) == ("", "", None)
    assert job.work_mode == WorkMode.ONSITE
    organization = await job.organization
    assert organization.is_federated and organization.name == "Clinic careers"
    assert organization.network == "Red Inocente"


async def test_plain_json_feed_maps_its_items(live_server):
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Fellowships",
        "items": [
            {
                "id": "https://fellows.example.org/1",
                "url": "https://fellows.example.org/1",
                "title": "Justice Fellow",
                "content_html": "<p>Two <em>years</em>.</p>",
                "date_published": "2026-10-30T08:00:00Z",
                "tags": ["fellowship"],
            }
        ],
    }
    served = ServedFeed(json.dumps(document).encode(), "application/feed+json")
    async with raw_server({"/feed.json": served}) as server:
        await subscribe(f"{server.url}/feed.json")
        await run_pass(live_server.settings)
    job = await Job.get(origin_url="https://fellows.example.org/1")
    assert (job.title, job.category) == ("Justice Fellow", Category.FELLOWSHIP)
    assert job.description_html == "<p>Two <em>years</em>.</p>"


async def test_entries_are_deduplicated_by_id_then_by_link(live_server):
    first = atom_feed(
        atom_entry("tag:a,2026:1", "Attorney", link="https://a.example.org/1"),
        atom_entry("tag:a,2026:1", "Attorney (again)", link="https://a.example.org/1"),
    )
    served = ServedFeed(first)
    async with raw_server({"/a.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/a.atom")
        await run_pass(live_server.settings)
        assert await Job.filter(source_feed_url=subscription.url).count() == 1
        # The same posting without its id is recognised by its link.
        served.body = atom_feed(
            atom_entry("", "Attorney", link="https://a.example.org/1"),
        )
        await make_due(subscription)
        await run_pass(live_server.settings)
    assert await Job.filter(source_feed_url=subscription.url).count() == 1


async def test_a_changed_entry_updates_the_job_and_an_unchanged_pass_parses_nothing(live_server):
    served = ServedFeed(atom_feed(atom_entry("tag:b,2026:1", "Paralegal", link="https://b/1")))
    async with raw_server({"/b.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/b.atom")
        await run_pass(live_server.settings)
        await make_due(subscription)
        again = await run_pass(live_server.settings)
        assert (again.fetched, again.not_modified, again.imported) == (0, 1, 0)
        assert server.requests[-1].headers.get("if-none-match") == served.etag
        served.body = atom_feed(
            atom_entry(
                "tag:b,2026:1",
                "Senior Paralegal",
                link="https://b/1",
                updated="2026-11-02T10:00:00Z",
            )
        )
        await make_due(subscription)
        changed = await run_pass(live_server.settings)
    assert (changed.fetched, changed.imported) == (1, 1)
    assert [job.title for job in await Job.filter(source_feed_url=subscription.url)] == [
        "Senior Paralegal"
    ]


async def test_an_identical_body_without_validators_is_not_parsed_again(live_server):
    class NoValidators(ServedFeed):
        @property
        def etag(self) -> str:
            return ""

    async with raw_server(
        {"/c.atom": NoValidators(atom_feed(atom_entry("tag:c,1", "X")))}
    ) as server:
        subscription = await subscribe(f"{server.url}/c.atom")
        await run_pass(live_server.settings)
        await make_due(subscription)
        again = await run_pass(live_server.settings)
    assert (again.fetched, again.not_modified) == (0, 1)


async def test_a_tombstone_and_absence_from_a_complete_feed_close_imported_jobs(live_server):
    served = ServedFeed(
        atom_feed(
            atom_entry("tag:d,1", "Kept", link="https://d/1"),
            atom_entry("tag:d,2", "Tombstoned", link="https://d/2"),
            atom_entry("tag:d,3", "Dropped", link="https://d/3"),
        )
    )
    async with raw_server({"/d.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/d.atom")
        await run_pass(live_server.settings)
        assert await Job.filter(status=JobStatus.PUBLISHED).count() == 3
        served.body = atom_feed(
            atom_entry("tag:d,1", "Kept", link="https://d/1"),
            '<at:deleted-entry ref="tag:d,2" when="2026-11-03T12:00:00Z"/>',
            extra="<fh:complete/>",
        )
        await make_due(subscription)
        summary = await run_pass(live_server.settings)
    assert summary.closed == 2
    by_link = {job.origin_url: job for job in await Job.all()}
    assert by_link["https://d/1"].status == JobStatus.PUBLISHED
    assert by_link["https://d/2"].status == JobStatus.CLOSED
    assert by_link["https://d/2"].status_changed_at.isoformat().startswith("2026-11-03T12:00")
    assert by_link["https://d/3"].status == JobStatus.CLOSED
    # The audit trail names the feed that closed the job, like any other actor.
    assert await audit_trail(by_link["https://d/3"]) == [
        ("close", "published", "closed", f"feed:{server.url}/d.atom")
    ]
    subscription = await FeedSubscription.get(id=subscription.id)
    assert subscription.consecutive_failures == 0


HOSTILE = (
    '<p onclick="steal()">Hello<script>alert(1)</script>'
    '<a href="javascript:alert(2)">x</a><img src="https://tracker.example/p.gif"></p>'
)


async def test_hostile_markup_never_reaches_a_page_or_a_feed(live_server, api):
    served = ServedFeed(
        atom_feed(
            atom_entry(
                "tag:e,1",
                "<script>alert(3)</script>Clerk\x07",
                link="https://e.example.org/1",
                summary=HOSTILE,
            )
        )
    )
    async with raw_server({"/e.atom": served}) as server:
        await subscribe(f"{server.url}/e.atom", name="Evil <script>x</script>")
        await run_pass(live_server.settings)
    job = await Job.get(origin_url="https://e.example.org/1")
    assert "\x07" not in job.title
    pages = [f"/jobs/{job.slug}", "/jobs", "/jobs/feed.atom", "/jobs/feed.rss", "/jobs/feed.json"]
    for path in pages:
        response = await api.get(path)
        assert response.status_code == 200, path
        assert active_content(path, response.text) == []
        assert "tracker.example" not in response.text, path


async def test_an_undated_entry_keeps_its_first_seen_date_and_local_expiry_is_not_undone(
    live_server,
):
    old = atom_entry("tag:f,1", "Old posting", link="https://f/1", updated="2020-01-01T00:00:00Z")
    served = ServedFeed(atom_feed(old, atom_entry("tag:f,2", "Undated", link="https://f/2")))
    served.body = served.body.replace(b"<updated>2026-11-01T10:00:00Z</updated><link", b"<link")
    async with raw_server({"/f.atom": served}) as server:
        subscription = await subscribe(f"{server.url}/f.atom")
        await run_pass(live_server.settings)
        undated = await Job.get(origin_url="https://f/2")
        await expire_due_jobs(live_server.settings, datetime.now(UTC))
        assert (await Job.get(origin_url="https://f/1")).status == JobStatus.EXPIRED
        served.body = served.body.replace(b"Undated", b"Undated, revised")
        await make_due(subscription)
        await run_pass(live_server.settings)
    assert (await Job.get(origin_url="https://f/1")).status == JobStatus.EXPIRED
    revised = await Job.get(origin_url="https://f/2")
    assert revised.title == "Undated, revised" and revised.posted_at == undated.posted_at
