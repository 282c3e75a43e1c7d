"""Invitation e-mail goes through AMICUS_SMTP_URL when it is set, off the event loop."""

from __future__ import annotations

import smtplib
import threading

from core.settings import Settings
from directory import mail


class RecordingSMTP:
    """Stands in for smtplib.SMTP and records what would have been sent."""

    sent: list = []
    threads: list = []

    def __init__(self, host: str, port: int, timeout: float):
        self.address = (host, port)
        self.logins: list = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def has_extn(self, name: str) -> bool:
        return False

    def login(self, user: str, password: str) -> None:
        self.logins.append((user, password))

    def send_message(self, message) -> None:
        RecordingSMTP.sent.append((self.address, self.logins, message))
        RecordingSMTP.threads.append(threading.current_thread())


class RefusingSMTP(RecordingSMTP):
    def send_message(self, message) -> None:
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no")})


async def test_mail_is_sent_through_the_configured_server_in_a_worker_thread(monkeypatch):
    RecordingSMTP.sent, RecordingSMTP.threads = [], []
    monkeypatch.setattr(mail.smtplib, "SMTP", RecordingSMTP)
    settings = Settings(
        smtp_url="smtp://user%40x:p%40ss@mail.example.org:2525", mail_from="a@x.org"
    )
    assert await mail.send_mail(settings, "friend@example.org", "Subject", "Body with link")
    [(address, logins, message)] = RecordingSMTP.sent
    assert address == ("mail.example.org", 2525)
    assert logins == [("user@x", "p@ss")]
    assert message["To"] == "friend@example.org" and message["From"] == "a@x.org"
    assert "Body with link" in message.get_content()
    assert RecordingSMTP.threads[0] is not threading.main_thread()


async def test_a_mail_server_failure_is_logged_not_raised(monkeypatch, caplog):
    monkeypatch.setattr(mail.smtplib, "SMTP", RefusingSMTP)
    settings = Settings(smtp_url="smtp://mail.example.org")
    assert not await mail.send_mail(settings, "x@example.org", "Subject", "Body")
    assert "Could not send e-mail to x@example.org" in caplog.text
