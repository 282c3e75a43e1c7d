"""ActivityPub routes: discovery (WebFinger, NodeInfo), actors, inboxes and collections."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub import actors, admin, inbox, publishing
from activitypub.delivery import delivery_worker
from activitypub.keys import actor_key
from activitypub.models import Delivery, Follower
from activitypub.negotiation import ActorNegotiation
from activitypub.publishing import publishing_worker
from core.background import BackgroundWorker
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.metrics import add_queue_gauges
from core.pagination import Page
from core.responses import JSONResponse
from core.settings import Settings
from core.urls import FeedLink, Urls
from core.validation import InvalidValue, whole_number
from core.version import VERSION
from directory.models import Organization, OrganizationStatus
from directory.sections import Section
from jobs.lifecycle import visible_now
from jobs.models import Job

ACTIVITY_TYPE = "application/activity+json"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def _enabled(request: Request) -> tuple[Settings, Urls]:
    settings: Settings = request.app.state.settings
    if not settings.activitypub_enabled:
        raise HTTPException(404, _("This site does not federate over ActivityPub."))
    return settings, request.app.state.urls


def _activity(document: dict[str, Any], status_code: int = 200) -> Response:
    return JSONResponse(document, status_code=status_code, media_type=ACTIVITY_TYPE)


async def _actor_or_404(request: Request) -> tuple[actors.Actor, Settings, Urls]:
    settings, urls = _enabled(request)
    actor = await actors.find_actor(request.path_params["name"], settings, urls)
    if actor is None:
        raise HTTPException(404, _("There is no such actor."))
    return actor, settings, urls


async def webfinger(request: Request) -> Response:
    settings, urls = _enabled(request)
    resource = request.query_params.get("resource", "")
    name = _resource_name(resource, settings, urls)
    if name is None:
        example = f"acct:name@{actors.handle_host(settings)}"
        return JSONResponse(
            {"error": f"resource must be {example} or the URL of an actor or its page"},
            status_code=400,
        )
    actor = await actors.find_actor(name, settings, urls)
    if actor is None:
        return JSONResponse({"error": "no such account"}, status_code=404)
    return JSONResponse(
        actors.webfinger_document(actor, settings, urls), media_type="application/jrd+json"
    )


def _resource_name(resource: str, settings: Settings, urls: Urls) -> str | None:
    """The actor a WebFinger resource names: an acct: handle on our host, or (RFC 7033 takes
    any URI) the URL of an actor or of the page it stands for."""
    suffix = f"@{actors.handle_host(settings)}"
    if resource.startswith("acct:") and resource.endswith(suffix):
        return resource[5 : -len(suffix)]
    found = urls.match(resource) if resource.startswith(("http://", "https://")) else None
    if found is None:
        return None
    route, params = found
    if route == "activitypub:actor":
        return params["name"]
    return actors.page_actor_name(route, params, settings)


def _webfinger_template(urls: Urls) -> str:
    """The lrdd template of host-meta: WebFinger with `{uri}` left for the client to fill."""
    return urls.url("activitypub:webfinger") + "?resource={uri}"


async def host_meta(request: Request) -> Response:
    """RFC 6415 host-meta (XRD), which some servers read before WebFinger."""
    _settings, urls = _enabled(request)
    template = xml_escape(_webfinger_template(urls), {'"': "&quot;"})
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
        "</XRD>\n"
    )
    return Response(body, media_type="application/xrd+xml")


async def host_meta_json(request: Request) -> Response:
    _settings, urls = _enabled(request)
    link = {"rel": "lrdd", "type": "application/jrd+json", "template": _webfinger_template(urls)}
    return JSONResponse({"links": [link]}, media_type="application/json")


async def nodeinfo_links(request: Request) -> Response:
    _settings, urls = _enabled(request)
    return JSONResponse(
        {"links": [{"rel": NODEINFO_SCHEMA, "href": urls.url("activitypub:nodeinfo")}]}
    )


async def nodeinfo(request: Request) -> Response:
    settings, _urls = _enabled(request)
    members = await Organization.filter(status=OrganizationStatus.ACTIVE).count()
    return JSONResponse(
        {
            "version": "2.1",
            "software": {"name": "amicus", "version": VERSION},
            "protocols": ["activitypub"],
            "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
            "openRegistrations": False,
            "usage": {"users": {"total": members + 1}},
            "metadata": {"nodeName": settings.network_name},
        },
        media_type=f'application/json; profile="{NODEINFO_SCHEMA}#"',
    )


async def actor(request: Request) -> Response:
    found, settings, urls = await _actor_or_404(request)
    key = await actor_key(found.name, settings.secret_key)
    return _activity(actors.actor_document(found, key.public_pem, urls))


async def _receive(request: Request, target: actors.Actor | None) -> Response:
    settings, urls = _enabled(request)
    body = await request.body()
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        sender = await inbox.verified_sender(
            request.method, request.url.path, headers, body, settings
        )
        try:
            activity = json.loads(body)
        except ValueError:
            raise inbox.InboxRefused(400, "the body is not JSON") from None
        if not isinstance(activity, dict):
            raise inbox.InboxRefused(400, "the body is not a JSON object")
        if target is None:  # the shared inbox: the activity names the actor it is for
            name = _local_name(activity, urls)
            target = await actors.find_actor(name, settings, urls) if name else None
        if target is not None:
            await inbox.receive(target, activity, sender, settings, urls)
    except inbox.InboxRefused as refused:
        return JSONResponse({"error": refused.reason}, status_code=refused.status)
    return Response(status_code=202)


def _local_name(activity: dict[str, Any], urls: Urls) -> str | None:
    target = activity.get("object")
    if isinstance(target, dict):
        target = target.get("object") if activity.get("type") == "Undo" else target.get("id")
    found = urls.match(target) if isinstance(target, str) else None
    return found[1]["name"] if found and found[0] == "activitypub:actor" else None


async def actor_inbox(request: Request) -> Response:
    found, _settings, _urls = await _actor_or_404(request)
    return await _receive(request, found)


async def shared_inbox(request: Request) -> Response:
    return await _receive(request, None)


async def followers(request: Request) -> Response:
    """The count is public; the list of who follows is not."""
    found, _settings, urls = await _actor_or_404(request)
    return _activity(
        {
            "@context": actors.AS_CONTEXT,
            "id": urls.url("activitypub:followers", name=found.name),
            "type": "OrderedCollection",
            "totalItems": await Follower.filter(actor=found.name).count(),
        }
    )


async def following(request: Request) -> Response:
    found, _settings, urls = await _actor_or_404(request)
    return _activity(
        {
            "@context": actors.AS_CONTEXT,
            "id": urls.url("activitypub:following", name=found.name),
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }
    )


OUTBOX_PAGE_SIZE = 20
MAX_OUTBOX_PAGE = 100_000


async def outbox(request: Request) -> Response:
    """The Creates of the actor's visible jobs, newest first (the same jobs as its feed): an
    OrderedCollection naming its first and last pages, and OrderedCollectionPages at
    ?page=N (a page past the last is a 404, as everywhere on the site)."""
    found, settings, urls = await _actor_or_404(request)
    shown = Job.filter(visible_now(datetime.now(UTC), settings.job_default_days))
    if found.name != actors.network_username(settings):
        shown = shown.filter(organization__slug=found.name, source_feed_url="")
    total = await shown.count()

    def page_url(number: int | None = None) -> str:
        query = {"page": number} if number is not None else {}
        return urls.url("activitypub:outbox", query, name=found.name)

    raw = request.query_params.get("page")
    if raw is None:
        pages = Page(1, OUTBOX_PAGE_SIZE, total).pages
        return _activity(
            {
                "@context": actors.AS_CONTEXT,
                "id": page_url(),
                "type": "OrderedCollection",
                "totalItems": total,
                "first": page_url(1),
                "last": page_url(pages),
            }
        )
    try:
        number = whole_number(raw, "page", minimum=1, maximum=MAX_OUTBOX_PAGE)
    except InvalidValue as error:
        raise HTTPException(400, str(error)) from error
    page = Page(number, OUTBOX_PAGE_SIZE, total)
    if page.is_past_last:
        raise HTTPException(404, page.past_last_message())
    jobs = (
        await shown.order_by("-posted_at", "-id")
        .offset(page.offset)
        .limit(page.per_page)
        .prefetch_related("organization")
    )
    body: dict[str, Any] = {
        "@context": actors.AS_CONTEXT,
        "id": page_url(number),
        "type": "OrderedCollectionPage",
        "partOf": page_url(),
        "totalItems": total,
        "orderedItems": [
            publishing.activity("Create", found.name, publishing.note(job, settings, urls), urls)
            for job in jobs
        ],
    }
    if page.has_next:
        body["next"] = page_url(number + 1)
    if page.has_previous:
        body["prev"] = page_url(number - 1)
    return _activity(body)


async def job_note(request: Request) -> Response:
    settings, urls = _enabled(request)
    now = datetime.now(UTC)
    job = (
        await Job.filter(
            visible_now(now, settings.job_default_days), uid=request.path_params["uid"]
        )
        .first()
        .prefetch_related("organization")
    )
    if job is None:
        raise HTTPException(404, _("There is no job with this id."))
    return _activity({"@context": actors.AS_CONTEXT} | publishing.note(job, settings, urls))


routes = [
    Route("/.well-known/webfinger", webfinger, name="activitypub:webfinger"),
    Route("/.well-known/nodeinfo", nodeinfo_links, name="activitypub:nodeinfo_links"),
    Route("/.well-known/host-meta", host_meta, name="activitypub:host_meta"),
    Route("/.well-known/host-meta.json", host_meta_json, name="activitypub:host_meta_json"),
    Route("/nodeinfo/2.1", nodeinfo, name="activitypub:nodeinfo"),
    Route("/ap/actors/{name}", actor, name="activitypub:actor"),
    Route("/ap/actors/{name}/inbox", actor_inbox, methods=["POST"], name="activitypub:inbox"),
    Route("/ap/actors/{name}/outbox", outbox, name="activitypub:outbox"),
    Route("/ap/actors/{name}/followers", followers, name="activitypub:followers"),
    Route("/ap/actors/{name}/following", following, name="activitypub:following"),
    Route("/ap/jobs/{uid}", job_note, name="activitypub:note"),
    Route("/admin/fediverse", admin.federation_page, name="activitypub:admin"),
    Route(
        "/admin/fediverse/blocks",
        admin.block_domain,
        methods=["POST"],
        name="activitypub:admin_block",
    ),
    Route(
        "/admin/fediverse/blocks/{block_id:int}/delete",
        admin.unblock_domain,
        methods=["POST"],
        name="activitypub:admin_unblock",
    ),
    Route("/ap/inbox", shared_inbox, methods=["POST"], name="activitypub:shared_inbox"),
]


async def follow_line(request: Request, organization: Organization | None = None) -> Section | None:
    """The "Follow on the fediverse" line with the actor's handle."""
    settings: Settings = request.app.state.settings
    if not settings.activitypub_enabled:
        return None
    name = organization.slug if organization else actors.network_username(settings)
    return ("activitypub/_follow.html", {"handle": f"@{name}@{actors.handle_host(settings)}"})


async def actor_link(request: Request, organization: Organization | None = None) -> FeedLink | None:
    """The page's <link rel="alternate"> to the actor it stands for."""
    settings: Settings = request.app.state.settings
    if not settings.activitypub_enabled or (organization and not organization.is_public):
        return None
    name = organization.slug if organization else actors.network_username(settings)
    handle = f"@{name}@{actors.handle_host(settings)}"
    return (ACTIVITY_TYPE, actors.actor_id(request.app.state.urls, name), handle)


def middleware(settings: Settings, urls: Urls) -> Middleware:
    """The content negotiation of the pages that stand for actors (see activitypub.negotiation)."""
    return Middleware(ActorNegotiation, settings=settings, urls=urls)


def set_up(app: Starlette) -> None:
    app.state.page_sections.add("organization", follow_line)
    app.state.page_sections.add("home", follow_line)
    app.state.page_sections.add_alternate("organization", actor_link)
    app.state.page_sections.add_alternate("home", actor_link)
    if app.state.settings.activitypub_enabled:
        app.state.page_sections.add_admin_page("activitypub:admin", lazy_gettext("Fediverse"))
    add_queue_gauges(
        app.state.metrics,
        "amicus_activitypub_delivery_queue",
        "ActivityPub deliveries",
        lambda: Delivery.filter(delivered_at__isnull=True, gave_up_at__isnull=True),
    )


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    if not settings.activitypub_enabled:
        return []
    return [publishing_worker(settings, urls), delivery_worker(settings, urls)]
