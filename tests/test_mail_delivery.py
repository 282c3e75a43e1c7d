"""The outbox delivered to a real SMTP server on loopback: what a message carries, retries
of temporary failures, permanent refusals recorded, and several or killed senders.

Semantics proven here: at least once, never concurrently. Two senders never hand one
message to the server; a sender killed mid-batch loses nothing (what it had not had
accepted goes out on the next run, what it had is not sent again)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core.database import close_database, open_database
from core.settings import PROJECT_ROOT, Settings
from mail.delivery import outbox_health, send_due
from mail.models import MailState, OutboxMessage
from mail.outbox import enqueue
from tests.helpers_directory import make_account, make_admin, sign_in
from tests.helpers_smtp import smtp_server


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    await open_database(settings.database_url)
    yield settings
    await close_database()


async def queue(settings: Settings, count: int, **fields: str) -> list[OutboxMessage]:
    return [
        await enqueue(
            settings,
            fields.get("kind", "test"),
            fields.get("recipient", f"person{number}@example.org"),
            f"Subject {number}",
            f"Text body {number}",
            fields.get("html_body", ""),
            fields.get("unsubscribe_url", ""),
        )
        for number in range(count)
    ]


async def test_a_delivered_message_is_multipart_with_its_headers(database: Settings):
    with smtp_server() as (url, server):
        settings = database.with_changes(smtp_url=url, mail_from="jobs@amicus.example.org")
        [queued] = await queue(
            settings,
            1,
            html_body="<p>HTML body</p>",
            unsubscribe_url="https://amicus.example.org/alerts/unsubscribe/x",
        )
        outcomes = await send_due(settings)
        [message] = server.received
    assert outcomes[MailState.SENT] == 1
    assert message["From"] == "jobs@amicus.example.org"
    assert message["To"] == "person0@example.org"
    assert message["Message-ID"] == queued.message_id
    assert message["Message-ID"].endswith("@amicus.example.org>")
    assert message["Date"]
    assert message["List-Unsubscribe"] == "<https://amicus.example.org/alerts/unsubscribe/x>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Text body 0"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.state == MailState.SENT and stored.sent_at and stored.claimed_until is None


async def test_mail_written_as_text_also_carries_it_as_html_and_no_unsubscribe(
    database: Settings,
):
    with smtp_server() as (url, server):
        await enqueue(
            database, "test", "a@example.org", "Hi", "Hello <you>,\n\nGo: https://e.org/x\n"
        )
        await send_due(database.with_changes(smtp_url=url))
        [message] = server.received
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == "Hello <you>,\n\nGo: https://e.org/x\n"
    html = message.get_body(("html",)).get_content()
    assert "<p>Hello &lt;you&gt;,</p>" in html
    assert '<a href="https://e.org/x">https://e.org/x</a>' in html
    assert message["List-Unsubscribe"] is None


async def test_a_temporary_refusal_is_retried_later_and_then_delivered(database: Settings):
    with smtp_server() as (url, server):
        settings = database.with_changes(smtp_url=url)
        server.answers["person0@example.org"] = "451 4.7.1 greylisted, try again later"
        [queued] = await queue(settings, 1)
        assert (await send_due(settings))[MailState.PENDING] == 1
        waiting = await OutboxMessage.get(id=queued.id)
        assert waiting.state == MailState.PENDING and waiting.attempts == 1
        assert waiting.last_error.startswith("451")
        assert waiting.next_attempt_at > datetime.now(UTC)
        assert (await send_due(settings))[MailState.PENDING] == 0  # not due yet
        del server.answers["person0@example.org"]
        await OutboxMessage.filter(id=queued.id).update(next_attempt_at=datetime.now(UTC))
        assert (await send_due(settings))[MailState.SENT] == 1
        assert server.message_ids() == [queued.message_id]
    assert (await OutboxMessage.get(id=queued.id)).attempts == 2


async def test_an_unreachable_server_is_a_temporary_failure(database: Settings):
    with smtp_server() as (url, _server):
        pass  # the port is closed again
    [queued] = await queue(database, 1)
    await send_due(database.with_changes(smtp_url=url))
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.state == MailState.PENDING and stored.attempts == 1 and stored.last_error


async def test_a_permanent_refusal_is_recorded_and_never_retried(database: Settings):
    with smtp_server() as (url, server):
        settings = database.with_changes(smtp_url=url)
        server.answers["person0@example.org"] = "550 5.1.1 no such mailbox"
        [queued] = await queue(settings, 1)
        assert (await send_due(settings))[MailState.FAILED] == 1
        await OutboxMessage.filter(id=queued.id).update(next_attempt_at=datetime.now(UTC))
        await send_due(settings)
        assert server.received == []
    failed = await OutboxMessage.get(id=queued.id)
    assert failed.state == MailState.FAILED and failed.failure_code == 550
    assert "no such mailbox" in failed.last_error


async def test_without_an_smtp_server_mail_goes_to_the_folder(database: Settings):
    [queued] = await queue(database, 1, kind="invitation")
    await send_due(database)
    [written] = (PROJECT_ROOT / database.mail_dir).glob("*.eml")
    assert written.name == f"{queued.id:08d}-invitation.eml"
    assert queued.message_id in written.read_text()
    assert (await OutboxMessage.get(id=queued.id)).state == MailState.SENT


def _sender_env(settings: Settings, smtp_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "AMICUS_DATABASE_URL": settings.database_url,
        "AMICUS_SECRET_KEY": settings.secret_key,
        "AMICUS_SMTP_URL": smtp_url,
    }


async def _sender(settings: Settings, smtp_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "mail",
        "send",
        cwd=PROJECT_ROOT,
        env=_sender_env(settings, smtp_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_two_sending_processes_never_send_one_message_twice(database: Settings):
    queued = await queue(database, 40)
    with smtp_server() as (url, server):
        senders = [await _sender(database, url) for _ in range(2)]
        outputs = await asyncio.gather(*(sender.communicate() for sender in senders))
        assert [sender.returncode for sender in senders] == [0, 0], outputs
        delivered = Counter(server.message_ids())
    assert delivered == Counter({message.message_id: 1 for message in queued})
    assert await OutboxMessage.filter(state=MailState.SENT).count() == 40


async def test_a_sender_killed_mid_batch_loses_no_mail_and_resends_none(database: Settings):
    queued = await queue(database, 12)
    with smtp_server() as (url, server):
        # Let five through, then hold the sixth unanswered and kill the sender there.
        server.hold_after = 5
        sender = await _sender(database, url)
        assert await asyncio.to_thread(server.holding.wait, 60)
        sender.send_signal(signal.SIGKILL)
        await sender.wait()
        server.hold_after = None
        server.release.set()
        before_kill = set(server.message_ids())
        # The dead sender's lease runs out (here: at once), and the next run takes over.
        await OutboxMessage.filter(claimed_until__isnull=False).update(
            claimed_until=datetime.now(UTC) - timedelta(seconds=1)
        )
        rerun = await _sender(database, url)
        output, _ = await rerun.communicate()
        assert rerun.returncode == 0, output
        delivered = Counter(server.message_ids())
    assert len(before_kill) == 5
    assert delivered == Counter({message.message_id: 1 for message in queued})
    assert await OutboxMessage.filter(state=MailState.SENT).count() == 12


async def test_the_outbox_health_counts_each_state(database: Settings):
    with smtp_server() as (url, server):
        server.answers["person0@example.org"] = "550 5.1.1 no such mailbox"
        server.answers["person1@example.org"] = "451 4.7.1 try later"
        await queue(database, 4)
        await OutboxMessage.filter(recipient="person3@example.org").update(
            state=MailState.SENT, sent_at=datetime.now(UTC) - timedelta(days=2)
        )
        await send_due(database.with_changes(smtp_url=url))
    health = await outbox_health(datetime.now(UTC))
    assert (health.queued, health.retrying, health.sent_last_day) == (1, 1, 1)
    assert health.failed == 1 and health.failures_by_code == [(550, 1)]
    assert [failure.recipient for failure in health.recent_failures] == ["person0@example.org"]
    assert health.oldest_queued_seconds is not None and health.oldest_queued_seconds >= 0
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "mail",
        "status",
        cwd=PROJECT_ROOT,
        env=_sender_env(database, ""),
        stdout=asyncio.subprocess.PIPE,
    )
    output = (await process.communicate())[0].decode().strip()
    assert output.startswith("queued 1, retrying 1, oldest ")
    assert output.endswith("sent in 24 h 1, failed 1 (550: 1)")


async def test_administrators_see_the_outbox_health_on_their_page(live_server, new_browser):
    await queue(live_server.settings, 2)
    await OutboxMessage.filter(recipient="person0@example.org").update(
        state=MailState.FAILED, failure_code=550, last_error="550 5.1.1 no such mailbox"
    )
    await make_account("member@example.org")
    member = new_browser()
    await sign_in(member, "member@example.org")
    assert (await member.get("/admin/outbox")).status_code == 403
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    page = (await admin.get("/admin")).text
    assert 'href="/admin/outbox"' in page  # in the administration menu
    page = (await admin.get("/admin/outbox")).text
    assert 'id="outbox-queued">1<' in page and 'id="outbox-failed">1<' in page
    assert "no such mailbox" in page and "person0@example.org" in page
