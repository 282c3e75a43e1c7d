"""Organizations and jobs made directly in the database, for the feed and WebSub tests."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

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


# --- structural checks written from the specifications -------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT|Z)$"
)


def _absolute(uri: str) -> bool:
    parts = urlsplit(uri)
    return bool(parts.scheme) and (parts.scheme == "urn" or bool(parts.netloc))


def atom_problems(document: bytes) -> list[str]:
    """Violations of RFC 4287 (and RFC 6721 for tombstones) found in an Atom document."""
    problems: list[str] = []
    root = etree.fromstring(document)
    if root.tag != f"{ATOM}feed":
        return [f"root element is {root.tag}"]

    def one(parent: etree._Element, name: str, where: str) -> etree._Element | None:
        found = parent.findall(f"{ATOM}{name}")
        if len(found) != 1:
            problems.append(f"{where} has {len(found)} atom:{name}")
        return found[0] if found else None

    def date(element: etree._Element | None, where: str) -> None:
        if element is not None and not RFC3339.match(element.text or ""):
            problems.append(f"{where}: {element.text!r} is not an RFC 3339 date")

    feed_id = one(root, "id", "feed")
    if feed_id is not None and not _absolute(feed_id.text or ""):
        problems.append("feed id is not an absolute IRI")
    one(root, "title", "feed")
    date(one(root, "updated", "feed"), "feed updated")
    selves = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selves) != 1:
        problems.append(f"feed has {len(selves)} rel=self links")
    for link in root.iter(f"{ATOM}link"):
        if not _absolute(link.get("href", "")):
            problems.append(f"link {link.get('href')!r} is not absolute")
    feed_has_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        where = f"entry {index}"
        entry_id = one(entry, "id", where)
        if entry_id is not None and not _absolute(entry_id.text or ""):
            problems.append(f"{where} id is not an absolute IRI")
        one(entry, "title", where)
        date(one(entry, "updated", where), f"{where} updated")
        for published in entry.findall(f"{ATOM}published"):
            date(published, f"{where} published")
        if len(entry.findall(f"{ATOM}published")) > 1:
            problems.append(f"{where} has several atom:published")
        alternates = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if entry.find(f"{ATOM}content") is None and not alternates:
            problems.append(f"{where} has neither content nor an alternate link")
        if not feed_has_author and entry.find(f"{ATOM}author/{ATOM}name") is None:
            problems.append(f"{where} has no author and the feed has none")
    for mark in root.findall(TOMBSTONE):
        if not _absolute(mark.get("ref", "")):
            problems.append("deleted-entry ref is not an absolute IRI")
        if not RFC3339.match(mark.get("when", "")):
            problems.append("deleted-entry when is not an RFC 3339 date")
    return problems


def rss_problems(document: bytes) -> list[str]:
    """Violations of the RSS 2.0 specification found in an RSS document."""
    problems: list[str] = []
    root = etree.fromstring(document)
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["root is not <rss version='2.0'>"]
    channels = root.findall("channel")
    if len(channels) != 1:
        return [f"{len(channels)} channels"]
    channel = channels[0]
    for name in ("title", "link", "description"):
        if len(channel.findall(name)) != 1:
            problems.append(f"channel has {len(channel.findall(name))} <{name}>")
    for name in ("lastBuildDate", "pubDate"):
        for element in channel.findall(name):
            if not RFC822.match(element.text or ""):
                problems.append(f"channel {name} {element.text!r} is not an RFC 822 date")
    selves = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selves) != 1:
        problems.append(f"channel has {len(selves)} atom:link rel=self")
    for index, item in enumerate(channel.findall("item")):
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"item {index} has neither title nor description")
        if len(item.findall("guid")) > 1:
            problems.append(f"item {index} has several guids")
        for element in item.findall("pubDate"):
            if not RFC822.match(element.text or ""):
                problems.append(f"item {index} pubDate {element.text!r} is not RFC 822")
        for link in item.findall("link"):
            if not _absolute(link.text or ""):
                problems.append(f"item {index} link is not absolute")
    return problems
