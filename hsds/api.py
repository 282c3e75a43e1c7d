"""The HSDS 3.0 API: the `/` endpoint, organizations, services (each member's case intake)
and services at locations (that intake at the member's postal or physical location), with the specification's paging fields, cumulative filters, modified_after and
minimal. Only active members, as in the rest of the public directory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from tortoise.queryset import QuerySet

from core.background import BackgroundWorker
from core.i18n import gettext as _
from core.pagination import Page
from core.responses import JSONResponse
from core.settings import Settings
from core.urls import Urls
from core.validation import boolean
from core.web import ApiError, query_int
from directory.models import Organization, OrganizationStatus
from hsds.shapes import (
    HSDS_VERSION,
    location_json,
    organization_json,
    service_at_location_json,
    service_json,
    store_hsds_ids,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
SPEC_OPENAPI = (
    "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
)
SPEC_PROFILE = "https://docs.openreferral.org/en/3.0/"


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "")
    if not raw:
        return False
    value = boolean(raw)
    if value is None:
        raise ApiError(
            400, "invalid_parameter", _("%(name)s must be true or false.") % {"name": name}
        )
    return value


async def _members(request: Request, *, services: bool) -> QuerySet[Organization]:
    """Active members narrowed by every filter given (they add up, as HSDS requires)."""
    # Members made since the last look get their ids first (one indexed query when none).
    await store_hsds_ids(request.app.state.urls)
    found = Organization.filter(status=OrganizationStatus.ACTIVE)
    if services:
        found = found.filter(accepts_cases=True)
    raw = request.query_params.get("modified_after", "")
    if raw:
        try:
            since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as error:
            raise ApiError(
                400, "invalid_parameter", _("modified_after must be an ISO 8601 date and time.")
            ) from error
        found = found.filter(updated_at__gte=since)
    search = request.query_params.get("search", "").strip()
    if search:
        found = found.filter(name__icontains=search[:200])
    wanted = request.query_params.get("organization_id", "")
    if services and wanted:
        found = found.filter(hsds_id=wanted)
    return found.order_by("id").prefetch_related("parent_organization")


async def _page(
    request: Request, found: QuerySet[Organization], shape: Callable[[Organization], dict]
) -> JSONResponse:
    number = query_int(request, "page", 1, minimum=1, maximum=100_000)
    size = query_int(request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    total = await found.count()
    page = Page(number, size, total)
    if page.is_past_last:
        raise ApiError(404, "not_found", page.past_last_message())
    items = await found.offset(page.offset).limit(size)
    return JSONResponse(
        {
            "total_items": total,
            "total_pages": page.pages,
            "page_number": number,
            "size": len(items),
            "first_page": number == 1,
            "last_page": not page.has_next,
            "empty": total == 0,
            "contents": [shape(item) for item in items],
        }
    )


def _minimal(column: str) -> Callable[[Organization], dict]:
    return lambda organization: {
        "id": getattr(organization, column),
        "last_modified": organization.updated_at.isoformat(),
    }


async def root(request: Request) -> JSONResponse:
    return JSONResponse(
        {"version": HSDS_VERSION, "profile": SPEC_PROFILE, "openapi_url": SPEC_OPENAPI}
    )


# An object of a listing from a member: (urls, member, full) -> the object.
Shape = Callable[[Urls, Organization, bool], dict]


async def _listing(
    request: Request, id_column: str, shape: Shape, *, services: bool
) -> JSONResponse:
    """A page of one kind of object, each as `shape` makes it, or with `minimal` only its id
    (stored in `id_column`) and when it last changed."""
    urls: Urls = request.app.state.urls
    if _flag(request, "minimal"):
        chosen = _minimal(id_column)
    else:
        full = _flag(request, "full")
        chosen = lambda item: shape(urls, item, full)  # noqa: E731
    return await _page(request, await _members(request, services=services), chosen)


async def organizations(request: Request) -> JSONResponse:
    return await _listing(
        request, "hsds_id", lambda urls, item, _full: organization_json(urls, item), services=False
    )


async def services(request: Request) -> JSONResponse:
    return await _listing(
        request,
        "hsds_service_id",
        lambda urls, item, full: service_json(urls, item, full=full),
        services=True,
    )


async def service_at_locations(request: Request) -> JSONResponse:
    """Each member's case intake at its location: the postal address applications go to,
    or where it is."""
    return await _listing(
        request,
        "hsds_service_at_location_id",
        lambda urls, item, full: service_at_location_json(urls, item, full=full),
        services=True,
    )


async def _one(request: Request, column: str, *, services: bool) -> Organization:
    found = await (await _members(request, services=services)).get_or_none(
        **{column: request.path_params["id"]}
    )
    if found is None:
        raise ApiError(404, "not_found", _("There is nothing with this id here."))
    return found


async def organization(request: Request) -> JSONResponse:
    urls: Urls = request.app.state.urls
    found = await _one(request, "hsds_id", services=False)
    body = organization_json(urls, found)
    body["locations"] = [location_json(found, full=True)]
    if found.accepts_cases:
        body["services"] = [service_json(urls, found, full=False)]
    return JSONResponse(body)


async def service(request: Request) -> JSONResponse:
    found = await _one(request, "hsds_service_id", services=True)
    return JSONResponse(service_json(request.app.state.urls, found, full=True))


async def service_at_location(request: Request) -> JSONResponse:
    found = await _one(request, "hsds_service_at_location_id", services=True)
    return JSONResponse(service_at_location_json(request.app.state.urls, found, full=True))


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    @asynccontextmanager
    async def refresh_ids(app: Starlette) -> AsyncIterator[None]:
        # The ids of this instance's members derive from its base URL, which may have moved.
        await store_hsds_ids(urls, every=True)
        yield

    return [refresh_ids]


routes = [
    Route("/hsds/", root, name="hsds:root"),
    Route("/hsds/organizations", organizations, name="hsds:organizations"),
    Route("/hsds/organizations/{id}", organization, name="hsds:organization"),
    Route("/hsds/services", services, name="hsds:services"),
    Route("/hsds/services/{id}", service, name="hsds:service"),
    Route("/hsds/service_at_locations", service_at_locations, name="hsds:service_at_locations"),
    Route("/hsds/service_at_locations/{id}", service_at_location, name="hsds:service_at_location"),
]
