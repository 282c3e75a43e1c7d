"""Delivering the outbox through SMTP (aiosmtplib), or to a folder in development.

Semantics: at least once, never concurrently. A sender takes a message with a lease
(core.work_queue.claim) longer than an SMTP exchange can last, so two senders never hand one
message to the server; the row is marked sent once the server has accepted it. A sender
killed between the server's acceptance and that mark leaves the lease to run out, and the
message goes out again with the same Message-ID (receivers can tell a duplicate); a sender
killed at any other moment loses nothing. Temporary failures (4xx, connection errors) are
retried with back-off; a 5xx refusal is permanent and recorded with its code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
from tortoise.functions import Count

from core import work_queue
from core.background import BackgroundWorker, lifetime_task, repeat
from core.settings import PROJECT_ROOT, Settings
from mail.models import MailState, OutboxMessage
from mail.outbox import build_message

logger = logging.getLogger("amicus.mail")

SMTP_TIMEOUT_SECONDS = 30
# Longer than one SMTP exchange can take, so a lease never lapses while its sender still sends.
LEASE_SECONDS = 4 * SMTP_TIMEOUT_SECONDS
RETRY_BASE_SECONDS = 60
MAX_ATTEMPTS = 10
POLL_SECONDS = 5.0
BATCH = 50


@dataclass(frozen=True)
class DeliveryError(Exception):
    reason: str
    code: int | None = None  # the SMTP reply code, when the server answered

    @property
    def permanent(self) -> bool:
        return self.code is not None and self.code >= 500


def mail_folder(settings: Settings) -> Path:
    """Where development mail is written when no AMICUS_SMTP_URL is set."""
    folder = Path(settings.mail_dir)
    return folder if folder.is_absolute() else PROJECT_ROOT / folder


def _error(error: Exception) -> DeliveryError:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        refusal = error.recipients[0]
        return DeliveryError(f"{refusal.code} {refusal.message}"[:500], refusal.code)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return DeliveryError(f"{error.code} {error.message}"[:500], error.code)
    return DeliveryError(f"{type(error).__name__}: {error}"[:500])


async def send_via_smtp(settings: Settings, outgoing: OutboxMessage) -> None:
    """smtp://user:password@host:587 (STARTTLS when offered, required with a login) or
    smtps://…:465 (TLS from the start). Raises DeliveryError."""
    parts = urlsplit(settings.smtp_url)
    smtps = parts.scheme == "smtps"
    try:
        await aiosmtplib.send(
            build_message(settings, outgoing),
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if smtps else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password or "") if parts.username else None,
            use_tls=smtps,
            # Never send a password in the clear: with a login, STARTTLS is required.
            start_tls=False if smtps else (True if parts.username else None),
            timeout=SMTP_TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise _error(error) from error


def write_to_folder(settings: Settings, outgoing: OutboxMessage) -> None:
    folder = mail_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    message = build_message(settings, outgoing)
    (folder / f"{outgoing.id:08d}-{outgoing.kind}.eml").write_bytes(message.as_bytes())
    logger.info(
        "E-mail to %s (no AMICUS_SMTP_URL set, written to %s):\n%s\n\n%s",
        outgoing.recipient,
        folder,
        outgoing.subject,
        outgoing.text_body,
    )


async def deliver(settings: Settings, outgoing: OutboxMessage, now: datetime) -> MailState:
    """One attempt at a claimed message; records its outcome and releases the lease."""
    attempts = outgoing.attempts + 1
    try:
        if settings.smtp_url:
            await send_via_smtp(settings, outgoing)
        else:
            write_to_folder(settings, outgoing)
    except DeliveryError as error:
        final = error.permanent or attempts >= MAX_ATTEMPTS
        state = MailState.FAILED if final else MailState.PENDING
        logger.warning("E-mail %s to %s: %s", outgoing.id, outgoing.recipient, error.reason)
        await OutboxMessage.filter(id=outgoing.id).update(
            state=state,
            attempts=attempts,
            last_error=error.reason,
            failure_code=error.code if error.permanent else None,
            next_attempt_at=now + work_queue.retry_delay(attempts, RETRY_BASE_SECONDS),
            claimed_until=None,
        )
        return state
    await OutboxMessage.filter(id=outgoing.id).update(
        state=MailState.SENT,
        attempts=attempts,
        sent_at=datetime.now(UTC),
        last_error="",
        claimed_until=None,
    )
    return MailState.SENT


async def send_due(settings: Settings, limit: int | None = None) -> dict[MailState, int]:
    """Deliver every message that is due (up to `limit`), a batch at a time; the counts of
    outcomes. Messages other senders hold are left to them."""
    outcomes = {state: 0 for state in MailState}
    last_id = 0
    while limit is None or sum(outcomes.values()) < limit:
        now = datetime.now(UTC)
        due = (
            await OutboxMessage.filter(
                work_queue.claimable(now),
                state=MailState.PENDING,
                next_attempt_at__lte=now,
                id__gt=last_id,
            )
            .order_by("id")
            .limit(BATCH)
        )
        if not due:
            break
        for outgoing in due:
            last_id = outgoing.id
            if limit is not None and sum(outcomes.values()) >= limit:
                break
            if not await work_queue.claim(OutboxMessage, outgoing.id, now, LEASE_SECONDS):
                continue
            # Another sender may have delivered it and let go between our read and our
            # claim: only the row as it is now, under our lease, says whether it is due.
            held = await OutboxMessage.get(id=outgoing.id)
            if held.state != MailState.PENDING or held.next_attempt_at > now:
                await OutboxMessage.filter(id=held.id).update(claimed_until=None)
                continue
            outcomes[await deliver(settings, held, now)] += 1
    return outcomes


def outbox_worker(settings: Settings) -> BackgroundWorker:
    """The sender inside `amicus serve`: polls the outbox for the app's lifetime."""

    async def step() -> None:
        await send_due(settings)

    return lifetime_task(
        lambda: repeat(step, POLL_SECONDS, logger, "The e-mail outbox pass failed")
    )


HEALTH_FAILURES_SHOWN = 20


@dataclass(frozen=True)
class OutboxHealth:
    """What administrators see of the outbox (the admin page, `amicus mail status`)."""

    queued: int
    retrying: int  # queued after at least one temporary failure
    oldest_queued_seconds: float | None
    sent_last_day: int
    failed: int
    # (SMTP reply code, count), most frequent first; None: out of attempts on temporary errors.
    failures_by_code: list[tuple[int | None, int]]
    recent_failures: list[OutboxMessage]

    def summary(self) -> str:
        oldest = self.oldest_queued_seconds
        codes = ", ".join(f"{code or 'gave up'}: {count}" for code, count in self.failures_by_code)
        return (
            f"queued {self.queued}, retrying {self.retrying}, "
            f"oldest {'-' if oldest is None else f'{oldest:.0f} s'}, "
            f"sent in 24 h {self.sent_last_day}, failed {self.failed}"
            + (f" ({codes})" if codes else "")
        )


async def outbox_health(now: datetime) -> OutboxHealth:
    pending = OutboxMessage.filter(state=MailState.PENDING)
    failed = OutboxMessage.filter(state=MailState.FAILED)
    oldest = await pending.order_by("created_at").first().values_list("created_at", flat=True)
    by_code = await (
        failed.annotate(count=Count("id"))
        .group_by("failure_code")
        .values_list("failure_code", "count")
    )
    return OutboxHealth(
        queued=await pending.count(),
        retrying=await pending.filter(attempts__gt=0).count(),
        oldest_queued_seconds=(now - oldest).total_seconds() if oldest else None,
        sent_last_day=await OutboxMessage.filter(
            state=MailState.SENT, sent_at__gte=now - timedelta(days=1)
        ).count(),
        failed=sum(count for _code, count in by_code),
        failures_by_code=sorted(by_code, key=lambda row: (-row[1], row[0] or 0)),
        recent_failures=await failed.order_by("-id").limit(HEALTH_FAILURES_SHOWN),
    )
