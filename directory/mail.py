"""Outgoing e-mail: sent through AMICUS_SMTP_URL when set, otherwise written to the log.

smtplib blocks, so sending runs in a worker thread and never holds up the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from core.settings import Settings

logger = logging.getLogger("amicus.mail")
SMTP_TIMEOUT_SECONDS = 20


def build_message(settings: Settings, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    return message


def _deliver(smtp_url: str, message: EmailMessage) -> None:
    """smtp://user:password@host:587 (STARTTLS) or smtps://…:465 (TLS from the start)."""
    parts = urlsplit(smtp_url)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=SMTP_TIMEOUT_SECONDS
        )
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if parts.scheme == "smtp" and parts.username and client.has_extn("starttls"):
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


async def send_mail(settings: Settings, recipient: str, subject: str, body: str) -> bool:
    """True when handed to the mail server; failures are logged, never raised to the page."""
    message = build_message(settings, recipient, subject, body)
    if not settings.smtp_url:
        logger.info("E-mail to %s (no AMICUS_SMTP_URL set):\n%s\n\n%s", recipient, subject, body)
        return False
    try:
        await asyncio.to_thread(_deliver, settings.smtp_url, message)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Could not send e-mail to %s: %s", recipient, error)
        return False
    return True
