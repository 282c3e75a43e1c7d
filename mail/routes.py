"""The mail package's part of the app: no pages yet, the outbox sender as a worker."""

from __future__ import annotations

from starlette.routing import BaseRoute

from core.background import BackgroundWorker
from core.settings import Settings
from core.urls import Urls
from mail.delivery import outbox_worker

routes: list[BaseRoute] = []


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    return [outbox_worker(settings)]
