"""Organizations and jobs made directly in the database, for the feed and WebSub tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from directory.models import Organization, OrganizationKind, OrganizationStatus
from jobs.models import Category, EmploymentType, Job, JobStatus, SalaryUnit, WorkMode

NOW = datetime.now(UTC).replace(microsecond=0)


async def make_organization(slug: str = "ohio-innocence-project", **fields: Any) -> Organization:
    values: dict[str, Any] = {
        "name": "Ohio Innocence Project",
        "kind": OrganizationKind.LAW_SCHOOL_CLINIC,
        "country": "US",
        "city": "Cincinnati",
        "region": "OH",
        "website": "https://www.law.uc.edu/oip",
        "contact_email": "oip@example.org",
        "languages": ",en,",
        "focus_areas": ",dna,policy,",
        "status": OrganizationStatus.ACTIVE,
        "network": "Innocence Network",
    }
    values.update(fields)
    return await Organization.create(slug=slug, **values)


async def make_job(organization: Organization, title: str = "Staff Attorney", **fields: Any) -> Job:
    uid = f"urn:uuid:{uuid.uuid4()}"
    values: dict[str, Any] = {
        "description_markdown": "Represent clients.",
        "description_html": "<p>Represent clients.</p>",
        "employment_type": EmploymentType.FULL_TIME,
        "category": Category.ATTORNEY,
        "language": "en",
        "city": "Cincinnati",
        "region": "OH",
        "country": "US",
        "work_mode": WorkMode.HYBRID,
        "remote_countries": ",US,CA,",
        "salary_min": Decimal("60000"),
        "salary_max": Decimal("75000.50"),
        "salary_currency": "USD",
        "salary_unit": SalaryUnit.YEAR,
        "apply_url": "https://example.org/apply",
        "apply_email": "jobs@example.org",
        "apply_instructions": "Send a letter & CV.",
        "valid_through": NOW + timedelta(days=30),
        "status": JobStatus.PUBLISHED,
        "posted_at": NOW - timedelta(days=1),
        "status_changed_at": NOW - timedelta(days=1),
    }
    values.update(fields)
    return await Job.create(
        uid=uid, slug=f"job-{uid[-12:]}", organization=organization, title=title, **values
    )


async def end_job(job: Job, status: JobStatus = JobStatus.FILLED) -> Job:
    job.status = status
    job.status_changed_at = datetime.now(UTC)
    await job.save()
    return job
