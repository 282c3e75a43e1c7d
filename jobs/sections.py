"""The job board's parts of directory pages: an organization's open jobs, recent jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from tortoise.queryset import QuerySet

from directory.models import Organization
from directory.sections import Section
from jobs.labels import display_helpers
from jobs.lifecycle import visible_now
from jobs.models import Job

ORGANIZATION_JOBS_SHOWN = 20
# Other jobs of the same organization on a job page: a few, then its page for the rest.
MORE_JOBS_SHOWN = 3
RECENT_JOBS_SHOWN = 5


def _open_jobs(request: Request) -> QuerySet[Job]:
    return Job.filter(visible_now(datetime.now(UTC), request.app.state.settings.job_default_days))


async def organization_jobs(request: Request, organization: Organization) -> Section | None:
    jobs = (
        await _open_jobs(request)
        .filter(organization_id=organization.id)
        .order_by("-posted_at", "-id")
        .limit(ORGANIZATION_JOBS_SHOWN)
    )
    return (
        "jobs/_organization_jobs.html",
        {"jobs": jobs, "organization": organization, **display_helpers()},
    )


async def more_jobs_from(request: Request, job: Job) -> list[Job]:
    """Other jobs the organization has open now, newest first."""
    return (
        await _open_jobs(request)
        .filter(organization_id=job.organization_id)
        .exclude(id=job.id)
        .order_by("-posted_at", "-id")
        .limit(MORE_JOBS_SHOWN)
    )


async def recent_jobs(request: Request) -> Section | None:
    jobs = (
        await _open_jobs(request)
        .order_by("-posted_at", "-id")
        .limit(RECENT_JOBS_SHOWN)
        .prefetch_related("organization")
    )
    return ("jobs/_recent_jobs.html", {"jobs": jobs, **display_helpers()}) if jobs else None
