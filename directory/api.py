"""JSON API for the public directory: /api/organizations and /api/organizations/{slug}."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from core.i18n import gettext as _
from core.openapi import error_responses
from core.pagination import paginate
from core.responses import JSONResponse
from core.urls import Urls
from core.validation import decode_tag_list
from core.web import ApiError, query_int
from directory.models import Organization, OrganizationStatus
from directory.profile import REFERRAL_FIELDS, organization_by_slug
from directory.search import FILTER_NAMES, InvalidQuery, find_organizations, parse_query

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


def _linked_json(linked: Organization | None, urls: Urls) -> dict[str, str] | None:
    if not isinstance(linked, Organization) or not linked.is_public:
        return None
    return {"slug": linked.slug, "name": linked.name, "url": linked.page_url(urls)}


def organization_json(organization: Organization, urls: Urls) -> dict[str, Any]:
    """The public profile only: no accounts, tokens, status reasons or audit data. Its
    screening and parent organizations must have been fetched."""
    return {
        "slug": organization.slug,
        "name": organization.name,
        "short_name": organization.short_name,
        "kind": organization.kind.value,
        "description": organization.description,
        "website": organization.website,
        "contact_email": organization.contact_email,
        "city": organization.city,
        "region": organization.region,
        "country": organization.country,
        "languages": decode_tag_list(organization.languages),
        "focus_areas": decode_tag_list(organization.focus_areas),
        "accepts_cases": organization.accepts_cases,
        "case_application_info": organization.case_application_info,
        "logo_url": organization.logo_url,
        "jobs_feed_url": organization.jobs_feed_url,
        "service_areas": decode_tag_list(organization.service_areas),
        "court_systems": decode_tag_list(organization.court_systems),
        "court_areas": decode_tag_list(organization.court_areas),
        "case_types": decode_tag_list(organization.case_types),
        "minimum_sentence_years": organization.minimum_sentence_years,
        "in_custody_only": organization.in_custody_only,
        "eligibility": organization.eligibility,
        "apply_postal_address": organization.apply_postal_address,
        "apply_url": organization.apply_url,
        "apply_phone": organization.apply_phone,
        "apply_email": organization.apply_email,
        "accepting_applications": organization.accepting_applications,
        **{name: _linked_json(getattr(organization, name), urls) for name in REFERRAL_FIELDS},
        "member_since": (
            organization.member_since.isoformat() if organization.member_since else None
        ),
        "network": organization.network,
        "url": organization.page_url(urls),
        "updated_at": organization.updated_at.isoformat(),
    }


async def list_organizations(request: Request) -> JSONResponse:
    urls: Urls = request.app.state.urls
    try:
        query = parse_query(request.query_params)
    except InvalidQuery as error:
        raise ApiError(400, "invalid_parameter", str(error)) from error
    number = query_int(request, "page", 1, minimum=1, maximum=100_000)
    size = query_int(request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    page = paginate(await find_organizations(query), number, size)
    if page.is_past_last:
        raise ApiError(404, "not_found", page.past_last_message())
    await Organization.fetch_for_list(page.items, *REFERRAL_FIELDS)

    def link(page_number: int) -> str:
        params = {**query.as_params(), "page": page_number, "per_page": size}
        return urls.url("directory:api_organizations", params)

    return JSONResponse(
        {
            "items": [organization_json(item, urls) for item in page.items],
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
            "next": link(number + 1) if page.has_next else None,
            "prev": link(number - 1) if page.has_previous else None,
        }
    )


async def get_organization(request: Request) -> JSONResponse:
    organization = await organization_by_slug(
        request.path_params["slug"], status=OrganizationStatus.ACTIVE
    )
    if organization is None:
        raise ApiError(404, "not_found", _("There is no member organization with this slug."))
    await organization.fetch_related(*REFERRAL_FIELDS)
    return JSONResponse(organization_json(organization, request.app.state.urls))


_FILTER_DESCRIPTIONS = {
    "q": "Words that must all appear in the name, short name or city (case and accents ignored)",
    "country": "ISO 3166-1 alpha-2 country code",
    "region": "Region or state, compared case- and accent-blind",
    "kind": "Kind of organization",
    "language": "BCP 47 language tag; 'zh' also matches 'zh-Hant'",
    "focus": "Focus area",
    "accepts_cases": "yes or no",
    "network": "Name of the network the organization belongs to",
}
_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": _FILTER_DESCRIPTIONS[name],
        "schema": {"type": "string"},
    }
    for name in FILTER_NAMES
] + [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    },
]

OPENAPI: dict[str, Any] = {
    "paths": {
        "/api/organizations": {
            "get": {
                "summary": "Active member organizations, filtered and paged",
                "tags": ["directory"],
                "parameters": _PARAMETERS,
                "responses": {
                    "200": {
                        "description": "One page of organizations, ordered by name",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/OrganizationPage"}
                            }
                        },
                    },
                    **error_responses(400, 404),
                },
            }
        },
        "/api/organizations/{slug}": {
            "get": {
                "summary": "One active member organization",
                "tags": ["directory"],
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The organization's public profile",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Organization"}
                            }
                        },
                    },
                    **error_responses(404),
                },
            }
        },
        "/api/find-help": {
            "get": {
                "summary": "Members that take a case from a jurisdiction, most specific first",
                "tags": ["directory"],
                "parameters": [
                    {
                        "name": "country",
                        "in": "query",
                        "required": True,
                        "description": "ISO 3166-1 code of the country of the conviction",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "subdivision",
                        "in": "query",
                        "description": "ISO 3166-2 code of the state or province (US-TX)",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "case_type",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["dna", "non_dna"]},
                    },
                    {
                        "name": "court_system",
                        "in": "query",
                        "description": "The court of the conviction",
                        "schema": {"type": "string", "enum": ["state", "federal", "military"]},
                    },
                    {
                        "name": "in_custody",
                        "in": "query",
                        "description": "Whether the person is still in custody (yes or no)",
                        "schema": {"type": "string", "enum": ["yes", "no"]},
                    },
                    {
                        "name": "years_served",
                        "in": "query",
                        "description": "Years of the sentence served so far",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 99},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The members covering it, and the nearest when none",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/HelpAnswer"}
                            }
                        },
                    },
                    **error_responses(400),
                },
            }
        },
    },
    "schemas": {
        "HelpAnswer": {
            "type": "object",
            "required": ["query", "results", "nearest"],
            "properties": {
                "query": {"type": "object"},
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["slug", "name", "url", "scope", "how_to_apply", "unknown"],
                        "properties": {
                            "slug": {"type": "string"},
                            "name": {"type": "string"},
                            "url": {"type": "string", "format": "uri"},
                            "scope": {
                                "type": "string",
                                "enum": ["subdivision", "national", "international"],
                            },
                            "unknown": {
                                "type": "array",
                                "description": "The questions answered about which the member "
                                "says nothing: it is listed after those that match them all",
                                "items": {
                                    "type": "string",
                                    "enum": [
                                        "case_type",
                                        "court_system",
                                        "in_custody",
                                        "years_served",
                                    ],
                                },
                            },
                            "service_areas": {"type": "array", "items": {"type": "string"}},
                            "how_to_apply": {"type": "object"},
                            "screened_by": {"type": ["object", "null"]},
                        },
                    },
                },
                "nearest": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Organization": {
            "type": "object",
            "required": ["slug", "name", "kind", "country", "network", "url"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "short_name": {"type": "string"},
                "kind": {
                    "type": "string",
                    "enum": [
                        "law_school_clinic",
                        "independent_nonprofit",
                        "public_defender_unit",
                        "law_firm_pro_bono",
                        "network",
                    ],
                },
                "description": {"type": "string"},
                "website": {"type": "string"},
                "contact_email": {"type": "string"},
                "city": {"type": "string"},
                "region": {"type": "string"},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "languages": {"type": "array", "items": {"type": "string"}},
                "focus_areas": {"type": "array", "items": {"type": "string"}},
                "accepts_cases": {"type": "boolean"},
                "case_application_info": {"type": "string"},
                "logo_url": {"type": "string"},
                "jobs_feed_url": {"type": "string"},
                "service_areas": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "ISO 3166-1 countries and ISO 3166-2 subdivisions (US-TX)",
                },
                "court_systems": {"type": "array", "items": {"type": "string"}},
                "court_areas": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Where court systems differ by jurisdiction: system:AREA "
                    "pairs (federal:US, state:US-TX)",
                },
                "case_types": {"type": "array", "items": {"type": "string"}},
                "minimum_sentence_years": {"type": ["integer", "null"]},
                "in_custody_only": {"type": "boolean"},
                "eligibility": {"type": "string"},
                "apply_postal_address": {"type": "string"},
                "apply_url": {"type": "string"},
                "apply_phone": {"type": "string"},
                "apply_email": {"type": "string"},
                "accepting_applications": {"type": "boolean"},
                "screening_organization": {"$ref": "#/components/schemas/LinkedOrganization"},
                "parent_organization": {"$ref": "#/components/schemas/LinkedOrganization"},
                "member_since": {"type": ["string", "null"], "format": "date"},
                "network": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "LinkedOrganization": {
            "type": ["object", "null"],
            "description": "Another member: where applications are screened, or the parent",
            "required": ["slug", "name", "url"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
        },
        "OrganizationPage": {
            "type": "object",
            "required": ["items", "total", "page", "per_page", "next", "prev"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Organization"}},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "next": {"type": ["string", "null"], "format": "uri"},
                "prev": {"type": ["string", "null"], "format": "uri"},
            },
        },
    },
}
