"""The HSDS 3.0 API: the `/` endpoint, organizations and services (each member's case
intake), with the specification's paging fields, cumulative filters, modified_after and
minimal. Only active members, as in the rest of the public directory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.queryset import QuerySet

from core.i18n import gettext as _
from core.pagination import Page
from core.urls import Urls
from core.validation import boolean
from core.web import ApiError, query_int
from directory.models import Organization, OrganizationStatus
from hsds.shapes import (
    HSDS_VERSION,
    organization_json,
    organization_uuid,
    service_json,
    service_uuid,
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


def _members(request: Request, *, services: bool) -> QuerySet[Organization]:
    """Active members narrowed by every filter given (they add up, as HSDS requires)."""
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


def _minimal(id_of: Callable[[Organization], str]) -> Callable[[Organization], dict]:
    return lambda organization: {
        "id": id_of(organization),
        "last_modified": organization.updated_at.isoformat(),
    }


async def root(request: Request) -> JSONResponse:
    return JSONResponse(
        {"version": HSDS_VERSION, "profile": SPEC_PROFILE, "openapi_url": SPEC_OPENAPI}
    )


async def organizations(request: Request) -> JSONResponse:
    urls: Urls = request.app.state.urls
    if _flag(request, "minimal"):
        shape = _minimal(lambda item: organization_uuid(urls, item))
    else:
        shape = lambda item: organization_json(urls, item)  # noqa: E731
    return await _page(request, _members(request, services=False), shape)


async def services(request: Request) -> JSONResponse:
    urls: Urls = request.app.state.urls
    found = _members(request, services=True)
    wanted = request.query_params.get("organization_id", "")
    if wanted:
        matching = [item.id for item in await found if organization_uuid(urls, item) == wanted]
        found = found.filter(id__in=matching)
    if _flag(request, "minimal"):
        shape = _minimal(lambda item: service_uuid(urls, item))
    else:
        full = _flag(request, "full")
        shape = lambda item: service_json(urls, item, full=full)  # noqa: E731
    return await _page(request, found, shape)


async def _one(
    request: Request, id_of: Callable[[Urls, Organization], str], *, services: bool
) -> Organization:
    urls: Urls = request.app.state.urls
    wanted = request.path_params["id"]
    # Ids are derived, not stored: a directory holds hundreds of members, not millions.
    for organization in await _members(request, services=services):
        if id_of(urls, organization) == wanted:
            return organization
    raise ApiError(404, "not_found", _("There is nothing with this id here."))


async def organization(request: Request) -> JSONResponse:
    found = await _one(request, organization_uuid, services=False)
    body = organization_json(request.app.state.urls, found)
    if found.accepts_cases:
        body["services"] = [service_json(request.app.state.urls, found, full=False)]
    return JSONResponse(body)


async def service(request: Request) -> JSONResponse:
    found = await _one(request, service_uuid, services=True)
    return JSONResponse(service_json(request.app.state.urls, found, full=True))


routes = [
    Route("/hsds/", root, name="hsds:root"),
    Route("/hsds/organizations", organizations, name="hsds:organizations"),
    Route("/hsds/organizations/{id}", organization, name="hsds:organization"),
    Route("/hsds/services", services, name="hsds:services"),
    Route("/hsds/services/{id}", service, name="hsds:service"),
]
