"""The import stage: a parsed feed becomes jobs (or sister-network members), in one transaction.

Everything a feed says is data from strangers. Every string passes through feeds.aggregate.sanitize
again, whatever the parser did; values are checked against the model's choices and lengths,
and a value that does not fit is left empty rather than guessed. Identity follows the
federation contract: an entry's `urn:uuid:` id is the job's permanent uid on every instance,
an entry whose id this instance published itself is never imported (loops create nothing),
and the same job reached through two feeds is one job.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from typing import Any
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.database import lock_names
from core.i18n import gettext as _
from core.orm_internals import new_instance
from core.settings import Settings
from core.urls import Urls
from core.validation import (
    EMAIL_MAX_LENGTH,
    country_code,
    email_address,
    encode_tag_list,
    normalize_language_tag,
    slugify,
)
from directory import audit
from directory.audit import Actor
from directory.models import (
    Organization,
    OrganizationKind,
    OrganizationStatus,
    organization_page_url,
    own_organization_slug,
)
from directory.profile import FOCUS_AREAS, REFERRAL_FIELDS
from directory.routes import directory_urls
from directory.service_areas import CASE_TYPES, COURT_SYSTEMS, court_area, is_area_code
from feeds.aggregate.parsed import ParsedEntry, ParsedFeed
from feeds.aggregate.sanitize import clean_html, clean_html_text, clean_text, html_to_text
from feeds.models import FeedSubscription, SubscriptionKind
from jobs.lifecycle import expires_at, new_slug
from jobs.models import (
    ENDED_STATUSES,
    Category,
    EmploymentType,
    Job,
    JobStatus,
    SalaryUnit,
    WorkMode,
)
from jobs.search.index import values_search_columns

# Ids kept verbatim as a Job's uid: globally unique by construction. Any other id (an RSS
# guid such as "42", a permalink) is only unique within its feed, so it is qualified by it.
GLOBAL_ID = re.compile(r"^urn:(uuid|sha256):[0-9a-zA-Z:-]{1,180}$", re.IGNORECASE)
DERIVED_PREFIX = "urn:sha256:"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Salaries are stored as Decimal(12, 2): anything from 10^10 up does not fit.
_LARGEST_AMOUNT = Decimal("9999999999.99")
_CENTS = Decimal("0.01")
AUDIT_ACTION_CLOSE = "close"
IMPORT_ATTEMPTS = 3
LOOKUP_CHUNK = 500
# How far ahead of the fetch an entry's date may be, for clocks a little off; a date beyond it
# would pin the job to the top of every newest-first list, so it is not believed.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    closed: int = 0
    # Entries left alone: this instance's own jobs, unchanged entries, copies of jobs held.
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


# --- small value cleaners: a value that does not fit is empty, never guessed -------------------


def _text(value: Any, max_length: int) -> str:
    # Most fields of most feeds are absent or empty: nothing to clean.
    return clean_text(value)[:max_length].strip() if value and isinstance(value, str) else ""


def _http_url(value: Any, max_length: int = 1000) -> str:
    url = _text(value, max_length + 1)
    if not url or len(url) > max_length:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _choice(value: Any, choices: type, default: Any) -> Any:
    try:
        return choices(value.strip()) if isinstance(value, str) else default
    except ValueError:
        return default


def _country(value: Any) -> str:
    return country_code(_text(value, 3)) or ""


def _countries(values: Any) -> str:
    codes = [_country(value) for value in values] if isinstance(values, list) else []
    return encode_tag_list(dict.fromkeys(code for code in codes if code))


def _language(*values: Any) -> str:
    for value in values:
        tag = normalize_language_tag(_text(value, 35))
        if tag:
            return tag
    return ""


def _amount(value: Any) -> Decimal | None:
    if not isinstance(value, Decimal | int | float | str):
        return None
    try:
        amount = Decimal(str(value)).quantize(_CENTS)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and 0 <= amount <= _LARGEST_AMOUNT else None


def _moment(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def _in_future(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment > now + CLOCK_SKEW


def entry_date(entry: ParsedEntry) -> datetime | None:
    """When the entry says its job was posted: its own field, else its published or updated."""
    return (
        _moment(entry.job_fields.get("posted_at"))
        or _moment(entry.published)
        or _moment(entry.updated)
    )


def _email(value: Any) -> str:
    return email_address(_text(value, EMAIL_MAX_LENGTH)) or ""


def job_uid(subscription_url: str, entry_id: str, link: str) -> str:
    """The Job.uid for an entry: its own id when globally unique, else one derived from it."""
    identifier = clean_text(entry_id)
    if GLOBAL_ID.match(identifier):
        return identifier
    local = identifier or link
    if not local:
        return ""
    digest = hashlib.sha256(f"{subscription_url}\n{local}".encode()).hexdigest()
    return f"{DERIVED_PREFIX}{digest}"


def _category(entry: ParsedEntry) -> Category:
    given = entry.job_fields.get("category")
    if isinstance(given, str):
        return _choice(given, Category, Category.OTHER)
    # A plain feed's categories map only when one names a category exactly.
    for name in entry.categories:
        found = _choice(slugify(clean_text(name), 40).replace("-", "_"), Category, None)
        if found is not None:
            return found
    return Category.OTHER


def _ended_status(value: Any) -> JobStatus:
    status = _choice(value, JobStatus, JobStatus.CLOSED)
    return status if status in ENDED_STATUSES else JobStatus.CLOSED


def job_values(
    entry: ParsedEntry, feed: ParsedFeed, subscription: FeedSubscription, now: datetime
) -> dict[str, Any]:
    """The Job attributes an entry gives (without organization, uid or slug)."""
    fields = entry.job_fields
    link = _http_url(entry.link)
    markup = entry.content_html or entry.summary_html
    # Amicus feeds carry a status; anything not ended is open here.
    status = JobStatus.PUBLISHED
    if entry.closed or _choice(fields.get("status"), JobStatus, None) in ENDED_STATUSES:
        status = _ended_status(fields.get("status"))
    salary_min, salary_max = _amount(fields.get("salary_min")), _amount(fields.get("salary_max"))
    has_salary = salary_min is not None or salary_max is not None
    return {
        "title": _text(entry.title, 200),
        "description_html": clean_html(markup, base_url=link or subscription.url) if markup else "",
        "description_markdown": "",
        "employment_type": _choice(
            fields.get("employment_type"), EmploymentType, EmploymentType.OTHER
        ),
        "category": _category(entry),
        "language": _language(fields.get("language"), entry.language, feed.language),
        "city": _text(fields.get("city"), 100),
        "region": _text(fields.get("region"), 100),
        "country": _country(fields.get("country")),
        # The model needs a work mode; plain feeds do not say, and on-site is the default
        # a job board assumes when nothing is said about remote work.
        "work_mode": _choice(fields.get("work_mode"), WorkMode, WorkMode.ONSITE),
        "remote_countries": _countries(fields.get("remote_countries")),
        "salary_min": salary_min,
        "salary_max": salary_max,
        "salary_currency": _text(fields.get("salary_currency"), 3).upper()
        if has_salary and _CURRENCY.match(_text(fields.get("salary_currency"), 3).upper())
        else "",
        "salary_unit": _choice(fields.get("salary_unit"), SalaryUnit, None) if has_salary else None,
        "salary_note": _text(fields.get("salary_note"), 300),
        "apply_url": _http_url(fields.get("apply_url")),
        "apply_email": _email(fields.get("apply_email")),
        "apply_instructions": _text(fields.get("apply_instructions"), 5000),
        "valid_through": _moment(fields.get("valid_through")),
        # None when the feed gives no date, or one in the future: first seen now (the fetch
        # time), and kept so afterwards.
        "posted_at": None if _in_future(entry_date(entry), now) else entry_date(entry),
        "status": status,
        "origin_url": link,
    }


def _past_moment(moment: datetime | None, now: datetime) -> datetime | None:
    """A date a feed gives, unless it is in the future: then none (the fetch time would
    change at every poll, and make the job look changed each time)."""
    return None if _in_future(moment, now) else moment


def origin_values(
    entry: ParsedEntry, feed: ParsedFeed, subscription: FeedSubscription, now: datetime
) -> dict[str, Any]:
    """Where a copied job first appeared (RFC 4287 4.2.11): the entry's own <source> when the
    feed re-publishes it from elsewhere, else the feed itself; and when its origin last
    changed it."""
    source = entry.source if entry.source and (entry.source.id or entry.source.link) else None
    if source is not None:
        identity, title, link, updated = source.id, source.title, source.link, source.updated
    else:
        link = feed.self_url or subscription.url
        identity, title, updated = feed.id or link, feed.title, feed.updated
    return {
        "source_id": _text(identity, 1000),
        "source_title": _text(title, 500),
        "source_link": _http_url(link),
        "source_updated_at": _past_moment(updated, now),
        "origin_updated_at": _past_moment(entry.updated or entry_date(entry), now),
    }


def source_name(subscription: FeedSubscription, feed: ParsedFeed) -> str:
    return _text(subscription.name or subscription.network or feed.title, 200) or _text(
        urlsplit(subscription.url).netloc, 200
    )


# --- organizations ---------------------------------------------------------------------------


def _organization_slug(name: str) -> str:
    return f"{slugify(name, 70) or 'organization'}-{secrets.token_hex(3)}"


async def _unique_organization_slug(name: str) -> str:
    """A slug no organization has (see _give_unique_slugs for why a random suffix is not
    enough)."""
    slug = _organization_slug(name)
    while await Organization.filter(slug=slug).exists():
        slug = _organization_slug(name)
    return slug


def federated_organization(
    entry: ParsedEntry, subscription: FeedSubscription, feed: ParsedFeed
) -> tuple[str, str, str]:
    """(origin_id, name, website) of the sister network's organization an entry belongs to,
    when its subscription is not a member's own feed."""
    name = _text(entry.job_fields.get("organization_name"), 200)
    url = _http_url(entry.job_fields.get("organization_url"), 500)
    if name or url:
        origin_id = url or f"{subscription.url}#{slugify(name, 200)}"
        return origin_id[:500], name or url, url
    return subscription.url[:500], source_name(subscription, feed), ""


class _Organizations:
    """Finds or creates the organizations the jobs of one feed belong to (cached per import)."""

    def __init__(self, subscription: FeedSubscription, feed: ParsedFeed, own: Urls):
        self.subscription = subscription
        self.feed = feed
        self.own = own
        self._found: dict[str, Organization] = {}

    async def for_entry(self, entry: ParsedEntry) -> Organization:
        if self.subscription.organization_id is not None:
            return await self._member()
        return await self._federated(*federated_organization(entry, self.subscription, self.feed))

    async def _member(self) -> Organization:
        key = f"member:{self.subscription.organization_id}"
        if key not in self._found:
            self._found[key] = await Organization.get(id=self.subscription.organization_id)
        return self._found[key]

    async def _federated(self, origin_id: str, name: str, url: str) -> Organization:
        if origin_id not in self._found:
            own_slug = own_organization_slug(self.own, origin_id)
            organization = await Organization.get_or_none(
                **({"slug": own_slug} if own_slug else {"origin_id": origin_id})
            )
            if organization is None:
                organization = await Organization.create(
                    slug=await _unique_organization_slug(name),
                    name=name[:200],
                    kind=OrganizationKind.NETWORK,
                    website=url,
                    country="",
                    status=OrganizationStatus.ACTIVE,
                    network=_text(self.subscription.network or self.subscription.name, 200)
                    or name[:200],
                    origin_id=origin_id,
                    origin_url=url,
                    source_feed_url=self.subscription.url[:500],
                )
            self._found[origin_id] = organization
        return self._found[origin_id]


# --- jobs ------------------------------------------------------------------------------------


class _KnownJobs:
    """The jobs a feed's entries may stand for, read in a few queries rather than one per
    entry, and the new jobs of this import, written together at the end."""

    def __init__(self) -> None:
        self.by_uid: dict[str, Job] = {}
        self.by_link: dict[str, Job] = {}
        self.new: list[Job] = []

    async def load(self, identities: list[tuple[str, str]]) -> None:
        uids = [uid for uid, _link in identities if uid]
        # Without a stable id of its own, the same posting is recognised by its link.
        links = [link for uid, link in identities if link and uid.startswith(DERIVED_PREFIX)]
        for start in range(0, len(uids), LOOKUP_CHUNK):
            for job in await Job.filter(uid__in=uids[start : start + LOOKUP_CHUNK]):
                self.by_uid[job.uid] = job
        for start in range(0, len(links), LOOKUP_CHUNK):
            chunk = links[start : start + LOOKUP_CHUNK]
            for job in await Job.filter(origin_url__in=chunk).exclude(source_feed_url=""):
                self.by_link.setdefault(job.origin_url, job)

    def find(self, uid: str, link: str) -> Job | None:
        job = self.by_uid.get(uid)
        if job is None and link and uid.startswith(DERIVED_PREFIX):
            job = self.by_link.get(link)
        return job

    def add(self, job: Job) -> None:
        self.new.append(job)
        self.by_uid[job.uid] = job
        if job.origin_url:
            self.by_link.setdefault(job.origin_url, job)

    async def save_new(self) -> None:
        if self.new:
            await _give_unique_slugs(self.new)
            await Job.bulk_create(self.new, batch_size=LOOKUP_CHUNK)


async def _give_unique_slugs(jobs: list[Job]) -> None:
    """Give each new job a slug no other job has, checked inside the feed's transaction.

    new_slug's random suffix (six hex digits) makes a clash rare, not impossible: imported
    jobs share a few titles, and a first pass of 500 feeds of 50 entries over 13 titles meets
    one or two clashes a run. Each one cost the feed's whole transaction and a retry, and a
    feed that clashed on every attempt failed with an IntegrityError."""
    taken: set[str] = set()
    pending = jobs
    while pending:
        existing: set[str] = set()
        for start in range(0, len(pending), LOOKUP_CHUNK):
            chunk = [job.slug for job in pending[start : start + LOOKUP_CHUNK]]
            existing.update(await Job.filter(slug__in=chunk).values_list("slug", flat=True))
        clashing = []
        for job in pending:
            if job.slug in existing or job.slug in taken:
                job.slug = new_slug(job.title)
                clashing.append(job)
            else:
                taken.add(job.slug)
        pending = clashing


async def _close(
    job: Job, status: JobStatus, when: datetime, subscription: FeedSubscription, reason: str
) -> bool:
    if job.status in ENDED_STATUSES:
        return False
    if job.pk is None:  # created by this very import, not yet written
        job.update_from_dict({"status": status, "status_changed_at": when, "status_reason": reason})
        return True
    previous = job.status
    # Conditional on the state read, like jobs.lifecycle.perform; status is not searched text.
    changed = await Job.filter(id=job.id, status=previous).update(
        status=status, status_changed_at=when, status_reason=reason, updated_at=when
    )
    if not changed:
        return False
    await audit.record(
        Actor.feed(subscription.url),
        AUDIT_ACTION_CLOSE,
        "job",
        job.id,
        from_state=previous,
        to_state=status,
        reason=reason,
    )
    return True


def _expired(values: dict[str, Any], settings: Settings, now: datetime) -> bool:
    """Past its closing date, or its default lifetime, by the rule for local jobs."""
    ends = expires_at(
        Job(valid_through=values["valid_through"], posted_at=values["posted_at"]), settings
    )
    return ends is not None and ends <= now


# A feed's own updated date moves whenever any of its entries changes: on its own it is no
# change to a job (it is written with the job's next real change).
_FOLLOWS_CHANGES = frozenset({"source_updated_at"})


def _changed(job: Job, values: dict[str, Any]) -> bool:
    return any(
        getattr(job, name) != value
        for name, value in values.items()
        if name not in _FOLLOWS_CHANGES
    )


@dataclass
class _PreparedEntry:
    """What an entry gives without asking the database, worked out before the feed's
    transaction: the database (one connection) then writes one feed's jobs while the next
    feed's entries are being prepared."""

    entry: ParsedEntry
    link: str
    uid: str
    # The Job attributes of an entry that opens or updates a job, but its organization's id;
    # None for an entry that closes one.
    values: dict[str, Any] | None = None
    # The text of its description, read from the markup clean_html wrote, and its search
    # columns for the organization the entry is expected to be filed under.
    description_text: str = ""
    organization_name: str | None = None
    columns: tuple[str, str] = ("", "")
    # The job it opens if the database holds none, built ahead (taken by opened_job).
    job: Job | None = None

    def search_columns(self, organization_name: str) -> tuple[str, str]:
        assert self.values is not None
        if organization_name == self.organization_name:
            return self.columns
        # The organization found is named otherwise than the entry says (or is a member's).
        return values_search_columns(self.values, organization_name, self.description_text)

    def opened_job(self, organization: Organization, now: datetime) -> Job:
        """The new job the entry stands for: the one built ahead the first time, a new one
        when an import is tried again (the first attempt may have changed it)."""
        assert self.values is not None
        job, self.job = self.job or _new_job(self.uid, self.values, now), None
        job.organization_id = organization.id
        # bulk_create sends no pre_save signal, so the search columns are filled here.
        job.search_title, job.search_body = self.search_columns(organization.name)
        return job


@cache
def _job_defaults() -> Job:
    """An unsaved job holding the model's defaults, which new jobs are copies of."""
    return Job()


def _new_job(uid: str, values: dict[str, Any], now: datetime) -> Job:
    # job_values gives every value in its field's own type: the ORM's conversions, a third of
    # the preparation of an entry, would change nothing.
    return new_instance(
        _job_defaults(),
        {
            **values,
            "uid": uid,
            "slug": new_slug(values["title"]),
            "status_changed_at": now,
            # Without a date in the feed, a job is first seen now.
            "posted_at": values["posted_at"] or now,
        },
    )


def _prepare(
    entry: ParsedEntry, feed: ParsedFeed, subscription: FeedSubscription, now: datetime
) -> _PreparedEntry:
    link = _http_url(entry.link)
    prepared = _PreparedEntry(entry, link, job_uid(subscription.url, entry.id, link))
    if not prepared.uid or entry.is_deletion or entry.closed:
        return prepared
    values = prepared.values = job_values(entry, feed, subscription, now)
    if not values["title"]:
        return prepared
    values["source_feed_url"] = subscription.url[:1000]
    values["source_name"] = source_name(subscription, feed)
    values.update(origin_values(entry, feed, subscription, now))
    prepared.job = _new_job(prepared.uid, values, now)
    prepared.description_text = clean_html_text(values["description_html"])
    if subscription.organization_id is None:
        # A new organization is created with this name, and an existing one usually has it.
        name = federated_organization(entry, subscription, feed)[1][:200]
        prepared.organization_name = name
        prepared.columns = values_search_columns(values, name, prepared.description_text)
    return prepared


async def _prepare_entries(
    feed: ParsedFeed, subscription: FeedSubscription, now: datetime
) -> list[_PreparedEntry]:
    entries = []
    for entry in feed.entries:
        entries.append(_prepare(entry, feed, subscription, now))
        # Another feed's transaction, its query answered, goes on at once rather than after
        # the whole feed: the database is not kept waiting on this preparation.
        await asyncio.sleep(0)
    return entries


async def _import_job_entry(
    prepared: _PreparedEntry,
    feed: ParsedFeed,
    subscription: FeedSubscription,
    organizations: _Organizations,
    known: _KnownJobs,
    summary: ImportSummary,
    settings: Settings,
    now: datetime,
) -> str:
    """Import one entry; the uid it stands for ("" when it stands for none)."""
    entry, link, uid = prepared.entry, prepared.link, prepared.uid
    if not uid:
        summary.problems.append(_("An entry without an id or a link was skipped."))
        return ""
    job = known.find(uid, link)
    if job is not None and not job.is_imported:
        summary.unchanged += 1  # this instance's own job coming back: a loop, nothing to do
        return uid
    if entry.is_deletion or entry.closed:
        if job is not None and job.source_feed_url != subscription.url:
            # Job ids are public: only the feed a job was imported through may close it.
            summary.unchanged += 1
        elif job is not None:
            status = _ended_status(entry.job_fields.get("status"))
            reason = _("Closed at its source.")
            deleted = _moment(entry.deleted)
            when = now if deleted is None or _in_future(deleted, now) else deleted
            if await _close(job, status, when, subscription, reason):
                summary.closed += 1
        return uid
    assert prepared.values is not None
    if not prepared.values["title"]:
        summary.problems.append(_("An entry without a title was skipped."))
        return uid
    if _in_future(entry_date(entry), now):
        summary.problems.append(
            _("An entry dated in the future was dated when it was first fetched instead.")
        )
    if job is not None and job.source_feed_url != subscription.url:
        # The same job reached through another feed: it is held once, kept by its first source.
        summary.unchanged += 1
        return uid
    organization = await organizations.for_entry(entry)
    if job is None:
        known.add(prepared.opened_job(organization, now))
        summary.created += 1
        return uid
    # A copy: an import that is tried again starts from the entry's own values.
    values = {**prepared.values, "organization_id": organization.id}
    if values["posted_at"] is None:
        values["posted_at"] = job.posted_at
    if job.status == JobStatus.EXPIRED and _expired(values, settings, now):
        values["status"] = JobStatus.EXPIRED  # expired here as a local job would be; stays so
    if _changed(job, values):
        if values["status"] != job.status:
            values["status_changed_at"] = now
        job.update_from_dict(values)
        if job.pk is None:  # the same entry twice in one feed: the later one wins
            # bulk_create sends no pre_save signal, so the search columns are filled here.
            job.search_title, job.search_body = prepared.search_columns(organization.name)
        else:
            # The loaded organization spares the search index a query of its own.
            job.organization = organization
            await job.save()
            summary.updated += 1
    else:
        summary.unchanged += 1
    return uid


async def _close_absent(
    subscription: FeedSubscription, present: set[str], now: datetime, summary: ImportSummary
) -> None:
    """A complete feed (RFC 5005) lists every current entry: imported jobs absent are gone."""
    open_jobs = await Job.filter(
        source_feed_url=subscription.url, status=JobStatus.PUBLISHED
    ).exclude(uid__in=list(present) or [""])
    for job in open_jobs:
        reason = _("No longer listed in its source's complete feed.")
        if await _close(job, JobStatus.CLOSED, now, subscription, reason):
            summary.closed += 1


def _job_identities(
    entries: list[_PreparedEntry], subscription: FeedSubscription, feed: ParsedFeed
) -> Iterator[str]:
    """The unique keys of the jobs and organizations a feed's import may create."""
    for prepared in entries:
        if prepared.uid:
            yield f"job:{prepared.uid}"
        if prepared.values is not None and subscription.organization_id is None:
            origin_id = federated_organization(prepared.entry, subscription, feed)[0]
            yield f"organization:{origin_id}"


async def _import_jobs(
    feed: ParsedFeed,
    subscription: FeedSubscription,
    settings: Settings,
    now: datetime,
    entries: list[_PreparedEntry],
) -> ImportSummary:
    summary = ImportSummary(problems=list(feed.problems))
    organizations = _Organizations(subscription, feed, directory_urls(settings.base_url))
    known = _KnownJobs()
    # Before looking for them: another feed's import may be about to create the same jobs.
    await lock_names(_job_identities(entries, subscription, feed))
    await known.load([(prepared.uid, prepared.link) for prepared in entries])
    present: set[str] = set()
    for prepared in entries:
        uid = await _import_job_entry(
            prepared, feed, subscription, organizations, known, summary, settings, now
        )
        if uid and not prepared.entry.is_deletion:
            present.add(uid)
    await known.save_new()
    if feed.complete:
        await _close_absent(subscription, present, now, summary)
    return summary


# --- sister-network directories --------------------------------------------------------------


def organization_values(
    entry: ParsedEntry, subscription: FeedSubscription, feed: ParsedFeed
) -> dict[str, Any]:
    fields = entry.organization_fields
    name = _text(fields.get("name"), 200) or _text(entry.title, 200)
    since = fields.get("member_since")

    focus = fields.get("focus_areas")
    # The codes of the directory's own list, as they are (a form accepts those only).
    focus_areas = [_text(code, 40) for code in focus] if isinstance(focus, list) else []

    languages = fields.get("languages")
    description = html_to_text(entry.summary_html)[:5000]
    return {
        "name": name,
        "short_name": _text(fields.get("short_name"), 60),
        "kind": _choice(fields.get("kind"), OrganizationKind, OrganizationKind.NETWORK),
        "description": description if description != name else "",
        "website": _http_url(fields.get("website"), 500),
        "contact_email": _email(fields.get("contact_email")),
        "city": _text(fields.get("city"), 100),
        "region": _text(fields.get("region"), 100),
        "country": _country(fields.get("country")),
        "languages": encode_tag_list(
            dict.fromkeys(
                tag for tag in (_language(v) for v in languages or [] if isinstance(v, str)) if tag
            )
        )
        if isinstance(languages, list)
        else "",
        "focus_areas": encode_tag_list(
            dict.fromkeys(code for code in focus_areas if code in FOCUS_AREAS)
        ),
        "accepts_cases": fields.get("accepts_cases") is True,
        "case_application_info": _text(fields.get("case_application_info"), 5000),
        **_service_area_values(fields),
        "member_since": since if isinstance(since, date) else None,
        "network": _text(fields.get("network"), 200)
        or _text(subscription.network or subscription.name or feed.title, 200),
        "origin_url": _http_url(entry.link, 500),
        "source_feed_url": subscription.url[:500],
        # Logos are remote images: a federated record never makes visitors fetch them.
        "logo_url": "",
        "status": OrganizationStatus.ACTIVE,
    }


# Enough for every subdivision of a large country and still within the stored column.
MAX_CODES = 140


def _codes(value: Any, allowed: Callable[[str], bool]) -> str:
    """A stored tag list of the codes a profile form would accept; others are dropped."""
    found = value[:MAX_CODES] if isinstance(value, list) else []
    return encode_tag_list(
        dict.fromkeys(code for code in (_text(v, 40) for v in found) if code and allowed(code))
    )


def _service_area_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Where a sister's member takes cases from and how to apply, so that Find help here
    covers it too."""
    years = fields.get("minimum_sentence_years")
    return {
        "service_areas": _codes(fields.get("service_areas"), is_area_code),
        "court_systems": _codes(fields.get("court_systems"), COURT_SYSTEMS.__contains__),
        "court_areas": _codes(fields.get("court_areas"), lambda pair: court_area(pair) is not None),
        "case_types": _codes(fields.get("case_types"), CASE_TYPES.__contains__),
        "minimum_sentence_years": int(years)
        if isinstance(years, str) and years.isdigit() and int(years) <= 99
        else None,
        "in_custody_only": fields.get("in_custody_only") is True,
        "eligibility": _text(fields.get("eligibility"), 2000),
        "apply_postal_address": _text(fields.get("apply_postal_address"), 500),
        "apply_url": _http_url(fields.get("apply_url"), 500),
        "apply_phone": _text(fields.get("apply_phone"), 40),
        "apply_email": _email(fields.get("apply_email")),
        # A sister that does not say is taken to be open, as a new profile is.
        "accepting_applications": fields.get("accepting_applications") is not False,
    }


def _member_origin_id(entry: ParsedEntry) -> str:
    return _text(entry.id, 500) or _http_url(entry.link, 500)


async def _in_a_directory(organization: Organization) -> bool:
    """Whether a directory subscription keeps the organization; one made from a job feed's
    entries (a name and a page) is completed by the directory feed that lists it."""
    return await FeedSubscription.filter(
        url=organization.source_feed_url, kind=SubscriptionKind.DIRECTORY
    ).exists()


async def _import_directory(
    feed: ParsedFeed, subscription: FeedSubscription, settings: Settings, now: datetime
) -> ImportSummary:
    summary = ImportSummary(problems=list(feed.problems))
    own = directory_urls(settings.base_url)
    await lock_names(f"organization:{_member_origin_id(entry)}" for entry in feed.entries)
    # The members this feed keeps, with the organizations each names as screening and parent
    # and whether it was already counted as changed.
    kept: list[tuple[Organization, dict[str, str], bool]] = []
    for entry in feed.entries:
        origin_id = _member_origin_id(entry)
        if not origin_id or entry.is_deletion:
            continue
        if own_organization_slug(own, origin_id):
            summary.unchanged += 1  # one of this instance's own members, published back
            continue
        values = organization_values(entry, subscription, feed)
        if not values["name"]:
            summary.problems.append(_("A directory entry without a name was skipped."))
            continue
        links = {name: _text(entry.organization_fields.get(name), 500) for name in REFERRAL_FIELDS}
        organization = await Organization.get_or_none(origin_id=origin_id)
        if organization is None:
            organization = await Organization.create(
                slug=await _unique_organization_slug(values["name"]),
                origin_id=origin_id,
                **values,
            )
            summary.created += 1
            kept.append((organization, links, True))
        elif organization.source_feed_url != subscription.url[:500] and await _in_a_directory(
            organization
        ):
            summary.unchanged += 1  # another directory feed keeps this member
        elif _changed(organization, values):
            organization.update_from_dict(values)
            await organization.save()
            summary.updated += 1
            kept.append((organization, links, True))
        else:
            kept.append((organization, links, False))
    relinked = await _link_members(kept, own)
    summary.updated += relinked
    summary.unchanged += sum(not counted for _member, _links, counted in kept) - relinked
    return summary


async def _link_members(kept: list[tuple[Organization, dict[str, str], bool]], own: Urls) -> int:
    """Point each member's screening and parent organization at the local organization the
    feed names, once the whole feed is in (a member may name one listed after it); a name
    nothing here answers to, or one of this instance's members that is not public, links
    nothing. How many members not yet counted as changed were changed by it."""
    named = {identity for _member, links, _counted in kept for identity in links.values()}
    named.discard("")
    own_slugs = {identity: own_organization_slug(own, identity) for identity in named}
    local: dict[str, int] = {}
    for organization in await Organization.filter(
        Q(origin_id__in=[identity for identity, slug in own_slugs.items() if slug is None])
        | Q(slug__in=[slug for slug in own_slugs.values() if slug], origin_id=None),
        status=OrganizationStatus.ACTIVE,
    ):
        local[organization.origin_id or organization_page_url(own, organization.slug)] = (
            organization.id
        )
    relinked = 0
    for organization, links, counted in kept:
        wanted = {f"{name}_id": local.get(links[name]) for name in REFERRAL_FIELDS}
        wanted = {key: None if id_ == organization.id else id_ for key, id_ in wanted.items()}
        if all(getattr(organization, key) == id_ for key, id_ in wanted.items()):
            continue
        for key, id_ in wanted.items():
            setattr(organization, key, id_)
        await organization.save()
        relinked += not counted
    return relinked


async def import_feed(
    feed: ParsedFeed, subscription: FeedSubscription, settings: Settings, *, now: datetime
) -> ImportSummary:
    """Import a parsed feed for the subscription, all of it or nothing (one transaction)."""
    importer: Callable[[ParsedFeed, FeedSubscription, Settings, datetime], Awaitable[ImportSummary]]
    if subscription.kind == SubscriptionKind.DIRECTORY:
        importer = _import_directory
    else:
        importer = partial(_import_jobs, entries=await _prepare_entries(feed, subscription, now))
    attempt = 1
    while True:
        try:
            async with in_transaction():
                # Write first: SQLite then takes its write lock at once, waiting for other
                # writers (busy timeout), instead of failing when a read transaction later
                # needs to write.
                await FeedSubscription.filter(id=subscription.id).update(updated_at=now)
                return await importer(feed, subscription, settings, now)
        except IntegrityError:
            # Left for what the locks and slug checks cannot see: another process creating a
            # row under a new slug that clashes, uncommitted when this import checked.
            if attempt == IMPORT_ATTEMPTS:
                raise
            attempt += 1


def plain_words(problems: Iterable[str], limit: int = 3) -> str:
    """The first few problems of an import, joined for the subscription's health."""
    found = list(dict.fromkeys(problems))
    text = " ".join(found[:limit])
    if len(found) > limit:
        text += " " + _("(and %(count)s more problems)") % {"count": len(found) - limit}
    return text
