"""Public pages: home, the member directory and organization pages."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.i18n import gettext as _
from core.pagination import page_links, paginate
from core.templating import render
from core.urls import FEED_MEDIA_TYPES, JOB_FEED_FORMATS, FeedLink, Urls, feed_links
from core.validation import decode_tag_list
from core.web import query_int
from directory.auth import can_manage_organization, current_account
from directory.membership import (
    history_action_label,
    history_state_label,
    role_label,
    status_label,
)
from directory.models import Organization, OrganizationStatus
from directory.profile import (
    FOCUS_AREAS,
    KINDS,
    country_name,
    kind_options,
    language_name,
    organization_by_slug,
)
from directory.search import (
    InvalidQuery,
    directory_facets,
    find_organizations,
    parse_query,
)
from directory.sections import alternates, sections
from directory.service_areas import CASE_TYPES, COURT_SYSTEMS, area_name

DIRECTORY_PAGE_SIZE = 20
MAX_PAGE = 10_000


def display_helpers() -> dict:
    """Labels templates use to show stored codes in words."""
    return {
        "country_name": country_name,
        "KINDS": KINDS,
        "FOCUS_AREAS": FOCUS_AREAS,
        "status_label": status_label,
        "role_label": role_label,
        "history_action_label": history_action_label,
        "history_state_label": history_state_label,
        "tag_list": decode_tag_list,
        "language_name": language_name,
        "area_name": area_name,
        "COURT_SYSTEMS": COURT_SYSTEMS,
        "CASE_TYPES": CASE_TYPES,
    }


def directory_feed_link(urls: Urls) -> FeedLink:
    title = f"{_('Directory')} ({JOB_FEED_FORMATS['atom']})"
    return (FEED_MEDIA_TYPES["atom"], urls.path("feeds:directory_feed"), title)


async def home(request: Request) -> Response:
    await current_account(request)
    active = Organization.filter(status=OrganizationStatus.ACTIVE)
    countries = await active.values_list("country", flat=True)
    return render(
        request,
        "home.html",
        {
            "member_count": await active.count(),
            "country_count": len(set(countries)),
            "sections": await sections("home", request),
            "feed_links": [
                *feed_links(request.app.state.urls, "feeds:jobs_feed", _("Jobs")),
                directory_feed_link(request.app.state.urls),
                *await alternates("home", request),
            ],
        },
    )


async def directory_page(request: Request) -> Response:
    await current_account(request)
    try:
        query = parse_query(request.query_params)
    except InvalidQuery as error:
        raise HTTPException(400, str(error)) from error
    number = query_int(request, "page", 1, minimum=1, maximum=MAX_PAGE)
    page = paginate(await find_organizations(query), number, DIRECTORY_PAGE_SIZE)
    if page.is_past_last:
        raise HTTPException(404, page.past_last_message())
    params = query.as_params()
    urls: Urls = request.app.state.urls
    return render(
        request,
        "directory/directory.html",
        {
            "query": query,
            "page": page,
            "facets": await directory_facets(),
            "kind_options": kind_options(),
            "pagination": page_links(
                page,
                lambda number: urls.path("directory:directory", {**params, "page": number}),
                MAX_PAGE,
            ),
            "feed_links": [
                directory_feed_link(urls),
                (FEED_MEDIA_TYPES["opml"], urls.path("feeds:opml_feed"), "OPML"),
            ],
            **display_helpers(),
        },
    )


async def organization_page(request: Request) -> Response:
    account = await current_account(request)
    organization = await organization_by_slug(request.path_params["slug"])
    # Members of a not (yet) active organization and administrators see it; nobody else.
    if organization is None or not (
        organization.is_public or can_manage_organization(account, organization)
    ):
        raise HTTPException(404, _("There is no member organization at this address."))
    await organization.fetch_related("screening_organization", "parent_organization")
    return render(
        request,
        "directory/organization.html",
        {
            "organization": organization,
            "canonical_url": organization.canonical_url(request.app.state.urls),
            "social": {
                "title": organization.name,
                "description": organization.description,
                "type": "website",
            },
            "screened_members": await Organization.filter(
                screening_organization=organization, status=OrganizationStatus.ACTIVE
            ),
            "sections": await sections("organization", request, organization=organization),
            # An organization that is not active has no feed (the feed answers 404).
            "feed_links": feed_links(
                request.app.state.urls,
                "feeds:organization_feed",
                organization.name,
                slug=organization.slug,
            )
            + await alternates("organization", request, organization=organization)
            if organization.is_public
            else [],
            **display_helpers(),
        },
    )
