"""Find help: which members take a case from a jurisdiction, most specific first, as a page
and as JSON. One function (find_help) answers both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.expressions import Q

from core.i18n import gettext as _
from core.templating import render
from core.urls import Urls
from core.validation import country_code, decode_tag_list
from core.web import ApiError
from directory.models import Organization, OrganizationKind, OrganizationStatus
from directory.pages import display_helpers
from directory.profile import country_options
from directory.service_areas import CASE_TYPES, first_level_subdivisions, subdivision_options

# How widely a member covers the place asked about; results are ordered by it.
SCOPES = ("subdivision", "national", "international")


class InvalidHelpQuery(ValueError):
    pass


@dataclass(frozen=True)
class HelpQuery:
    country: str = ""
    subdivision: str = ""
    case_type: str = ""

    def as_params(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}


def parse_help_query(params: QueryParams) -> HelpQuery:
    country = params.get("country", "").strip().upper()
    subdivision = params.get("subdivision", "").strip().upper()
    case_type = params.get("case_type", "").strip()
    if country and country_code(country) is None:
        raise InvalidHelpQuery(_("Unknown country code: %(code)s.") % {"code": country})
    if subdivision and (not country or subdivision not in first_level_subdivisions(country)):
        raise InvalidHelpQuery(
            _("%(code)s is not a state or province of the country chosen.") % {"code": subdivision}
        )
    if case_type and case_type not in CASE_TYPES:
        raise InvalidHelpQuery(_("Unknown case type: %(value)s.") % {"value": case_type})
    return HelpQuery(country, subdivision, case_type)


@dataclass
class HelpAnswer:
    query: HelpQuery
    # (member, scope), most specific first.
    matches: list[tuple[Organization, str]] = field(default_factory=list)
    # When nobody covers the place: members based in that country and the network itself.
    nearest: list[Organization] = field(default_factory=list)


def _scope(organization: Organization, query: HelpQuery) -> str:
    areas = decode_tag_list(organization.service_areas)
    if query.subdivision and query.subdivision in areas:
        return "subdivision"
    countries = {code.partition("-")[0] for code in areas}
    return "national" if len(countries) == 1 else "international"


async def find_help(query: HelpQuery) -> HelpAnswer:
    answer = HelpAnswer(query)
    if not query.country:
        return answer
    covers = Q(service_areas__contains=f",{query.country},")
    if query.subdivision:
        covers |= Q(service_areas__contains=f",{query.subdivision},")
    candidates = Organization.filter(
        covers,
        status=OrganizationStatus.ACTIVE,
        accepts_cases=True,
        accepting_applications=True,
    )
    if query.case_type:
        # A member that has not said which case types it takes is not left out.
        candidates = candidates.filter(
            Q(case_types="") | Q(case_types__contains=f",{query.case_type},")
        )
    found = await candidates.prefetch_related("screening_organization")
    ranked = sorted(
        ((member, _scope(member, query)) for member in found),
        key=lambda pair: (SCOPES.index(pair[1]), pair[0].name.casefold()),
    )
    answer.matches = ranked
    if not ranked:
        # The members based in that country, then the network itself, which can ask around.
        answer.nearest = list(
            await Organization.filter(
                Q(country=query.country) | Q(kind=OrganizationKind.NETWORK),
                status=OrganizationStatus.ACTIVE,
            )
        )
        answer.nearest.sort(key=lambda member: member.country != query.country)
    return answer


def _member_json(organization: Organization, urls: Urls) -> dict[str, Any]:
    screening = organization.screening_organization
    return {
        "slug": organization.slug,
        "name": organization.name,
        "url": organization.page_url(urls),
        "country": organization.country,
        "network": organization.network,
        "service_areas": decode_tag_list(organization.service_areas),
        "case_types": decode_tag_list(organization.case_types),
        "court_systems": decode_tag_list(organization.court_systems),
        "languages": decode_tag_list(organization.languages),
        "how_to_apply": {
            "postal_address": organization.apply_postal_address,
            "url": organization.apply_url,
            "phone": organization.apply_phone,
            "email": organization.apply_email,
            "instructions": organization.case_application_info,
        },
        "screened_by": (
            {"slug": screening.slug, "name": screening.name, "url": screening.page_url(urls)}
            if isinstance(screening, Organization)
            else None
        ),
    }


def help_answer_json(answer: HelpAnswer, urls: Urls) -> dict[str, Any]:
    return {
        "query": answer.query.as_params(),
        "results": [
            {**_member_json(member, urls), "scope": scope} for member, scope in answer.matches
        ],
        "nearest": [
            {"slug": member.slug, "name": member.name, "url": member.page_url(urls)}
            for member in answer.nearest
        ],
    }


async def find_help_page(request: Request) -> Response:
    try:
        query = parse_help_query(request.query_params)
    except InvalidHelpQuery as error:
        raise HTTPException(400, str(error)) from error
    answer = await find_help(query)
    return render(
        request,
        "directory/find_help.html",
        {
            "query": query,
            "answer": answer,
            "country_options": country_options(),
            "subdivision_options": subdivision_options(query.country) if query.country else [],
            "case_type_options": [(code, str(label)) for code, label in CASE_TYPES.items()],
            **display_helpers(),
        },
    )


async def find_help_api(request: Request) -> JSONResponse:
    try:
        query = parse_help_query(request.query_params)
    except InvalidHelpQuery as error:
        raise ApiError(400, "invalid_parameter", str(error)) from error
    if not query.country:
        raise ApiError(400, "invalid_parameter", _("Give the country (country=US)."))
    return JSONResponse(help_answer_json(await find_help(query), request.app.state.urls))
