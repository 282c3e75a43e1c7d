"""Feeds, federation and WebSub: routes, OpenAPI paths and background workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.background import BackgroundWorker
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.settings import Settings
from core.templating import render
from core.urls import JOB_FEED_FORMATS, Urls, feed_links
from directory import throttle
from directory.throttle import HUB_PER_CLIENT, Throttled, client_address
from feeds import openapi
from feeds.aggregate import admin_api as feed_api
from feeds.aggregate import admin_pages as feed_admin
from feeds.aggregate.events import FeedEvents
from feeds.aggregate.passes import aggregator_worker
from feeds.metrics import add_gauges
from feeds.publish.catalog import FEED_ROUTES, FeedNotFound, FeedParameterError, resolve
from feeds.publish.rendered_cache import feed_response, rendered_feed
from feeds.schema_fields import AMICUS_NS, HISTORY_NS, SCHEMA_NS, TOMBSTONES_NS
from feeds.websub.hub import HubBusy, HubRequestError, parse_hub_request, store_intent
from feeds.websub.hub_delivery import hub_worker
from feeds.websub.subscriber import (
    CALLBACK_PATH,
    ensure_subscription,
    receive_content,
    unsubscribe_after_response,
    verify_intent,
)
from jobs.search.params import SearchError, job_query_to_params, parse_job_query


def feed_endpoint(kind: str) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of one kind of feed (see feeds.publish.catalog.FEED_ROUTES)."""

    async def serve_feed(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        urls: Urls = request.app.state.urls
        try:
            feed_request = resolve(
                kind, request.path_params, request.url.path, request.query_params, urls
            )
            feed = await rendered_feed(
                feed_request,
                settings,
                request.app.state.search_indexes,
                request.app.state.feed_cache,
            )
        except FeedParameterError as error:
            return PlainTextResponse(str(error), status_code=400)
        except FeedNotFound:
            raise HTTPException(404, _("There is no feed at this address.")) from None
        links = f'<{urls.url("feeds:hub")}>; rel="hub", <{feed_request.absolute_url}>; rel="self"'
        return feed_response(request, feed, settings.feed_max_age, {"Link": links})

    return serve_feed


async def websub_hub(request: Request) -> Response:
    """W3C WebSub hub endpoint: form-encoded subscribe/unsubscribe requests (no CSRF: the
    callers are other servers, and a request only ever causes a verification GET)."""
    settings: Settings = request.app.state.settings
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return PlainTextResponse(
            _("Send the request as application/x-www-form-urlencoded."), status_code=415
        )
    form = await request.form(max_files=0, max_fields=20)
    values = {key: form.getlist(key) for key in form}
    single = {key: items[0] if len(items) == 1 else items for key, items in values.items()}
    try:
        await throttle.check((HUB_PER_CLIENT, client_address(request)))
        await store_intent(
            await parse_hub_request(
                single,
                settings,
                request.app.state.urls,
                request.app.state.search_indexes,
                request.app.state.feed_cache,
            )
        )
    except Throttled as error:
        retry = {"Retry-After": str(error.retry_after_seconds)}
        return PlainTextResponse(
            _("Too many requests from this address; try again later."),
            status_code=429,
            headers=retry,
        )
    except HubBusy as error:
        retry = {"Retry-After": str(error.retry_after_seconds)}
        return PlainTextResponse(str(error), status_code=429, headers=retry)
    except HubRequestError as error:
        return PlainTextResponse(str(error), status_code=400)
    return PlainTextResponse(
        _("Accepted: the hub will now verify the intent with the callback."), status_code=202
    )


async def follow_search_page(request: Request) -> Response:
    """For a job seeker: what to do with the feed of a search ("Subscribe to this search"
    used to open raw XML). The same parameters as /jobs; bad ones get 400 as the feed would."""
    try:
        query = parse_job_query(request.query_params)
    except SearchError as error:
        raise HTTPException(400, str(error)) from error
    urls: Urls = request.app.state.urls
    search = job_query_to_params(query, page=False)
    return render(
        request,
        "feeds/follow_search.html",
        {
            "query": query,
            "search_url": urls.path("jobs:search", search),
            "feeds": [
                (label, urls.url("feeds:jobs_feed", search, format=format_))
                for format_, label in JOB_FEED_FORMATS.items()
            ],
            "feed_links": feed_links(urls, "feeds:jobs_feed", query=search),
        },
    )


async def federation_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    return render(
        request,
        "feeds/federation.html",
        {
            "hub": request.app.state.urls.url("feeds:hub"),
            "namespaces": {
                "schema": SCHEMA_NS,
                "amicus": AMICUS_NS,
                "at": TOMBSTONES_NS,
                "fh": HISTORY_NS,
            },
            "max_age": settings.feed_max_age,
        },
    )


routes = [
    *(Route(path, feed_endpoint(kind), name=name) for name, (path, kind) in FEED_ROUTES.items()),
    Route("/federation", federation_page, name="feeds:federation"),
    Route("/follow/jobs", follow_search_page, name="feeds:follow_search"),
    # WebSub: this instance's hub, and the callback the hubs of imported feeds call.
    Route("/websub/hub", websub_hub, methods=["POST"], name="feeds:hub"),
    Route(CALLBACK_PATH + "/{id:int}", verify_intent, methods=["GET"], name="feeds:callback"),
    Route(
        CALLBACK_PATH + "/{id:int}",
        receive_content,
        methods=["POST"],
        name="feeds:callback_content",
    ),
    # Subscriptions: what the aggregator imports (feeds.aggregate.admin_pages, .admin_api).
    Route("/admin/feeds", feed_admin.feeds_page, methods=["GET", "POST"], name="feeds:admin_feeds"),
    Route(
        "/admin/feeds/{id:int}/{action:str}",
        feed_admin.subscription_action,
        methods=["POST"],
        name="feeds:admin_feed_action",
    ),
    Route(
        "/admin/feeds/members/{slug:str}/approve",
        feed_admin.approve_member,
        methods=["POST"],
        name="feeds:approve_member",
    ),
    Route(
        "/api/admin/feeds",
        feed_api.feeds_collection,
        methods=["GET", "POST"],
        name="feeds:api_feeds",
    ),
    Route(
        "/api/admin/feeds/{id:int}", feed_api.feed_item, methods=["DELETE"], name="feeds:api_feed"
    ),
    Route(
        "/api/admin/feeds/{id:int}/{action:str}",
        feed_api.feed_action,
        methods=["POST"],
        name="feeds:api_feed_action",
    ),
]
OPENAPI = {
    "paths": {**openapi.PATHS, **feed_api.OPENAPI["paths"]},
    "schemas": feed_api.OPENAPI["schemas"],
}


# The WebSub subscriber hears what aggregation announces: a fetched feed names a hub (subscribe
# or renew), an administrator paused or removed a subscription (unsubscribe).
FEED_EVENTS = FeedEvents(
    hub_named=ensure_subscription, subscription_left=unsubscribe_after_response
)


def set_up(app: Starlette) -> None:
    app.state.feed_events = FEED_EVENTS
    app.state.page_sections.add_admin_page("feeds:admin_feeds", lazy_gettext("Feed subscriptions"))
    add_gauges(app.state.metrics)


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    """Workers that run for the app's lifetime (each an async context manager factory)."""
    workers = [hub_worker(settings, urls)]
    if settings.aggregator_enabled:
        workers.append(aggregator_worker(settings, FEED_EVENTS))
    return workers
