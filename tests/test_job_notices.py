"""A job's mail, delivered to a real SMTP server on loopback: administrators hear of a job
waiting for review, its poster of its approval and of its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.settings import Settings
from directory.audit import Actor
from directory.notices import JOB_APPROVED, MAIL_KINDS
from jobs.forms import clean_job
from jobs.lifecycle import Action, create_job, expire_due_jobs, perform
from jobs.models import Job
from jobs.notices import tell_posters_of_closing_jobs
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in
from tests.helpers_jobs import job_input
from tests.helpers_smtp import RecordingHandler, delivered, plain_text, smtp_fixture, smtp_server  # noqa: F401  (the smtp fixture)


@pytest.fixture
def settings(settings: Settings, smtp: tuple[str, RecordingHandler]) -> Settings:
    return settings.with_changes(smtp_url=smtp[0], review_policy="all")


async def test_review_approval_and_expiry_each_send_their_mail(live_server, smtp):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("ipx")
    poster = await make_account("poster@ipx.example.org", organization)
    admin = await make_admin()
    now = datetime.now(UTC)
    values = clean_job(job_input(title="Staff Attorney"), today=now.date())
    job = await create_job(
        organization, values, Actor.person(poster), settings, now=now, publish=True
    )
    [review] = await delivered(settings, handler)
    assert review["To"] == admin.email and "Staff Attorney" in review["Subject"]
    assert f"{live_server.url}/admin/jobs" in plain_text(review)

    await perform(job, Action.APPROVE, Actor.person(admin), settings, now=now)
    [approved] = await delivered(settings, handler)
    assert approved["To"] == "poster@ipx.example.org"
    assert "published" in approved["Subject"]
    assert f"{live_server.url}/jobs/" in plain_text(approved)

    await Job.filter(id=job.id).update(valid_through=now - timedelta(minutes=1))
    assert await expire_due_jobs(settings, now) == 1
    [expired] = await delivered(settings, handler)
    assert expired["To"] == "poster@ipx.example.org" and "expired" in expired["Subject"]


async def test_a_notice_turned_off_on_the_preferences_page_is_not_sent(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("ipx")
    poster = await make_account("poster@ipx.example.org", organization)
    admin = await make_admin()
    browser = new_browser()
    await sign_in(browser, "poster@ipx.example.org")
    page = await browser.get("/account/mail")
    assert page.text.count("checked") == len(MAIL_KINDS)  # everything on by default
    kept = [kind for kind in MAIL_KINDS if kind != JOB_APPROVED]
    saved = await browser.submit("/account/mail", {"on": kept})
    assert 'id="preferences-saved"' in saved.text
    assert saved.text.count("checked") == len(MAIL_KINDS) - 1

    now = datetime.now(UTC)
    values = clean_job(job_input(title="Staff Attorney"), today=now.date())
    job = await create_job(
        organization, values, Actor.person(poster), settings, now=now, publish=True
    )
    await perform(job, Action.APPROVE, Actor.person(admin), settings, now=now)
    await Job.filter(id=job.id).update(valid_through=now - timedelta(minutes=1))
    await expire_due_jobs(settings, now)
    subjects = [(m["To"], m["Subject"]) for m in await delivered(settings, handler)]
    assert [to for to, _subject in subjects].count("poster@ipx.example.org") == 1
    assert any("expired" in subject for _to, subject in subjects)
    assert not any("published" in subject for _to, subject in subjects)


async def test_a_job_closing_within_seven_days_is_announced_once_per_closing_date(
    live_server, smtp
):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("ipx")
    poster = await make_account("poster@ipx.example.org", organization)
    now = datetime.now(UTC)
    values = clean_job(job_input(title="Staff Attorney"), today=now.date())
    job = await create_job(
        organization,
        values,
        Actor.person(poster),
        settings.with_changes(review_policy="none"),
        now=now,
        publish=True,
    )
    await Job.filter(id=job.id).update(valid_through=now + timedelta(days=5))
    assert await tell_posters_of_closing_jobs(settings, now) == 1
    assert await tell_posters_of_closing_jobs(settings, now + timedelta(hours=1)) == 0
    [notice] = await delivered(settings, handler)
    assert notice["To"] == "poster@ipx.example.org" and "closes on" in notice["Subject"]
    await Job.filter(id=job.id).update(valid_through=now + timedelta(days=6))  # renewed
    assert await tell_posters_of_closing_jobs(settings, now) == 1
