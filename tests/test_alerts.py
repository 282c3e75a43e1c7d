"""The whole life of a job alert, over HTTP and through a real SMTP server on loopback:
subscribe from a search page, confirm, one mail with what is new (an imported job included,
a closed one never), nothing the next time, one-click unsubscribe; a bounce pauses it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from alerts import service as alert_service
from alerts.models import Alert, AlertSentJob, AlertState, Frequency
from alerts.service import (
    CONFIRM_PER_EMAIL,
    MAIL_MAX_JOBS,
    MAX_ALERTS_PER_ADDRESS,
    RUN_LEASE_SECONDS,
    manage_token,
    run_due_alerts,
)
from core import work_queue
from core.settings import Settings
from jobs.models import Category, JobStatus
from jobs.search.params import MAX_PER_PAGE
from mail.delivery import send_due
from mail.models import MailState, OutboxMessage
from tests.conftest import LiveServer
from tests.helpers_feeds import make_job, make_organization
from tests.helpers_smtp import RecordingHandler, delivered, plain_text, smtp_fixture, smtp_server  # noqa: F401  (the smtp fixture)


@pytest.fixture
def settings(settings: Settings, smtp: tuple[str, RecordingHandler]) -> Settings:
    return settings.with_changes(smtp_url=smtp[0])


async def run_alerts(live_server: LiveServer, now: datetime | None = None) -> int:
    """One alert run beside the served application, with its settings, URLs and indexes."""
    state = live_server.app.state
    return await run_due_alerts(live_server.settings, state.urls, state.search_indexes, now)


async def make_due() -> None:
    await Alert.filter(state=AlertState.ACTIVE).update(next_run_at=datetime.now(UTC))


async def test_an_alert_from_subscription_to_one_click_unsubscribe(live_server, new_browser, smtp):
    settings, (_url, handler) = live_server.settings, smtp
    organization = await make_organization("oip")
    await make_job(organization, "Attorney already posted", posted_at=datetime.now(UTC))
    browser = new_browser()
    page = await browser.get("/jobs?q=attorney")
    assert 'id="alert-subscribe"' in page.text
    answer = await browser.submit(
        "/jobs/alerts",
        {
            "search": "q=attorney",
            "email": "Seeker@Example.org",
            "frequency": "immediate",
            "language": "es",
        },
        form_page="/jobs?q=attorney",
    )
    assert answer.status_code == 200 and "seeker@example.org" in answer.text
    [alert] = await Alert.all()
    assert alert.state == AlertState.UNCONFIRMED and alert.frequency == Frequency.IMMEDIATE
    assert await run_alerts(live_server) == 0

    [confirmation] = await delivered(settings, handler)
    assert confirmation["Subject"].startswith("Confirme su alerta")  # in the chosen language
    link = re.search(r"https?://\S+/alerts/confirm/\S+", plain_text(confirmation)).group(0)
    path = link.removeprefix(live_server.url)
    assert 'method="post"' in (await browser.get(path)).text  # a scanner's GET confirms nothing
    assert (await Alert.get(id=alert.id)).state == AlertState.UNCONFIRMED
    assert (await browser.submit(path, {})).status_code == 200
    assert (await Alert.get(id=alert.id)).state == AlertState.ACTIVE
    assert (await browser.submit(path, {})).status_code == 404  # single use

    await make_job(organization, "Staff Attorney", posted_at=datetime.now(UTC))
    await make_job(
        organization,
        "Imported Attorney",
        posted_at=datetime.now(UTC),
        source_feed_url="https://sister.example.org/jobs.atom",
        source_name="Sister Network",
    )
    await make_job(
        organization, "Filled Attorney", posted_at=datetime.now(UTC), status=JobStatus.FILLED
    )
    await make_job(
        organization, "Investigator", posted_at=datetime.now(UTC), category=Category.INVESTIGATOR
    )
    await make_due()
    assert await run_alerts(live_server) == 1
    [news] = await delivered(settings, handler)
    text = plain_text(news)
    assert news["To"] == "seeker@example.org"
    assert "empleos nuevos" in news["Subject"]
    assert "Staff Attorney" in text and "Imported Attorney" in text
    assert "vía Sister Network" in text
    assert "Filled Attorney" not in text
    assert "Investigator" not in text
    assert "already posted" not in text
    assert text.index("Imported Attorney") < text.index("Staff Attorney")  # newest first
    assert "Staff Attorney" in news.get_body(("html",)).get_content()
    manage = re.search(r"https?://\S+/alerts/of/\S+", text).group(0)
    assert f'id="alert-{alert.id}"' in (await browser.get(manage)).text

    await make_due()
    assert await run_alerts(live_server) == 0  # nothing new
    assert await delivered(settings, handler) == []

    unsubscribe = news["List-Unsubscribe"].strip().strip("<>")
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text
    async with httpx.AsyncClient() as mail_client:  # no cookie, no form token
        one_click = await mail_client.post(
            unsubscribe,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert one_click.status_code == 200
    assert not await Alert.exists()
    await make_job(organization, "Another Attorney", posted_at=datetime.now(UTC))
    assert await run_alerts(live_server) == 0


async def test_a_permanent_bounce_pauses_the_alert(live_server, smtp):
    settings, (_url, handler) = live_server.settings, smtp
    organization = await make_organization("oip")
    alert = await Alert.create(
        email="gone@example.org",
        query="q=attorney",
        frequency=Frequency.DAILY,
        language="en",
        state=AlertState.ACTIVE,
        since=datetime.now(UTC) - timedelta(hours=1),
        next_run_at=datetime.now(UTC),
    )
    await make_job(organization, "Staff Attorney", posted_at=datetime.now(UTC))
    handler.answers["gone@example.org"] = "550 5.1.1 mailbox unknown"
    assert await run_alerts(live_server) == 1
    await send_due(settings)
    assert (await OutboxMessage.get(recipient="gone@example.org")).state == MailState.FAILED
    await make_job(organization, "Second Attorney", posted_at=datetime.now(UTC))
    await make_due()
    assert await run_alerts(live_server) == 0
    assert (await Alert.get(id=alert.id)).state == AlertState.PAUSED


async def test_a_malformed_subscription_is_refused_and_makes_nothing(live_server, new_browser):
    browser = new_browser()
    bad_email = await browser.submit(
        "/jobs/alerts", {"search": "", "email": "nope", "frequency": "daily"}, form_page="/jobs"
    )
    bad_search = await browser.submit(
        "/jobs/alerts",
        {"search": "posted_within=abc", "email": "a@example.org", "frequency": "daily"},
        form_page="/jobs",
    )
    assert bad_email.status_code == 422 and bad_search.status_code == 400
    assert not await Alert.exists() and not await OutboxMessage.exists()


async def test_confirmation_mails_are_limited_per_address(live_server, new_browser):
    form = {"search": "q=attorney", "email": "many@example.org", "frequency": "daily"}
    for _attempt in range(CONFIRM_PER_EMAIL.max_hits):
        answer = await new_browser().submit("/jobs/alerts", form, form_page="/jobs")
        assert answer.status_code == 200
    refused = await new_browser().submit("/jobs/alerts", form, form_page="/jobs")
    assert refused.status_code == 429
    assert await Alert.filter(email="many@example.org").count() == CONFIRM_PER_EMAIL.max_hits


async def test_an_address_at_its_cap_gets_the_same_answer_and_no_new_alert(
    live_server, new_browser
):
    for number in range(MAX_ALERTS_PER_ADDRESS):
        await Alert.create(
            email="full@example.org", query=f"q=w{number}", frequency=Frequency.DAILY, language="en"
        )
    form = {"search": "q=attorney", "frequency": "weekly"}
    full = await new_browser().submit(
        "/jobs/alerts", {**form, "email": "full@example.org"}, form_page="/jobs"
    )
    fresh = await new_browser().submit(
        "/jobs/alerts", {**form, "email": "fresh@example.org"}, form_page="/jobs"
    )
    assert full.status_code == fresh.status_code == 200
    assert full.text.replace("full@", "X@") == fresh.text.replace("fresh@", "X@")
    assert await Alert.filter(email="full@example.org").count() == MAX_ALERTS_PER_ADDRESS
    assert not await OutboxMessage.filter(recipient="full@example.org").exists()

    # Unconfirmed alerts whose link expired no longer hold the address's places.
    await Alert.filter(email="full@example.org").update(
        confirm_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    again = await new_browser().submit(
        "/jobs/alerts", {**form, "email": "full@example.org"}, form_page="/jobs"
    )
    assert again.status_code == 200
    assert await Alert.filter(email="full@example.org").count() == 1
    assert await OutboxMessage.filter(recipient="full@example.org").count() == 1


async def test_the_signed_page_of_an_address_lists_changes_and_stops_its_alerts(
    live_server, new_browser
):
    settings = live_server.settings
    mine = [
        await Alert.create(
            email="me@example.org", query=query, frequency=Frequency.DAILY, language="en"
        )
        for query in ("q=attorney", "country=US")
    ]
    other = await Alert.create(
        email="other@example.org", query="q=policy", frequency=Frequency.DAILY, language="en"
    )
    path = f"/alerts/of/{manage_token(settings, 'me@example.org')}"
    browser = new_browser()
    page = await browser.get(path)
    assert page.status_code == 200
    assert f'id="alert-{mine[0].id}"' in page.text and f'id="alert-{mine[1].id}"' in page.text
    assert f'id="alert-{other.id}"' not in page.text
    await browser.submit(path, {"alert": mine[0].id, "action": "save", "frequency": "weekly"})
    assert (await Alert.get(id=mine[0].id)).frequency == Frequency.WEEKLY
    await browser.submit(path, {"alert": other.id, "action": "delete"})  # not this address's
    assert await Alert.exists(id=other.id)
    await browser.submit(path, {"alert": mine[1].id, "action": "delete"})
    assert not await Alert.exists(id=mine[1].id)
    assert (await browser.get("/alerts/of/forged")).status_code == 404


async def active_alert(email: str, query: str = "q=attorney") -> Alert:
    return await Alert.create(
        email=email,
        query=query,
        frequency=Frequency.DAILY,
        language="en",
        state=AlertState.ACTIVE,
        since=datetime.now(UTC) - timedelta(hours=1),
        next_run_at=datetime.now(UTC),
    )


async def test_more_new_jobs_than_a_mail_lists_are_counted_linked_and_none_lost(live_server, smtp):
    settings, (_url, handler) = live_server.settings, smtp
    organization = await make_organization("oip")
    alert = await active_alert("busy@example.org")
    start = datetime.now(UTC) - timedelta(minutes=30)
    count = MAX_PER_PAGE + 30  # more than one page of the search
    for number in range(count):
        await make_job(
            organization, f"Attorney {number}", posted_at=start + timedelta(seconds=number)
        )
    assert await run_alerts(live_server) == 1
    [mail] = await delivered(settings, handler)
    text = plain_text(mail).replace("\r\n", "\n")
    assert f"Attorney {count - 1}\n" in text  # the newest listed
    assert f"Attorney {count - MAIL_MAX_JOBS}\n" in text
    assert f"Attorney {count - MAIL_MAX_JOBS - 1}\n" not in text
    assert f"And {count - MAIL_MAX_JOBS} more new jobs like these: {live_server.url}/jobs?" in text
    assert await AlertSentJob.filter(alert=alert).count() == count  # the oldest too

    await make_due()
    assert await run_alerts(live_server) == 0  # announced once, never again
    await make_job(organization, "Latest Attorney", posted_at=datetime.now(UTC))
    await make_due()
    assert await run_alerts(live_server) == 1
    [latest] = await delivered(settings, handler)
    assert "Latest Attorney" in plain_text(latest) and "more new jobs" not in plain_text(latest)


async def test_an_alert_another_process_is_running_is_left_to_it(live_server, smtp):
    settings, (_url, handler) = live_server.settings, smtp
    organization = await make_organization("oip")
    alert = await active_alert("held@example.org")
    await make_job(organization, "Staff Attorney", posted_at=datetime.now(UTC))
    now = datetime.now(UTC)
    assert await work_queue.claim(Alert, alert.id, now, RUN_LEASE_SECONDS)  # another process
    assert await run_alerts(live_server, now) == 0
    assert await delivered(settings, handler) == []
    # That process died holding it: once its lease has passed, the alert runs here.
    later = now + timedelta(seconds=RUN_LEASE_SECONDS + 1)
    assert await run_alerts(live_server, later) == 1
    assert (await Alert.get(id=alert.id)).claimed_until is None
    [mail] = await delivered(settings, handler)
    assert "Staff Attorney" in plain_text(mail)


async def test_a_job_recorded_by_a_concurrent_run_drops_only_that_alerts_mail(
    live_server, smtp, monkeypatch
):
    settings, (_url, handler) = live_server.settings, smtp
    organization = await make_organization("oip")
    raced = await active_alert("raced@example.org")
    other = await active_alert("other@example.org")
    job = await make_job(organization, "Staff Attorney", posted_at=datetime.now(UTC))
    # Another run records the job for one alert after this run has read what was sent:
    # this run's mails share a transaction, which the repeated (alert, job) pair takes back.
    await AlertSentJob.create(alert=raced, job_id=job.id)
    monkeypatch.setattr(alert_service, "_already_sent", _nothing_sent)
    assert await run_alerts(live_server) == 1
    [mail] = await delivered(settings, handler)
    assert mail["To"] == "other@example.org" and "Staff Attorney" in plain_text(mail)
    assert await AlertSentJob.filter(alert=raced).count() == 1  # the other run's record only
    assert (await Alert.get(id=other.id)).last_mail_id is not None


async def _nothing_sent(alert_ids: list[int], job_ids: list[int]) -> set[tuple[int, int]]:
    return set()
