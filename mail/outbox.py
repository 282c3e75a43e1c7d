"""Putting mail in the outbox, and turning an outbox row into the message that is sent.

`enqueue` only inserts a row: called inside the caller's transaction, the mail commits
together with the change that causes it, or not at all. Delivery is mail.delivery's job.
"""

from __future__ import annotations

import html
import re
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from core.settings import Settings
from mail.models import MailOptOut, OutboxMessage


def new_message_id(settings: Settings) -> str:
    """A globally unique Message-ID in the domain of the sender address."""
    domain = settings.mail_from.rpartition("@")[2] or urlsplit(settings.base_url).hostname
    return f"<{secrets.token_hex(16)}@{domain or 'localhost'}>"


_LINK = re.compile(r"https?://[^\s<>\"]+")


def text_as_html(text: str) -> str:
    """The HTML part of a mail written as plain text: its paragraphs and lines, with its
    addresses as links that can be followed."""

    def linked(line: str) -> str:
        parts, last = [], 0
        for found in _LINK.finditer(line):
            url = found.group(0).rstrip(".,;)")
            parts += [html.escape(line[last : found.start()]), f'<a href="{html.escape(url)}">']
            parts += [html.escape(url), "</a>"]
            last = found.start() + len(url)
        return "".join([*parts, html.escape(line[last:])])

    paragraphs = [part.strip("\n") for part in text.split("\n\n") if part.strip()]
    return "".join(
        "<p>" + "<br>\n".join(linked(line) for line in part.split("\n")) + "</p>\n"
        for part in paragraphs
    )


async def enqueue(
    settings: Settings,
    kind: str,
    recipient: str,
    subject: str,
    text_body: str,
    html_body: str = "",
    unsubscribe_url: str = "",
) -> OutboxMessage:
    """Queue one e-mail; delivered by the worker once the surrounding transaction commits.
    Without an HTML body of its own, the text's is sent as HTML as well (multipart)."""
    return await OutboxMessage.create(
        kind=kind,
        recipient=recipient,
        subject=subject,
        text_body=text_body,
        html_body=html_body or text_as_html(text_body),
        unsubscribe_url=unsubscribe_url,
        message_id=new_message_id(settings),
        next_attempt_at=datetime.now(UTC),
    )


async def enqueue_unless_turned_off(
    settings: Settings,
    kind: str,
    recipient: str,
    subject: str,
    text_body: str,
    once_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a notice the recipient may have turned off (see set_turned_off); None if so,
    or when a notice with the same once_key was queued before (by any process)."""
    if await MailOptOut.exists(recipient=recipient, kind=kind):
        return None
    if once_key is None:
        return await enqueue(settings, kind, recipient, subject, text_body)
    queued, created = await OutboxMessage.get_or_create(
        once_key=once_key,
        defaults={
            "kind": kind,
            "recipient": recipient,
            "subject": subject,
            "text_body": text_body,
            "html_body": text_as_html(text_body),
            "message_id": new_message_id(settings),
            "next_attempt_at": datetime.now(UTC),
        },
    )
    return queued if created else None


async def turned_off(recipient: str) -> set[str]:
    return set(await MailOptOut.filter(recipient=recipient).values_list("kind", flat=True))


async def set_turned_off(recipient: str, kinds: set[str], among: set[str]) -> None:
    """Of the kinds `among`, exactly `kinds` are off for this recipient from now on."""
    await MailOptOut.filter(recipient=recipient, kind__in=among - kinds).delete()
    for kind in kinds & among:
        await MailOptOut.get_or_create(recipient=recipient, kind=kind)


async def move_preferences(old_recipient: str, new_recipient: str) -> None:
    """The turned-off kinds follow a recipient whose address changed."""
    await MailOptOut.filter(recipient=new_recipient).delete()
    await MailOptOut.filter(recipient=old_recipient).update(recipient=new_recipient)


def build_message(settings: Settings, outgoing: OutboxMessage) -> EmailMessage:
    """The message as sent: plain text, with an HTML alternative when there is one."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = outgoing.recipient
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(outgoing.created_at.astimezone(UTC))
    message["Message-ID"] = outgoing.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders stay quiet
    if outgoing.unsubscribe_url:
        # RFC 8058: mail clients offer one-click unsubscribe by POSTing to this HTTPS URL.
        message["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(outgoing.text_body)
    if outgoing.html_body:
        message.add_alternative(outgoing.html_body, subtype="html")
    return message
