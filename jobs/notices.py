"""The e-mail a job's changes send, queued in the transaction of the change (see
jobs.lifecycle.perform): to administrators, a job waiting for review; to its poster, a job
approved or expired; and, from the expiry worker, a job closing within 7 days (once per
closing date)."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.i18n import gettext as _
from core.i18n import in_language
from core.settings import Settings
from core.urls import Urls
from directory.models import Account, Role
from directory.notices import JOB_APPROVED, JOB_CLOSING, JOB_EXPIRED, JOB_REVIEW
from directory.verification import reachable_accounts
from jobs.models import Job, JobStatus
from mail.outbox import enqueue_unless_turned_off


def _urls(settings: Settings) -> Urls:
    # jobs.routes imports the pages that import the lifecycle: read the map when used.
    from jobs.routes import routes

    return Urls(routes, settings.base_url)


async def _poster(job: Job) -> Account | None:
    if job.created_by_id is None:  # imported, or posted through a token without a person
        return None
    return await reachable_accounts(id=job.created_by_id).first()


async def after_change(job: Job, action: str, target: JobStatus, settings: Settings) -> None:
    """Queue the mail this change of `job` calls for, if any."""
    urls = _urls(settings)
    values = {"title": job.title, "network": settings.network_name}
    if target == JobStatus.PENDING_REVIEW:
        values["link"] = urls.url("jobs:moderation")
        for email, language in await reachable_accounts(role=Role.ADMIN).values_list(
            "email", "language"
        ):
            with in_language(language):
                subject = _("A job waits for review: %(title)s") % values
                body = (
                    _("“%(title)s” waits for review before it is published.\n\nReview: %(link)s\n")
                    % values
                )
            await enqueue_unless_turned_off(settings, JOB_REVIEW, email, subject, body)
        return
    if action not in ("approve", "expire"):
        return
    poster = await _poster(job)
    if poster is None:
        return
    with in_language(poster.language):
        if action == "approve":
            kind, link = JOB_APPROVED, job.page_url(urls)
            subject = _("Your job is published: %(title)s") % values
            body = _("An administrator approved “%(title)s”; it is now listed: %(link)s\n")
        else:
            kind, link = JOB_EXPIRED, urls.url("jobs:dashboard")
            subject = _("Your job has expired: %(title)s") % values
            body = _(
                "“%(title)s” reached its closing date and is no longer listed. Renew it from "
                "your dashboard if the position is still open: %(link)s\n"
            )
    await enqueue_unless_turned_off(
        settings, kind, poster.email, subject, body % {**values, "link": link}
    )


CLOSING_NOTICE = timedelta(days=7)


async def tell_posters_of_closing_jobs(settings: Settings, now: datetime) -> int:
    """One notice per published job whose closing date is within 7 days, once per closing
    date (a renewed job is told again about its new date); the number queued."""
    urls = _urls(settings)
    queued = 0
    closing = Job.filter(
        status=JobStatus.PUBLISHED,
        valid_through__gt=now,
        valid_through__lte=now + CLOSING_NOTICE,
        created_by_id__isnull=False,
    )
    async for job in closing:
        poster = await _poster(job)
        if poster is None or job.valid_through is None:
            continue
        values = {"title": job.title, "date": job.valid_through.date().isoformat()}
        with in_language(poster.language):
            subject = _("Your job closes on %(date)s: %(title)s") % values
            body = _(
                "“%(title)s” closes on %(date)s and will then no longer be listed. Renew it "
                "from your dashboard if the position stays open: %(link)s\n"
            ) % {**values, "link": urls.url("jobs:dashboard")}
        key = f"job-closing:{job.id}:{job.valid_through.isoformat()}"
        if await enqueue_unless_turned_off(settings, JOB_CLOSING, poster.email, subject, body, key):
            queued += 1
    return queued
