"""Feeds read their jobs as plain rows, not models: the values must be the ORM's own, or the
same job would be written differently by a search feed (models) and a newest-first feed (rows).
"""

from __future__ import annotations

from dataclasses import astuple, fields
from datetime import timedelta
from decimal import Decimal

from feeds.publish.job_feed import FeedJob, feed_jobs
from jobs.models import Job, WorkMode
from tests.helpers_feeds import NOW, make_job, make_organization


def _as_written(job: FeedJob) -> list[tuple[str, str, str]]:
    """Every field as a writer could print it: name, type and text (dates with their offset,
    decimals with their exponent, enums by value)."""
    values = [*astuple(job)[:-1], *astuple(job.organization)]
    names = [item.name for item in fields(FeedJob)][:-1] + [
        f"organization.{item.name}" for item in fields(job.organization)
    ]
    return [
        (name, type(value).__name__, str(value)) for name, value in zip(names, values, strict=True)
    ]


async def test_jobs_read_as_rows_are_the_jobs_read_as_models(live_server):
    ohio = await make_organization()
    await make_job(ohio)
    await make_job(
        ohio,
        "Remote Investigator",
        work_mode=WorkMode.REMOTE,
        salary_max=None,
        salary_min=Decimal("41000.5"),
        valid_through=None,
        posted_at=NOW - timedelta(hours=3, microseconds=250),
        source_feed_url="https://sister.example/jobs/feed.atom",
        source_name="Sister network",
        origin_url="https://sister.example/jobs/remote-investigator",
    )
    await make_job(ohio, "Volunteer", salary_min=None, salary_max=None, salary_unit=None)

    rows = await feed_jobs(Job.all().order_by("id"))
    models = [
        FeedJob.of(job) for job in await Job.all().order_by("id").select_related("organization")
    ]

    assert len(rows) == 3
    assert [_as_written(job) for job in rows] == [_as_written(job) for job in models]
