"""Jobs as Notes, and the Create/Update/Delete each change of a job calls for.

A job is announced with `Create` of a `Note` (Mastodon renders only Note and Question in
full; an Announce would need the object to exist elsewhere as an ActivityPub object, which
imported jobs do not). Editing it sends `Update`; when it stops being visible (closed,
filled, expired, removed) it is `Delete`d, which Mastodon honours by removing the post from
timelines. Which activity is due is derived from the database, never told by the jobs
package: ap_published_job keeps the fingerprint of the Note each job was last sent as, and
comparing it with the visible jobs gives the work. The fingerprint row and the deliveries
are written in one transaction, and the row moves only if no other process moved it first,
so two processes never queue one change twice."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any, NamedTuple

from starlette.applications import Starlette
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from activitypub import delivery
from activitypub.actors import AS_CONTEXT, PUBLIC, actor_id, network_username
from activitypub.models import PublishedJob
from core.background import BackgroundWorker, lifetime_task, repeat
from core.settings import Settings
from core.urls import Urls
from jobs.jsonld import job_posting, timestamp
from jobs.labels import salary_text, where_text
from jobs.lifecycle import visible_now
from jobs.models import Job, JobDataGeneration

logger = logging.getLogger("amicus.activitypub")

SCHEMA_CONTEXT = {"schema": "https://schema.org/", "JobPosting": "schema:JobPosting"}


def note_id(urls: Urls, job_uid: str) -> str:
    return urls.url("activitypub:note", uid=job_uid)


def authors(job: Job, settings: Settings) -> list[str]:
    """Who posts the job: its organization and the network; imported jobs the network only."""
    network = network_username(settings)
    return [network] if job.is_imported else [job.organization.slug, network]


def note(job: Job, settings: Settings, urls: Urls) -> dict[str, Any]:
    organization = job.organization
    page = job.page_url(urls)
    hashtags = {
        "jobs": urls.url("jobs:search"),
        job.category.value.replace("_", ""): urls.url(
            "jobs:search", query=[("category", job.category.value)]
        ),
    }
    facts = [organization.name, where_text(job), salary_text(job)]
    if job.valid_through:
        facts.append(f"closes {job.valid_through.date().isoformat()}")
    if job.is_imported:
        facts.append(f"via {job.source_name or job.source_feed_url}")
    facts = [fact for fact in facts if fact]
    tags_html = " ".join(
        f'<a href="{escape(href)}" class="mention hashtag" rel="tag">#<span>{escape(tag)}</span></a>'
        for tag, href in hashtags.items()
    )
    content = (
        f"<p><strong>{escape(job.title)}</strong></p><p>{escape(' · '.join(facts))}</p>"
        f'<p><a href="{escape(page)}">{escape(page)}</a></p><p>{tags_html}</p>'
    )
    attributed = actor_id(urls, authors(job, settings)[0])
    return {
        "id": note_id(urls, job.uid),
        "type": "Note",
        "attributedTo": attributed,
        "to": [PUBLIC],
        "cc": [urls.url("activitypub:followers", name=name) for name in authors(job, settings)],
        "inReplyTo": None,
        "url": page,
        "published": timestamp(job.posted_at or job.created_at),
        "updated": timestamp(job.updated_at),
        "content": content,
        "contentMap": {job.language: content},
        "source": {
            "content": f"{job.title} — {' · '.join(facts)} {page}",
            "mediaType": "text/plain",
        },
        "tag": [
            {"type": "Hashtag", "name": f"#{tag}", "href": href} for tag, href in hashtags.items()
        ],
        "attachment": [_attached_posting(job, urls)],
    }


def _attached_posting(job: Job, urls: Urls) -> dict[str, Any]:
    """The JobPosting under the activity's own context (a nested remote context would make
    every JSON-LD consumer fetch schema.org)."""
    posting = job_posting(job, job.organization, urls)
    kept = {key: value for key, value in posting.items() if key not in ("@context", "@type")}
    return kept | {"type": "JobPosting"}


def activity(kind: str, actor: str, obj: dict[str, Any], urls: Urls) -> dict[str, Any]:
    own = actor_id(urls, actor)
    return {
        "@context": [AS_CONTEXT, SCHEMA_CONTEXT],
        "id": f"{obj['id']}#{kind.lower()}-{actor}-{obj.get('updated') or 'gone'}",
        "type": kind,
        "actor": own,
        "to": [PUBLIC],
        "cc": [urls.url("activitypub:followers", name=actor)],
        "object": obj,
    }


def fingerprint(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


async def _send(kind: str, job_actors: list[str], obj: dict[str, Any], urls: Urls) -> None:
    for name in job_actors:
        inboxes = await delivery.follower_inboxes(name)
        if inboxes:
            await delivery.enqueue(name, inboxes, activity(kind, name, obj, urls))


# Visible jobs read, and their Notes made, at a time: a full pass over 100,000 jobs holds one
# batch in memory, and the event loop serves requests between batches.
BATCH = 500


class _Sent(NamedTuple):
    """What ap_published_job says was last sent for a job."""

    id: int
    fingerprint: str
    deleted: bool


async def _visible_batches(
    jobs: QuerySet[Job], now: datetime, default_days: int
) -> AsyncIterator[list[Job]]:
    """The visible jobs among `jobs` with their organizations, BATCH at a time, by id."""
    after = 0
    while True:
        batch = (
            await jobs.filter(visible_now(now, default_days), id__gt=after)
            .order_by("id")
            .limit(BATCH)
            .prefetch_related("organization")
        )
        if batch:
            yield batch
        if len(batch) < BATCH:
            return
        after = batch[-1].id


async def _publish(job: Job, row: _Sent | None, settings: Settings, urls: Urls) -> bool:
    """Queue the Create or Update a visible job calls for; whether it called for one."""
    document = note(job, settings, urls)
    mark = fingerprint(document)
    if row is not None and not row.deleted and row.fingerprint == mark:
        return False
    kind = "Create" if row is None or row.deleted else "Update"
    async with in_transaction():
        if row is None:
            try:
                await PublishedJob.create(job_id=job.id, fingerprint=mark)
            except IntegrityError:
                return False  # another process queued it
        elif not await PublishedJob.filter(
            id=row.id, fingerprint=row.fingerprint, deleted=row.deleted
        ).update(fingerprint=mark, deleted=False):
            return False
        await _send(kind, authors(job, settings), document, urls)
    return True


async def publish_changes(
    settings: Settings,
    urls: Urls,
    now: datetime | None = None,
    changed_since: datetime | None = None,
) -> int:
    """Queue the Create/Update/Delete that the jobs data calls for; how many jobs changed.
    With `changed_since`, only the jobs written since then are looked at (their updated_at);
    without it, every job (what the clock ended, what changed through its organization)."""
    now = now or datetime.now(UTC)
    jobs = Job.all() if changed_since is None else Job.filter(updated_at__gte=changed_since)
    published = PublishedJob.all()
    if changed_since is not None:
        published = published.filter(job_id__in=await jobs.values_list("id", flat=True))
    sent = {
        job_id: _Sent(*rest)
        for job_id, *rest in await published.values_list("job_id", "id", "fingerprint", "deleted")
    }
    changed = 0
    shown: set[int] = set()
    async for batch in _visible_batches(jobs, now, settings.job_default_days):
        for job in batch:
            shown.add(job.id)
            changed += await _publish(job, sent.get(job.id), settings, urls)
    for job_id, row in sent.items():
        if row.deleted or job_id in shown:
            continue
        job = await Job.get_or_none(id=job_id).prefetch_related("organization")
        async with in_transaction():
            if not await PublishedJob.filter(id=row.id, deleted=False).update(deleted=True):
                continue
            if job is not None:
                tombstone = {"id": note_id(urls, job.uid), "type": "Tombstone"}
                await _send("Delete", authors(job, settings), tombstone, urls)
        changed += 1
    return changed


POLL_SECONDS = 1.0
# Jobs also stop being visible by the clock (closing dates) or through their organization,
# and some writes set no updated_at, with nothing for an incremental pass to notice: every
# job is looked at again this often.
RESCAN_SECONDS = 60.0
# An incremental pass looks this far behind the previous one: a job's updated_at is set
# before its transaction commits, so a pass may miss a write that commits just after it.
OVERLAP = timedelta(seconds=60)


def publishing_worker(settings: Settings, urls: Urls) -> BackgroundWorker:
    """Polls the jobs data generation (moved by database triggers on every job write); when it
    moves, looks at the jobs written since the previous pass, and at all of them every
    RESCAN_SECONDS."""
    never = datetime.min.replace(tzinfo=UTC)
    seen: dict[str, Any] = {"generation": None, "last": never, "full": never}

    async def step() -> None:
        row = await JobDataGeneration.first()
        generation = row.generation if row else 0
        now = datetime.now(UTC)
        full = (now - seen["full"]).total_seconds() >= RESCAN_SECONDS
        if generation == seen["generation"] and not full:
            return
        await publish_changes(settings, urls, now, None if full else seen["last"] - OVERLAP)
        seen["generation"], seen["last"] = generation, now
        if full:
            seen["full"] = now

    async def run() -> None:
        await repeat(step, POLL_SECONDS, logger, "ActivityPub publishing pass failed")

    @asynccontextmanager
    async def worker(app: Starlette) -> AsyncIterator[None]:
        async with lifetime_task(run)(app):
            yield

    return worker
