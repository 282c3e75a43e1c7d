"""Find help: which members take a case from a jurisdiction, most specific first, as a page
and as JSON. One function (find_help) answers both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.support import LazyProxy
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.responses import JSONResponse
from core.templating import render
from core.urls import Urls
from core.validation import boolean, country_code, decode_tag_list
from core.web import ApiError
from directory.models import Organization, OrganizationKind, OrganizationStatus
from directory.pages import display_helpers
from directory.profile import country_options
from directory.service_areas import (
    CASE_TYPES,
    COURT_SYSTEMS,
    court_systems_at,
    first_level_subdivisions,
    subdivision_options,
)

# How widely a member covers the place asked about; results are ordered by it.
SCOPES = ("subdivision", "national", "international")

# The optional questions, each a criterion a member may have said something about, in the
# order the page asks them.
CRITERIA: dict[str, LazyProxy] = {
    "case_type": lazy_gettext("kind of case"),
    "court_system": lazy_gettext("court"),
    "in_custody": lazy_gettext("custody"),
    "years_served": lazy_gettext("years served"),
}
MAX_YEARS = 99


class InvalidHelpQuery(ValueError):
    pass


@dataclass(frozen=True)
class HelpQuery:
    country: str = ""
    subdivision: str = ""
    case_type: str = ""
    court_system: str = ""
    # Whether the person is still in custody; None when not said.
    in_custody: bool | None = None
    years_served: int | None = None

    def as_params(self) -> dict[str, str]:
        """The query as the page's form and the API take it."""
        params = {
            name: value
            for name, value in (
                ("country", self.country),
                ("subdivision", self.subdivision),
                ("case_type", self.case_type),
                ("court_system", self.court_system),
                ("in_custody", {True: "yes", False: "no"}.get(self.in_custody, "")),
                ("years_served", "" if self.years_served is None else str(self.years_served)),
            )
            if value
        }
        return params

    @property
    def criteria(self) -> list[str]:
        """The optional questions answered."""
        return [name for name in CRITERIA if self.as_params().get(name)]


def _years(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_YEARS:
        raise InvalidHelpQuery(
            _("Years served must be a whole number from 0 to %(most)s.") % {"most": MAX_YEARS}
        )
    return int(raw)


def parse_help_query(params: QueryParams) -> HelpQuery:
    country = params.get("country", "").strip().upper()
    subdivision = params.get("subdivision", "").strip().upper()
    case_type = params.get("case_type", "").strip()
    court_system = params.get("court_system", "").strip()
    custody = params.get("in_custody", "").strip()
    if country and country_code(country) is None:
        raise InvalidHelpQuery(_("Unknown country code: %(code)s.") % {"code": country})
    if subdivision and (not country or subdivision not in first_level_subdivisions(country)):
        raise InvalidHelpQuery(
            _("%(code)s is not a state or province of the country chosen.") % {"code": subdivision}
        )
    if case_type and case_type not in CASE_TYPES:
        raise InvalidHelpQuery(_("Unknown case type: %(value)s.") % {"value": case_type})
    if court_system and court_system not in COURT_SYSTEMS:
        raise InvalidHelpQuery(_("Unknown court system: %(value)s.") % {"value": court_system})
    in_custody = boolean(custody) if custody else None
    if custody and in_custody is None:
        raise InvalidHelpQuery(_("in_custody must be yes or no."))
    years = _years(params.get("years_served", "").strip())
    return HelpQuery(country, subdivision, case_type, court_system, in_custody, years)


@dataclass
class HelpMatch:
    member: Organization
    scope: str
    # The questions answered about which the member says nothing.
    unknown: list[str]


@dataclass
class HelpAnswer:
    query: HelpQuery
    # Those that match every answer first, then those that say nothing about some; the most
    # specific first within each.
    matches: list[HelpMatch] = field(default_factory=list)
    # When nobody covers the place: members based in that country and the network itself.
    nearest: list[Organization] = field(default_factory=list)


def _scope(organization: Organization, query: HelpQuery) -> str:
    areas = decode_tag_list(organization.service_areas)
    if query.subdivision and query.subdivision in areas:
        return "subdivision"
    countries = {code.partition("-")[0] for code in areas}
    return "national" if len(countries) == 1 else "international"


def _tag_answer(stored: str, wanted: str) -> bool | None:
    tags = decode_tag_list(stored)
    return None if not tags else wanted in tags


def _criterion(organization: Organization, query: HelpQuery, name: str) -> bool | None:
    """Whether the member takes a case with this answer: yes, no, or None when it does not
    say. Nothing in a profile says a member also takes people released from custody, so an
    unrestricted member is unknown on that question rather than guessed either way."""
    if name == "case_type":
        return _tag_answer(organization.case_types, query.case_type)
    if name == "court_system":
        here = court_systems_at(organization, query.country, query.subdivision)
        return query.court_system in here if here else None
    if name == "in_custody":
        return query.in_custody if organization.in_custody_only else None
    minimum = organization.minimum_sentence_years
    return None if minimum is None or query.years_served is None else query.years_served >= minimum


def _match(organization: Organization, query: HelpQuery) -> HelpMatch | None:
    answers = {name: _criterion(organization, query, name) for name in query.criteria}
    if False in answers.values():
        return None
    unknown = [name for name, answer in answers.items() if answer is None]
    return HelpMatch(organization, _scope(organization, query), unknown)


async def find_help(query: HelpQuery) -> HelpAnswer:
    answer = HelpAnswer(query)
    if not query.country:
        return answer
    covers = Q(service_areas__contains=f",{query.country},")
    if query.subdivision:
        covers |= Q(service_areas__contains=f",{query.subdivision},")
    found = await Organization.filter(
        covers,
        status=OrganizationStatus.ACTIVE,
        accepts_cases=True,
        accepting_applications=True,
    ).prefetch_related("screening_organization")
    matches = [match for match in (_match(member, query) for member in found) if match]
    answer.matches = sorted(
        matches,
        key=lambda match: (
            bool(match.unknown),
            SCOPES.index(match.scope),
            len(match.unknown),
            match.member.name.casefold(),
        ),
    )
    if not matches:
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
        "court_areas": decode_tag_list(organization.court_areas),
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
            {**_member_json(match.member, urls), "scope": match.scope, "unknown": match.unknown}
            for match in answer.matches
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
            "court_system_options": [(code, str(label)) for code, label in COURT_SYSTEMS.items()],
            "custody_options": [
                ("yes", _("Yes, still in custody")),
                ("no", _("No, no longer in custody")),
            ],
            "CRITERIA": CRITERIA,
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
