"""Job states and the actions that move a job between them, each one recorded.

draft --publish--> published | pending_review (review policy)
pending_review --approve--> published
published --fill--> filled, --close--> closed, --expire--> expired
pending_review --close--> closed
filled | closed | expired --renew--> published | pending_review (review policy)
any state but removed --remove--> removed
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import uuid4

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.settings import Settings
from core.validation import ValidationError, slugify
from directory import audit
from directory.audit import SYSTEM, Actor
from directory.models import Organization, OrganizationStatus
from jobs.labels import STATUSES
from jobs.models import ENDED_STATUSES, Job, JobStatus
from jobs.notices import after_change

CLOSING_SOON = timedelta(days=7)


class Action(StrEnum):
    CREATE = "create"
    PUBLISH = "publish"
    APPROVE = "approve"
    FILL = "fill"
    CLOSE = "close"
    RENEW = "renew"
    REMOVE = "remove"
    EXPIRE = "expire"


class Performer(StrEnum):
    """Who may take an action: the organization's posters, administrators, or the clock."""

    POSTER = "poster"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[JobStatus]
    # None: published, or pending review when the review policy asks for it.
    target: JobStatus | None
    performer: Performer


S = JobStatus
RULES: dict[Action, Rule] = {
    Action.PUBLISH: Rule(frozenset({S.DRAFT}), None, Performer.POSTER),
    Action.APPROVE: Rule(frozenset({S.PENDING_REVIEW}), S.PUBLISHED, Performer.ADMIN),
    Action.FILL: Rule(frozenset({S.PUBLISHED}), S.FILLED, Performer.POSTER),
    Action.CLOSE: Rule(frozenset({S.PUBLISHED, S.PENDING_REVIEW}), S.CLOSED, Performer.POSTER),
    # A filled position has been filled: it opens again as a new posting, not a renewal.
    Action.RENEW: Rule(frozenset({S.CLOSED, S.EXPIRED}), None, Performer.POSTER),
    Action.REMOVE: Rule(frozenset(S) - {S.REMOVED}, S.REMOVED, Performer.ADMIN),
    Action.EXPIRE: Rule(frozenset({S.PUBLISHED}), S.EXPIRED, Performer.SYSTEM),
}
POSTER_ACTIONS = tuple(
    action for action, rule in RULES.items() if rule.performer == Performer.POSTER
)
# States in which a job's page and API record are public (ended jobs stay reachable).
PUBLIC_STATUSES = frozenset({S.PUBLISHED, *ENDED_STATUSES})

ACTION_LABELS = {
    Action.PUBLISH: lazy_gettext("Publish"),
    Action.APPROVE: lazy_gettext("Approve"),
    Action.FILL: lazy_gettext("Mark filled"),
    Action.CLOSE: lazy_gettext("Close"),
    Action.RENEW: lazy_gettext("Renew"),
    Action.REMOVE: lazy_gettext("Remove"),
    Action.EXPIRE: lazy_gettext("Expire"),
}


class TransitionError(Exception):
    """An action the job's current state does not allow (HTTP 409)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def needs_review(organization: Organization, settings: Settings) -> bool:
    if settings.review_policy == "all":
        return True
    return settings.review_policy == "untrusted" and not organization.trusted


def expires_at(job: Job, settings: Settings) -> datetime | None:
    """When a published job stops being shown: its closing date, else the network default."""
    if job.valid_through is not None:
        return job.valid_through
    if job.posted_at is not None:
        return job.posted_at + timedelta(days=settings.job_default_days)
    return None


def is_closing_soon(job: Job, settings: Settings, now: datetime) -> bool:
    ends = expires_at(job, settings)
    return job.status == S.PUBLISHED and ends is not None and now <= ends <= now + CLOSING_SOON


def closing_soon_now(now: datetime, default_days: int) -> Q:
    """is_closing_soon as a query: published, ending (by its closing date or, without one,
    the network's default lifetime) within CLOSING_SOON from now."""
    soon = now + CLOSING_SOON
    lifetime = timedelta(days=default_days)
    return Q(
        Q(valid_through__gte=now, valid_through__lte=soon)
        | Q(
            valid_through__isnull=True,
            posted_at__gte=now - lifetime,
            posted_at__lte=soon - lifetime,
        ),
        status=S.PUBLISHED,
    )


def is_shown(status: str, organization_status: str) -> bool:
    """The part of visible_now that does not depend on the time: published, by an active
    organization (the search index stores it per job)."""
    return status == S.PUBLISHED and organization_status == OrganizationStatus.ACTIVE


def visible_now(now: datetime, default_days: int) -> Q:
    """The one rule for "this job is shown now" (search, feeds, directory pages): published,
    by an active organization, before its closing date or, without one, within the network's
    default lifetime since posting; true before the expiry worker has caught up.
    is_visible is the same rule for one job in hand."""
    return Q(
        Q(valid_through__gt=now)
        | Q(valid_through__isnull=True, posted_at__gt=now - timedelta(days=default_days)),
        status=S.PUBLISHED,
        organization__status=OrganizationStatus.ACTIVE,
    )


def is_visible(job: Job, organization: Organization, settings: Settings, now: datetime) -> bool:
    """visible_now for one job and its organization, without a query."""
    ends = expires_at(job, settings)
    return (
        is_shown(job.status, organization.status)
        # Like the SQL rule, a job with neither date is not known to be current.
        and ends is not None
        and ends > now
    )


def is_public(job: Job, organization: Organization) -> bool:
    return organization.is_public and job.status in PUBLIC_STATUSES


def poster_actions(job: Job) -> list[Action]:
    """What the organization's owners and editors can do with the job now."""
    return [action for action in POSTER_ACTIONS if job.status in RULES[action].sources]


# Six hex digits.
SLUG_SUFFIX_BITS = 24


def new_slug(title: str) -> str:
    # The random suffix keeps slugs unique without a lookup; titles repeat across members.
    # It is no secret (it is in the job's public address): Python's generator does, where
    # the system's (secrets) took a fifteenth of an import's preparation of a job.
    return f"{slugify(title, 100) or 'job'}-{random.getrandbits(SLUG_SUFFIX_BITS):06x}"


async def create_job(
    organization: Organization,
    values: dict[str, Any],
    actor: Actor,
    settings: Settings,
    *,
    now: datetime,
    publish: bool,
    uid: str | None = None,
) -> Job:
    """A new draft, published (or sent to review) at once when publish is asked for."""
    async with in_transaction():
        job = await Job.create(
            uid=uid or f"urn:uuid:{uuid4()}",
            slug=new_slug(values["title"]),
            organization=organization,
            status=S.DRAFT,
            status_changed_at=now,
            created_by=actor.account,
            **values,
        )
        await _record(job, Action.CREATE, actor, "", S.DRAFT, "")
        if publish:
            await perform(job, Action.PUBLISH, actor, settings, now=now)
    return job


async def update_job(job: Job, values: dict[str, Any]) -> Job:
    if job.status == S.REMOVED:
        raise TransitionError(_("A removed job cannot be edited."))
    if job.is_imported:
        raise TransitionError(_("A job imported from another feed is changed at its source."))
    job.update_from_dict(values)
    await job.save()
    return job


async def perform(
    job: Job,
    action: Action,
    actor: Actor,
    settings: Settings,
    *,
    now: datetime,
    reason: str = "",
    closing: datetime | None = None,
) -> Job:
    """Move the job by the action (TransitionError when its state does not allow it).

    closing: the new closing date when renewing (default: the network's default period).
    """
    rule = RULES[action]
    source = job.status
    if source not in rule.sources:
        raise TransitionError(
            _("This job is %(status)s, so it cannot take the action “%(action)s”.")
            % {"status": STATUSES[source], "action": ACTION_LABELS[action]}
        )
    if action == Action.REMOVE and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for removing this job.")})
    changes: dict[str, Any] = {"status_reason": reason.strip(), "status_changed_at": now}
    if action == Action.RENEW:
        if closing is not None and closing <= now:
            raise ValidationError({"closing_date": _("The closing date must not be in the past.")})
        changes["valid_through"] = closing or now + timedelta(days=settings.job_default_days)
    elif action == Action.PUBLISH and job.valid_through is not None and job.valid_through <= now:
        raise TransitionError(
            _("The closing date of this job has passed; set a later one before publishing.")
        )
    target = rule.target
    if target is None:
        organization = await job.organization
        target = S.PENDING_REVIEW if needs_review(organization, settings) else S.PUBLISHED
    changes["status"] = target
    if target == S.PUBLISHED and job.posted_at is None:
        changes["posted_at"] = now

    async with in_transaction():
        # Conditional on the state read above, so two people acting at once cannot both win.
        updated = await Job.filter(id=job.id, status=source).update(**changes, updated_at=now)
        if not updated:
            raise TransitionError(_("This job was changed by someone else; reload and try again."))
        await _record(job, action, actor, source, target, changes["status_reason"])
        await after_change(job, action.value, target, settings)
    job.update_from_dict(changes)
    job.updated_at = now
    return job


async def _record(
    job: Job, action: Action, actor: Actor, source: str, target: str, reason: str
) -> None:
    await audit.record(
        actor, action.value, "job", job.id, from_state=source, to_state=target, reason=reason
    )


def due_for_expiry(settings: Settings, now: datetime) -> Q:
    """Published jobs whose closing date, or default lifetime, has passed."""
    return Q(valid_through__lte=now) | Q(
        valid_through__isnull=True, posted_at__lte=now - timedelta(days=settings.job_default_days)
    )


async def expire_due_jobs(settings: Settings, now: datetime) -> int:
    """Mark every published job past its end as expired; the number expired."""
    expired = 0
    for job in await Job.filter(due_for_expiry(settings, now), status=S.PUBLISHED):
        try:
            await perform(job, Action.EXPIRE, SYSTEM, settings, now=now)
        except TransitionError:  # closed by its owner meanwhile
            continue
        expired += 1
    return expired
