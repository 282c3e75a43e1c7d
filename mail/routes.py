"""The mail package's part of the app: no pages yet, the outbox sender as a worker, and the
outbox's depth and age on /metrics."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from core.background import BackgroundWorker
from core.metrics import add_queue_gauges
from core.settings import Settings
from core.urls import Urls
from mail.delivery import outbox_worker
from mail.models import MailState, OutboxMessage

routes: list[BaseRoute] = []


def set_up(app: Starlette) -> None:
    add_queue_gauges(
        app.state.metrics,
        "amicus_mail_outbox",
        "e-mails",
        lambda: OutboxMessage.filter(state=MailState.PENDING),
    )


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    return [outbox_worker(settings)]
