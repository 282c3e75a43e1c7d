"""Job states: the allowed transitions, their audit records, review policy and expiry."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest

from app import site_urls
from core.validation import ValidationError
from directory.models import AuditEvent
from jobs.forms import clean_job
from jobs.lifecycle import (
    RULES,
    SYSTEM,
    Action,
    Actor,
    TransitionError,
    create_job,
    expire_due_jobs,
    is_closing_soon,
    perform,
)
from jobs.models import Job, JobStatus
from jobs.routes import background_workers
from tests.helpers_directory import make_account, make_admin, make_organization
from tests.helpers_jobs import audit_trail, job_input, make_job

S = JobStatus
pytestmark = pytest.mark.usefixtures("live_server")


def now() -> datetime:
    return datetime.now(UTC)


def test_transition_table_matches_the_documented_states():
    allowed = {action: {s.value for s in rule.sources} for action, rule in RULES.items()}
    assert allowed == {
        Action.PUBLISH: {"draft"},
        Action.APPROVE: {"pending_review"},
        Action.FILL: {"published"},
        Action.CLOSE: {"published", "pending_review"},
        Action.RENEW: {"closed", "expired"},
        Action.REMOVE: {"draft", "pending_review", "published", "closed", "filled", "expired"},
        Action.EXPIRE: {"published"},
    }


@pytest.mark.parametrize(
    ("policy", "trusted", "expected"),
    [
        ("none", False, S.PUBLISHED),
        ("untrusted", True, S.PUBLISHED),
        ("untrusted", False, S.PENDING_REVIEW),
        ("all", True, S.PENDING_REVIEW),
    ],
)
async def test_review_policy_decides_whether_publishing_needs_an_administrator(
    settings, policy, trusted, expected
):
    organization = await make_organization("policy-org", trusted=trusted)
    owner = await make_account("owner@policy.example.org", organization)
    values = clean_job(job_input(), today=now().date())
    policy_settings = settings.with_changes(review_policy=policy)
    job = await create_job(
        organization, values, Actor.person(owner), policy_settings, now=now(), publish=True
    )
    assert (await Job.get(id=job.id)).status == expected
    assert job.uid.startswith("urn:uuid:") and job.slug.startswith("staff-attorney")
    assert await audit_trail(job) == [
        ("create", "", "draft", "owner@policy.example.org"),
        ("publish", "draft", expected.value, "owner@policy.example.org"),
    ]


async def test_approval_publishes_and_sets_posted_at_once(settings):
    organization = await make_organization("review-org")
    admin = await make_admin()
    job = await make_job(organization, settings, S.PENDING_REVIEW)
    assert job.posted_at is None
    await perform(job, Action.APPROVE, Actor.person(admin), settings, now=now())
    stored = await Job.get(id=job.id)
    assert stored.status == S.PUBLISHED and stored.posted_at is not None
    first_posted = stored.posted_at

    later = now() + timedelta(days=3)
    await perform(stored, Action.CLOSE, SYSTEM, settings, now=later, reason="budget")
    await perform(
        stored, Action.RENEW, SYSTEM, settings.with_changes(review_policy="none"), now=later
    )
    renewed = await Job.get(id=job.id)
    assert renewed.status == S.PUBLISHED
    assert renewed.posted_at == first_posted
    assert renewed.status_changed_at == later.replace(
        microsecond=renewed.status_changed_at.microsecond
    )
    trail = await audit_trail(job)
    assert trail[-3:] == [
        ("approve", "pending_review", "published", admin.email),
        ("close", "published", "closed", "system"),
        ("renew", "closed", "published", "system"),
    ]
    close_event = await AuditEvent.get(subject_id=job.id, action="close")
    assert close_event.reason == "budget"


async def test_renewal_sets_a_new_closing_date_and_goes_through_review(settings):
    organization = await make_organization("renew-org", trusted=False)
    job = await make_job(organization, settings, S.EXPIRED)
    moment = now()
    await perform(job, Action.RENEW, SYSTEM, settings, now=moment)
    stored = await Job.get(id=job.id)
    assert stored.status == S.PENDING_REVIEW
    assert stored.valid_through > moment + timedelta(days=settings.job_default_days - 1)


async def test_renewal_refuses_a_closing_date_in_the_past(settings):
    job = await make_job(await make_organization("past-org"), settings, S.CLOSED)
    with pytest.raises(ValidationError) as error:
        await perform(job, Action.RENEW, SYSTEM, settings, now=now(), closing=now() - timedelta(1))
    assert "closing_date" in error.value.errors
    assert (await Job.get(id=job.id)).status == S.CLOSED


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.DRAFT, Action.FILL),
        (S.DRAFT, Action.APPROVE),
        (S.PUBLISHED, Action.PUBLISH),
        (S.PUBLISHED, Action.RENEW),
        (S.CLOSED, Action.FILL),
        (S.FILLED, Action.CLOSE),
        (S.REMOVED, Action.RENEW),
        (S.REMOVED, Action.REMOVE),
        (S.EXPIRED, Action.EXPIRE),
    ],
)
async def test_illegal_transitions_are_refused_and_change_nothing(settings, state, action):
    job = await make_job(await make_organization("illegal-org"), settings, state)
    events_before = await audit_trail(job)
    with pytest.raises(TransitionError, match="cannot take the action"):
        await perform(job, action, SYSTEM, settings, now=now(), reason="because")
    assert (await Job.get(id=job.id)).status == state
    assert await audit_trail(job) == events_before


async def test_removal_needs_a_reason(settings):
    job = await make_job(await make_organization("remove-org"), settings, S.PUBLISHED)
    with pytest.raises(ValidationError):
        await perform(job, Action.REMOVE, SYSTEM, settings, now=now(), reason="  ")
    assert (await Job.get(id=job.id)).status == S.PUBLISHED


async def test_a_stale_copy_cannot_move_a_job_someone_else_already_moved(settings):
    job = await make_job(await make_organization("race-org"), settings, S.PUBLISHED)
    stale = await Job.get(id=job.id)
    await perform(job, Action.FILL, SYSTEM, settings, now=now())
    with pytest.raises(TransitionError, match="changed by someone else"):
        await perform(stale, Action.CLOSE, SYSTEM, settings, now=now())
    assert (await Job.get(id=job.id)).status == S.FILLED


async def test_expiry_ends_jobs_past_their_closing_date_or_the_default_period(settings):
    organization = await make_organization("expiry-org")
    dated = await make_job(organization, settings, S.PUBLISHED, closing_date="")
    undated = await make_job(organization, settings, S.PUBLISHED, closing_date="")
    closing_soon = await make_job(organization, settings, S.PUBLISHED)
    draft = await make_job(organization, settings, S.DRAFT)
    dated.valid_through = now() + timedelta(days=2)
    await dated.save()

    later = now() + timedelta(days=10)
    assert await expire_due_jobs(settings, later) == 1
    assert (await Job.get(id=dated.id)).status == S.EXPIRED
    assert (await Job.get(id=undated.id)).status == S.PUBLISHED

    much_later = now() + timedelta(days=settings.job_default_days + 1)
    assert await expire_due_jobs(settings, much_later) == 2
    assert (await Job.get(id=undated.id)).status == S.EXPIRED
    assert (await Job.get(id=closing_soon.id)).status == S.EXPIRED
    assert (await Job.get(id=draft.id)).status == S.DRAFT
    assert await audit_trail(undated) == [
        ("create", "", "draft", "system"),
        ("publish", "draft", "published", "system"),
        ("expire", "published", "expired", "system"),
    ]


async def test_jobs_closing_within_seven_days_are_flagged_closing_soon(settings):
    organization = await make_organization("soon-org")
    job = await make_job(organization, settings, S.PUBLISHED)
    assert not is_closing_soon(job, settings, now())
    assert is_closing_soon(job, settings, job.valid_through - timedelta(days=6))
    assert not is_closing_soon(job, settings, job.valid_through + timedelta(seconds=1))


async def test_the_background_worker_expires_due_jobs_as_soon_as_it_starts(settings, live_server):
    job = await make_job(await make_organization("worker-org"), settings, S.PUBLISHED)
    await Job.filter(id=job.id).update(valid_through=now() - timedelta(minutes=1))
    async with AsyncExitStack() as running:
        for worker in background_workers(settings, site_urls(settings)):
            # Workers use what their app holds (its search indexes): the served one's.
            await running.enter_async_context(worker(live_server.app))
        for _attempt in range(200):
            if (await Job.get(id=job.id)).status == S.EXPIRED:
                break
            await asyncio.sleep(0.02)
    assert (await Job.get(id=job.id)).status == S.EXPIRED
