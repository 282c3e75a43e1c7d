"""A real SMTP server on loopback (aiosmtpd), recording what it accepted.

The server runs in its own thread and event loop, as a mail server is another process: the
code under test talks SMTP to it over TCP. `answers` scripts refusals per recipient.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from core.settings import Settings
from mail.delivery import send_due


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        # recipient -> SMTP reply to its RCPT TO (e.g. "451 4.3.0 try later"), else accepted.
        self.answers: dict[str, str] = {}
        # Once this many were accepted, the next DATA is held unanswered until `release`.
        self.hold_after: int | None = None
        self.release = threading.Event()
        self.holding = threading.Event()
        self.lock = threading.Lock()
        self.taken = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.received) >= self.hold_after:
            self.holding.set()
            await asyncio.to_thread(self.release.wait)
            return "451 4.3.0 the server restarted"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def take_new(self) -> list[EmailMessage]:
        """What arrived since the last call (whoever sent it: a test, or the app's worker)."""
        with self.lock:
            new, self.taken = self.received[self.taken :], len(self.received)
        return new

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message["Message-ID"] for message in self.received]


@contextmanager
def smtp_server() -> Iterator[tuple[str, RecordingHandler]]:
    """An SMTP server on a free loopback port; yields its smtp:// URL and its handler."""
    handler = RecordingHandler()
    with socket.socket() as probe:  # the controller needs its port before it listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", handler
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[tuple[str, RecordingHandler]]:
    """A test's own SMTP server (import this fixture into the test module to use it)."""
    with smtp_server() as server:
        yield server


async def delivered(settings: Settings, handler: RecordingHandler) -> list[EmailMessage]:
    """Sends what the outbox holds due and returns what the server received since the last
    call."""
    await send_due(settings)
    return handler.take_new()


def plain_text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()
