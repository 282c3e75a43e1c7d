"""Demo openings for the demo organizations, so that a first run shows a living board.

The shapes (titles, kinds of roles, places) follow real openings at member organizations;
jobs/data/demo_jobs.csv lists them and jobs/demo_texts.py holds the descriptions we wrote.
Loading is idempotent: each job's permanent id derives from its key in the data file.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from babel import Locale

from core.settings import Settings
from directory.models import Organization
from jobs.demo_texts import TEXTS_BY_LANGUAGE
from jobs.forms import clean_job
from jobs.lifecycle import Action, Actor, create_job, perform
from jobs.models import Job, JobStatus

DEMO_JOBS_FILE = Path(__file__).parent / "data" / "demo_jobs.csv"
DEMO_NAMESPACE = UUID("6f1c2a52-8d0e-4a8e-9f0e-5b7b1d3c9a10")
FALLBACK_APPLY_URL = "https://innocencenetwork.org"
DEMO_ACTOR = Actor(label="demo")
END_ACTIONS = {
    JobStatus.CLOSED: Action.CLOSE,
    JobStatus.FILLED: Action.FILL,
    JobStatus.EXPIRED: Action.EXPIRE,
}


def demo_uid(key: str) -> str:
    return f"urn:uuid:{uuid5(DEMO_NAMESPACE, key)}"


def demo_records(path: Path = DEMO_JOBS_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _place(record: dict[str, str], organization: Organization) -> str:
    """Where the job is, in the job's language; the organization's home for remote jobs."""
    city = record["city"] or organization.city
    code = record["country"] or organization.country
    country = Locale.parse(record["language"]).territories.get(code, code)
    return ", ".join(part for part in (city, country) if part)


def posting_input(record: dict[str, str], organization: Organization, today: datetime) -> dict:
    """The record as the input a poster would send, with its description written out."""
    language = record["language"]
    text = TEXTS_BY_LANGUAGE[language][record["role"]]
    closes = record["closes_in_days"]
    data: dict[str, Any] = {
        "title": record["title"],
        "description": text.format(
            organization=organization.name, place=_place(record, organization)
        ),
        "employment_type": record["employment_type"],
        "category": record["category"],
        "language": language,
        "work_mode": record["work_mode"],
        "city": record["city"],
        "region": record["region"],
        "country": record["country"],
        "remote_countries": record["remote_countries"],
        "salary_min": record["salary_min"],
        "salary_max": record["salary_max"],
        "salary_currency": record["currency"],
        "salary_unit": record["unit"],
        "salary_note": record["salary_note"],
        "apply_url": organization.website or FALLBACK_APPLY_URL,
        "closing_date": (today + timedelta(days=int(closes))).date().isoformat() if closes else "",
    }
    return data


async def load_demo_jobs(settings: Settings) -> int:
    """Creates or refreshes the demo jobs of the demo organizations present; how many."""
    now = datetime.now(UTC)
    # Demo organizations are established members: their postings need no review.
    direct = settings.with_changes(review_policy="none")
    organizations = {org.slug: org for org in await Organization.all()}
    loaded = 0
    for record in demo_records():
        organization = organizations.get(record["organization"])
        if organization is None:
            continue
        values = clean_job(posting_input(record, organization, now), today=now.date())
        uid = demo_uid(record["key"])
        existing = await Job.get_or_none(uid=uid)
        if existing is not None:
            existing.organization = organization
            existing.update_from_dict(values)
            await existing.save()
        else:
            posted = now - timedelta(days=int(record["posted_days_ago"]))
            job = await create_job(
                organization, values, DEMO_ACTOR, direct, now=posted, publish=True, uid=uid
            )
            end = END_ACTIONS.get(JobStatus(record["status"]))
            if end is not None:
                await perform(job, end, DEMO_ACTOR, direct, now=now)
        loaded += 1
    return loaded
