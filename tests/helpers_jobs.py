"""Shared set-ups for the job board tests: valid postings, tokens, jobs in a given state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.settings import Settings
from directory.models import AuditEvent, Organization
from directory.tokens import create_token
from jobs.forms import clean_job
from jobs.lifecycle import SYSTEM, Action, create_job, perform
from jobs.models import Job, JobStatus


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def job_input(**overrides: Any) -> dict[str, Any]:
    """A complete, valid posting as the API takes it (the form sends the same names)."""
    data: dict[str, Any] = {
        "title": "Staff Attorney – Post-Conviction Litigation",
        "description": "Represent **innocent** clients in post-conviction litigation.",
        "employment_type": "FULL_TIME",
        "category": "attorney",
        "language": "en",
        "city": "New York",
        "region": "NY",
        "country": "US",
        "work_mode": "onsite",
        "salary_min": 85000,
        "salary_max": 110000,
        "salary_currency": "USD",
        "salary_unit": "YEAR",
        "apply_url": "https://example.org/careers/staff-attorney",
        "apply_email": "jobs@example.org",
        "apply_instructions": "Send a cover letter and a writing sample.",
        "closing_date": in_days(30),
    }
    data.update(overrides)
    return data


def remote_job_input(**overrides: Any) -> dict[str, Any]:
    return job_input(
        **{
            "title": "Remote Investigator",
            "work_mode": "remote",
            "country": "",
            "city": "",
            "region": "",
            "remote_countries": ["US", "CA"],
            **overrides,
        }
    )


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def token_secret(organization: Organization, name: str = "ATS") -> str:
    _token, secret = await create_token(organization, name, None)
    return secret


async def make_job(
    organization: Organization,
    settings: Settings,
    status: JobStatus = JobStatus.PUBLISHED,
    **overrides: Any,
) -> Job:
    """A job brought to the given state through the lifecycle, as the system."""
    now = datetime.now(UTC)
    values = clean_job(job_input(**overrides), today=now.date())
    job = await create_job(organization, values, SYSTEM, settings, now=now, publish=False)
    # Review policy "none": publishing leads straight to published.
    direct = settings.with_changes(review_policy="none")
    paths = {
        JobStatus.DRAFT: [],
        JobStatus.PENDING_REVIEW: [],
        JobStatus.PUBLISHED: [Action.PUBLISH],
        JobStatus.CLOSED: [Action.PUBLISH, Action.CLOSE],
        JobStatus.FILLED: [Action.PUBLISH, Action.FILL],
        JobStatus.EXPIRED: [Action.PUBLISH, Action.EXPIRE],
        JobStatus.REMOVED: [Action.PUBLISH, Action.REMOVE],
    }
    if status == JobStatus.PENDING_REVIEW:
        await perform(
            job, Action.PUBLISH, SYSTEM, settings.with_changes(review_policy="all"), now=now
        )
    for action in paths[status]:
        await perform(job, action, SYSTEM, direct, now=now, reason="set-up")
    return job


async def audit_trail(job: Job) -> list[tuple[str, str, str, str]]:
    """(action, from, to, actor) for every recorded change of the job, oldest first."""
    events = await AuditEvent.filter(subject_type="job", subject_id=job.id).order_by("id")
    return [(e.action, e.from_state, e.to_state, e.actor_label) for e in events]
