"""One rule for "a job is visible now": the query (visible_now) and the rule for one job in
hand (is_visible) agree for every status, date and organization status, at the boundaries."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from directory.models import OrganizationStatus
from jobs.lifecycle import is_visible, visible_now
from jobs.models import Job, JobStatus
from tests.helpers_feeds import make_job, make_organization

pytestmark = pytest.mark.usefixtures("live_server")


async def test_the_query_and_the_rule_for_one_job_agree_everywhere(settings):
    # Microseconds on purpose: the stored form must compare like the Python values.
    now = datetime(2026, 12, 2, 10, 30, 15, 123456, tzinfo=UTC)
    lifetime = timedelta(days=settings.job_default_days)
    closing_dates = [
        None,
        now - timedelta(days=1),
        now - timedelta(microseconds=1),
        now,
        now + timedelta(microseconds=1),
        now + timedelta(days=1),
    ]
    posting_dates = [
        None,
        now - lifetime - timedelta(days=1),
        now - lifetime,
        now - lifetime + timedelta(microseconds=1),
        now - timedelta(days=1),
    ]
    organizations = {
        status: await make_organization(f"org-{status.value}", status=status)
        for status in OrganizationStatus
    }
    expected: dict[int, bool] = {}
    for organization, status, closing, posted in itertools.product(
        organizations.values(), JobStatus, closing_dates, posting_dates
    ):
        job = await make_job(organization, status=status, valid_through=closing, posted_at=posted)
        expected[job.id] = is_visible(job, organization, settings, now)

    found = set(
        await Job.filter(visible_now(now, settings.job_default_days)).values_list("id", flat=True)
    )

    disagreements = {
        job_id: wanted for job_id, wanted in expected.items() if (job_id in found) != wanted
    }
    assert disagreements == {}
    # The cases hold both answers, so agreement is not agreement on "nothing".
    assert 0 < len(found) < len(expected)
    visible = await Job.filter(id__in=found).prefetch_related("organization")
    assert {job.status for job in visible} == {JobStatus.PUBLISHED}
    assert {job.organization.status for job in visible} == {OrganizationStatus.ACTIVE}


async def test_a_job_is_visible_until_its_closing_date_then_its_default_lifetime(settings):
    organization = await make_organization()
    now = datetime.now(UTC)
    closing = now + timedelta(hours=1)
    dated = await make_job(organization, valid_through=closing, posted_at=now - timedelta(days=400))
    assert is_visible(dated, organization, settings, closing - timedelta(seconds=1))
    assert not is_visible(dated, organization, settings, closing)
    undated = await make_job(organization, valid_through=None, posted_at=now)
    end = now + timedelta(days=settings.job_default_days)
    assert is_visible(undated, organization, settings, end - timedelta(seconds=1))
    assert not is_visible(undated, organization, settings, end)
