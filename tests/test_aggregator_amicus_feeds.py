"""Fetching and parsing the feeds a real Amicus instance publishes: every job field arrives,
ended jobs arrive as deletion marks, and a second poll is answered 304."""

from __future__ import annotations

import pytest

from feeds.aggregate.fetch import fetch_feed
from feeds.aggregate.parse import parse_feed
from feeds.aggregate.parse_backends import BACKENDS
from feeds.aggregate.sanitize import clean_text
from jobs.models import JobStatus
from tests.helpers_feeds import end_job, make_job, make_organization


@pytest.fixture
async def published(live_server):
    organization = await make_organization()
    open_job = await make_job(organization, "Staff Attorney & <Investigator>")
    ended = await end_job(await make_job(organization, "Filled Position"))
    return live_server, open_job, ended


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("path", ["/federation/jobs.atom", "/jobs/feed.rss", "/jobs/feed.json"])
async def test_an_amicus_feed_arrives_with_every_job_field_and_its_deletion_marks(
    published, backend: str, path: str
) -> None:
    server, job, ended = published
    result = await fetch_feed(server.settings, f"{server.url}{path}")
    assert result.ok, result.error
    feed = parse_feed(result.body, result.final_url, result.content_type, backend=backend)
    assert feed.is_feed and feed.problems == []
    by_id = {entry.id: entry for entry in feed.entries}

    entry = by_id[job.uid]
    assert clean_text(entry.title) == job.title
    assert entry.link.startswith(server.url)
    assert not entry.closed and not entry.is_deletion
    fields = entry.job_fields
    assert fields["employment_type"] == job.employment_type.value
    assert fields["category"] == job.category.value
    assert fields["country"] == job.country
    assert fields["work_mode"] == job.work_mode.value
    assert fields["salary_min"] == job.salary_min
    assert fields["salary_max"] == job.salary_max
    assert fields["valid_through"] == job.valid_through
    assert fields["remote_countries"] == ["US", "CA"]
    assert fields["status"] == JobStatus.PUBLISHED.value

    mark = by_id[ended.uid]
    assert mark.closed and mark.is_deletion
    assert mark.deleted is not None
    assert mark.job_fields["status"] == JobStatus.FILLED.value


async def test_the_complete_federation_feed_is_marked_complete(published) -> None:
    server, _job, _ended = published
    result = await fetch_feed(server.settings, f"{server.url}/federation/jobs.atom")
    feed = parse_feed(result.body, result.final_url, result.content_type)
    assert feed.complete
    assert feed.self_url.startswith(server.url)


async def test_polling_an_unchanged_amicus_feed_again_is_answered_not_modified(published) -> None:
    server, _job, _ended = published
    url = f"{server.url}/jobs/feed.atom"
    first = await fetch_feed(server.settings, url)
    second = await fetch_feed(
        server.settings,
        url,
        etag=first.etag,
        last_modified=first.last_modified,
        previous_body_hash=first.body_hash,
    )
    assert first.etag and first.max_age_seconds
    assert second.status == 304 and second.not_modified and second.body is None
