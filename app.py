"""The Amicus web application: create_app(settings).

Importing this module builds nothing; servers call the factory (`uvicorn --factory
app:create_app`, as `amicus serve` does), and everything an application owns (settings,
page sections, caches, search indexes) hangs off its own `app.state`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import activitypub.routes
import alerts.routes
import directory.account_views
import directory.routes
import feeds.routes
import hsds.api
import jobs.routes
import mail.routes
from core import openapi
from core.background import BackgroundWorker
from core.database import close_database, database_problem, open_database, schema_state
from core.i18n import gettext as _
from core.logs import RequestLogMiddleware, configure_logging
from core.metrics import Metrics, metrics_endpoint
from core.responses import JSONResponse
from core.security import PasswordWorkBusy
from core.settings import PROJECT_ROOT, Settings, SettingsError
from core.templating import render
from core.urls import Urls
from core.validation import ValidationError
from core.version import VERSION
from core.web import (
    ApiError,
    FormExpired,
    LanguageMiddleware,
    SecurityHeadersMiddleware,
    allowed_methods,
    error_response,
    expired_notice,
    flash,
    is_api_request,
    referring_path,
    validation_failed,
)
from directory.auth import SignInToContinue
from directory.sections import PageSections
from directory.throttle import Throttled
from feeds.publish.rendered_cache import FeedCache
from jobs.search.cache import SearchCaches
from jobs.search.fulltext import SearchIndexes

logger = logging.getLogger("amicus")

# Each domain package contributes named routes ("<package>:<name>", see core.urls),
# OpenAPI paths, background workers and its set-up (set_up(app): page sections,
# listeners). No two packages' paths overlap, so the order of this tuple does not change
# which route answers a URL (tests/test_url_map.py proves it).
DOMAIN_MODULES = (
    directory.routes,
    jobs.routes,
    feeds.routes,
    hsds.api,
    mail.routes,
    alerts.routes,
    activitypub.routes,
)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "content_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    503: "unavailable",
}


async def healthz(request: Request) -> JSONResponse:
    problem = await database_problem()
    if problem:
        return JSONResponse({"status": "error", "database": problem}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": VERSION})


async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers and its schema is the one this code expects."""
    problem = await database_problem()
    if problem:
        return JSONResponse({"status": "error", "database": problem}, status_code=503)
    state = await schema_state()
    if state.pending or state.unknown:
        body = {"status": "error", "pending": state.pending, "unknown": state.unknown}
        return JSONResponse(body, status_code=503)
    # Searches catch up with the change log themselves; the lag is for the operator to see.
    indexes: SearchIndexes = request.app.state.search_indexes
    lag = await indexes.unapplied_changes()
    index = {"status": "ok" if lag is not None else "not built yet", "unapplied_changes": lag}
    return JSONResponse(
        {"status": "ok", "database": "ok", "migrations": "ok", "search_index": index}
    )


async def openapi_document(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    parts = [getattr(module, "OPENAPI", {}) for module in DOMAIN_MODULES]
    parts.append({"paths": {"/healthz": HEALTHZ_OPENAPI, "/readyz": READYZ_OPENAPI}})
    return JSONResponse(openapi.build_document(settings.base_url, VERSION, parts))


async def robots_txt(request: Request) -> PlainTextResponse:
    """Crawlers may read the public pages; members' and administrators' pages are private,
    and search result pages past the first say noindex themselves."""
    urls: Urls = request.app.state.urls
    private = [urls.path("directory:dashboard"), urls.path("directory:admin")]
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in private)]
    lines += ["", f"Sitemap: {urls.url('jobs:sitemap')}", ""]
    return PlainTextResponse("\n".join(lines))


HEALTHZ_OPENAPI = {
    "get": {
        "summary": "Database connectivity",
        "responses": {
            "200": {"description": "The database answers"},
            "503": {"description": "It does not"},
        },
    }
}


READYZ_OPENAPI = {
    "get": {
        "summary": "Readiness: the database answers and its migrations are the expected ones",
        "responses": {
            "200": {"description": "Ready"},
            "503": {"description": "Not ready, and why"},
        },
    }
}


async def handle_http_exception(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        allowed = ", ".join(sorted(allowed_methods(request.app.routes, request.scope)))
        error.headers = {**(error.headers or {}), "Allow": allowed}
    if is_api_request(request):
        code = ERROR_CODES.get(error.status_code, "error")
        return error_response(
            ApiError(error.status_code, code, str(error.detail), headers=error.headers)
        )
    if isinstance(error, FormExpired) and request.method == "POST":
        # A short form whose view does not show it again: back to the page it was on, with a
        # fresh token and a notice of what was not done, rather than a bare 403.
        back = referring_path(request)
        if back:
            flash(request, expired_notice(request))
            return RedirectResponse(back, status_code=303)
    if error.status_code == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        sign_in = request.app.state.urls.path("directory:sign_in")
        return RedirectResponse(
            f"{sign_in}?{urlencode({'next': target}, safe='/')}", status_code=303
        )
    return render(
        request,
        "error.html",
        {"status": error.status_code, "message": error.detail},
        status_code=error.status_code,
        headers=error.headers,
    )


async def handle_api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error)


async def handle_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ValidationError)
    return error_response(validation_failed(error))


async def handle_throttled(request: Request, error: Exception) -> Response:
    assert isinstance(error, Throttled)
    message = _("Too many attempts. Wait %(seconds)d seconds and try again.") % {
        "seconds": error.retry_after_seconds
    }
    retry = {"Retry-After": str(error.retry_after_seconds)}
    return await handle_http_exception(request, HTTPException(429, message, headers=retry))


async def handle_password_work_busy(request: Request, error: Exception) -> Response:
    assert isinstance(error, PasswordWorkBusy)
    message = _("The site is busy checking passwords. Try again in a moment.")
    retry = {"Retry-After": str(error.retry_after_seconds)}
    return await handle_http_exception(request, HTTPException(503, message, headers=retry))


async def handle_unexpected_error(request: Request, error: Exception) -> Response:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    message = _("Something went wrong on our side. The error has been logged.")
    if is_api_request(request):
        return error_response(ApiError(500, "internal_error", message))
    return render(request, "error.html", {"status": 500, "message": message}, status_code=500)


def site_routes() -> list[BaseRoute]:
    """Every route of the site: the application's own, then each domain package's."""
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, name="healthz"),
        Route("/readyz", readyz, name="readyz"),
        Route("/metrics", metrics_endpoint, name="metrics"),
        Route("/api/openapi.json", openapi_document, name="openapi"),
        Route("/robots.txt", robots_txt, name="robots"),
        Mount("/static", StaticFiles(directory=PROJECT_ROOT / "core" / "static"), name="static"),
    ]
    for module in DOMAIN_MODULES:
        routes.extend(module.routes)
    return routes


def site_urls(settings: Settings) -> Urls:
    """The URL map of a site with these settings (what create_app keeps on app.state.urls)."""
    return Urls(site_routes(), settings.base_url)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    problems = settings.problems()
    if problems:
        raise SettingsError("Amicus refuses to start:\n- " + "\n- ".join(problems))

    urls = site_urls(settings)
    workers: list[BackgroundWorker] = []
    for module in DOMAIN_MODULES:
        workers.extend(getattr(module, "background_workers", lambda s, u: [])(settings, urls))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings.database_url)
        try:
            async with AsyncExitStack() as stack:
                for worker in workers:
                    await stack.enter_async_context(worker(app))
                yield
        finally:
            await close_database()

    configure_logging()
    metrics = Metrics()
    middleware = [
        Middleware(RequestLogMiddleware, routes=urls.routes, observe=metrics.observe),
        Middleware(SecurityHeadersMiddleware, hsts=settings.is_production),
        activitypub.routes.middleware(settings, urls),
        # The fastest level, nginx's default too: on a page of 20 jobs as JSON (28 kB) it
        # takes 0.09 ms against level 6's 0.16 (Starlette's 9: twice that) for a body 17%
        # larger (4.5 kB against 3.8), on every search request the event loop serves.
        Middleware(GZipMiddleware, minimum_size=1024, compresslevel=1),
        # Outside the sessions, so that its Vary header joins the one sessions set.
        Middleware(LanguageMiddleware, secure_cookie=settings.served_over_https),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie="amicus_session",
            https_only=settings.served_over_https,
            same_site="lax",
        ),
    ]
    app = Starlette(
        routes=urls.routes,
        middleware=middleware,
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
        exception_handlers={
            HTTPException: handle_http_exception,
            SignInToContinue: directory.account_views.sign_in_to_continue,
            ApiError: handle_api_error,
            ValidationError: handle_validation_error,
            Throttled: handle_throttled,
            PasswordWorkBusy: handle_password_work_busy,
            Exception: handle_unexpected_error,
        },
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.urls = urls
    app.state.search_caches = SearchCaches()
    app.state.search_indexes = SearchIndexes(settings.index_dir)
    app.state.feed_cache = FeedCache()
    app.state.page_sections = PageSections()
    for module in DOMAIN_MODULES:
        getattr(module, "set_up", lambda app: None)(app)
    return app
