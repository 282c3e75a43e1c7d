"""Alert pages: subscribe (from a search page), confirm, unsubscribe (also RFC 8058
one-click POST from mail clients); and the worker that runs due alerts."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from alerts.models import Alert, Frequency
from alerts.service import (
    AlertLinkUnusable,
    alert_from_token,
    change_alert,
    confirm,
    email_from_token,
    run_due_alerts,
    subscribe,
    unsubscribe,
)
from core.background import BackgroundWorker, app_task, repeat
from core.i18n import gettext as _
from core.settings import Settings
from core.templating import render
from core.urls import Urls
from core.validation import ValidationError
from core.web import form_values, read_form
from directory.throttle import client_address
from jobs.search.fulltext import SearchIndexes
from jobs.search.params import SearchError

logger = logging.getLogger("amicus.alerts")
RUN_POLL_SECONDS = 60.0
MAX_SEARCH_LENGTH = 2000


def _notice(request: Request, title: str, message: str, **context: object) -> Response:
    return render(request, "alerts/notice.html", {"title": title, "message": message, **context})


async def subscribe_page(request: Request) -> Response:
    values = form_values(await read_form(request))
    search = values.get("search", "")
    if not isinstance(search, str) or len(search) > MAX_SEARCH_LENGTH:
        raise HTTPException(400, _("The search could not be read."))
    try:
        email = await subscribe(
            values,
            parse_qsl(search),
            request.app.state.settings,
            request.app.state.urls,
            client_address(request),
        )
    except SearchError as error:
        raise HTTPException(400, str(error)) from error
    except ValidationError as error:
        raise HTTPException(422, " ".join(error.errors.values())) from error
    return _notice(
        request,
        _("Check your inbox"),
        _("We have sent a link to %(email)s: the alert starts once you follow it.")
        % {"email": email},
    )


async def confirm_page(request: Request) -> Response:
    token = request.path_params["token"]
    if request.method == "GET":
        # Mail scanners follow links: only the button (a POST) confirms.
        return render(request, "alerts/confirm.html", {"token": token})
    await read_form(request)
    try:
        await confirm(token)
    except AlertLinkUnusable as error:
        raise HTTPException(404, str(error)) from error
    return _notice(request, _("Alert confirmed"), _("New jobs like these will be e-mailed to you."))


async def unsubscribe_page(request: Request) -> Response:
    token = request.path_params["token"]
    settings = request.app.state.settings
    try:
        alert_from_token(settings, token)
    except AlertLinkUnusable as error:
        raise HTTPException(404, str(error)) from error
    if request.method == "GET":
        return render(request, "alerts/unsubscribe.html", {"token": token})
    # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie or CSRF token;
    # the signed link is the authority, so no form token is asked for.
    await unsubscribe(settings, token)
    return _notice(request, _("Unsubscribed"), _("This alert is stopped; nothing more is sent."))


async def manage_page(request: Request) -> Response:
    """Every alert of the address the signed link names, to change or stop each."""
    settings = request.app.state.settings
    token = request.path_params["token"]
    # The form (and its CSRF token) is read first, so a forged POST is refused whatever link
    # it was sent to.
    form = form_values(await read_form(request)) if request.method == "POST" else None
    try:
        email = email_from_token(settings, token)
        if form is not None:
            await change_alert(settings, token, form)
    except AlertLinkUnusable as error:
        raise HTTPException(404, str(error)) from error
    except ValidationError as error:
        raise HTTPException(422, " ".join(error.errors.values())) from error
    urls = request.app.state.urls
    alerts = [
        (alert, urls.path("jobs:search", query=parse_qsl(alert.query)))
        for alert in await Alert.filter(email=email).order_by("id")
    ]
    return render(
        request,
        "alerts/manage.html",
        {"email": email, "alerts": alerts, "token": token, "frequencies": list(Frequency)},
    )


routes: list[BaseRoute] = [
    Route("/jobs/alerts", subscribe_page, methods=["POST"], name="alerts:subscribe"),
    Route("/alerts/confirm/{token}", confirm_page, methods=["GET", "POST"], name="alerts:confirm"),
    Route(
        "/alerts/unsubscribe/{token}",
        unsubscribe_page,
        methods=["GET", "POST"],
        name="alerts:unsubscribe",
    ),
    Route("/alerts/of/{token}", manage_page, methods=["GET", "POST"], name="alerts:manage"),
]


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    async def rounds(app: Starlette) -> None:
        indexes: SearchIndexes = app.state.search_indexes

        async def step() -> None:
            await run_due_alerts(settings, urls, indexes)

        await repeat(step, RUN_POLL_SECONDS, logger, "The alert run failed")

    return [app_task(rounds)]
