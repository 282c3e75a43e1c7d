"""GET /jobs (HTML) and GET /api/jobs (JSON): one search, the same parameters, the same jobs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.i18n import gettext as _
from core.openapi import error_responses
from core.pagination import page_links
from core.responses import JSONResponse
from core.settings import Settings
from core.templating import render
from core.urls import Urls, feed_links
from core.web import ApiError
from directory.profile import country_name, language_name
from jobs.api import job_resource
from jobs.labels import CATEGORIES, EMPLOYMENT_TYPES, WORK_MODES, display_helpers, options
from jobs.search.cache import SearchCaches
from jobs.search.engine import FacetCount, SearchResult, search_jobs
from jobs.search.fulltext import SearchIndexes
from jobs.search.params import (
    FACETS,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_POSTED_WITHIN_DAYS,
    SORTS,
    JobQuery,
    SearchError,
    job_query_to_params,
    parse_job_query,
)
from jobs.search.suggestions import Suggestion, suggestions
from jobs.snippets import snippet

# Every search is also published as a feed (served by the feeds package, whose route this
# package names without importing it).
SEARCH_FEED = "feeds:jobs_feed"
POSTED_WITHIN_CHOICES = (1, 7, 30, 90)


def query_string(params: list[tuple[str, str]]) -> str:
    return f"?{urlencode(params)}" if params else ""


def search_url(path: str, query: JobQuery, **changes: Any) -> str:
    """path with the query's parameters, after replacing some fields (and back to page 1
    unless a page is given: a changed search starts from its first page)."""
    changes.setdefault("page", 1)
    return path + query_string(job_query_to_params(replace(query, **changes)))


def results_url(urls: Urls, referer: str) -> str:
    """The search result page a visitor came from, when the Referer is this site's search
    page: rebuilt from the search's own parameters (so nothing else of the Referer is
    echoed), on the same page of results; "" for any other Referer."""
    found = urls.match(referer) if referer else None
    if found is None or found[0] != "jobs:search":
        return ""
    try:
        query = parse_job_query(QueryParams(urlsplit(referer).query))
    except SearchError:
        return ""
    return search_url(urls.path("jobs:search"), query, page=query.page)


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str
    count: int
    selected: bool
    url: str


FACET_LABELS = {
    "country": country_name,
    "employment_type": lambda value: str(EMPLOYMENT_TYPES.get(value, value)),
    "category": lambda value: str(CATEGORIES.get(value, value)),
    "work_mode": lambda value: str(WORK_MODES.get(value, value)),
    "language": language_name,
}


def facet_links(result: SearchResult, page: str) -> dict[str, list[FacetLink]]:
    """Each facet value as a link that adds it to the search, or removes it when chosen."""
    query = result.query
    links: dict[str, list[FacetLink]] = {}
    for name in FACETS:
        chosen = tuple(str(value) for value in getattr(query, name))
        links[name] = []
        counted = result.choices.get(name) or result.facets.get(name, [])
        # A chosen value matching nothing stays listed, so that it can be unchosen.
        missing = [
            FacetCount(value, 0) for value in chosen if value not in {c.value for c in counted}
        ]
        for facet in [*counted, *missing]:
            selected = facet.value in chosen
            values = (
                tuple(value for value in chosen if value != facet.value)
                if selected
                else (*chosen, facet.value)
            )
            links[name].append(
                FacetLink(
                    value=facet.value,
                    label=FACET_LABELS[name](facet.value),
                    count=facet.count,
                    selected=selected,
                    url=search_url(page, query, **{name: values}),
                )
            )
    return links


@dataclass(frozen=True)
class SuggestionLink:
    url: str
    label: str
    count: int


def _filter_titles() -> dict[str, str]:
    return {
        "country": _("Country"),
        "region": _("Region"),
        "organization": _("Organization"),
        "employment_type": _("Employment type"),
        "category": _("Category"),
        "work_mode": _("Work mode"),
        "language": _("Language"),
        "posted_within": _("Posted within"),
        "closing_after": _("Still open after"),
        "salary_given": _("Salary"),
    }


def _suggestion_label(query: JobQuery, suggestion: Suggestion, titles: dict[str, str]) -> str:
    if suggestion.corrected:
        return _("Did you mean “%(text)s”?") % {"text": suggestion.query.text}
    if suggestion.dropped_words:
        if suggestion.query.text:
            return _("Search for “%(text)s”, without “%(words)s”") % {
                "text": suggestion.query.text,
                "words": suggestion.dropped_words,
            }
        return _("All open jobs, without “%(words)s”") % {"words": suggestion.dropped_words}
    name = suggestion.dropped_filter
    title = titles[name]
    if name in FACET_LABELS:
        values = ", ".join(FACET_LABELS[name](str(value)) for value in getattr(query, name))
        return _("Without the filter %(filter)s: %(values)s") % {"filter": title, "values": values}
    return _("Without the filter %(filter)s") % {"filter": title}


def suggestion_links(query: JobQuery, found: list[Suggestion], page: str) -> list[SuggestionLink]:
    """Each broader search as a link with its label (in the page's language) and count."""
    titles = _filter_titles()
    return [
        SuggestionLink(
            url=search_url(page, suggestion.query),
            label=_suggestion_label(query, suggestion, titles),
            count=suggestion.count,
        )
        for suggestion in found
    ]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _search_caches(request: Request) -> SearchCaches | None:
    """The application's search caches, unless the settings turn caching off."""
    return request.app.state.search_caches if _settings(request).search_cache else None


def _search_indexes(request: Request) -> SearchIndexes:
    return request.app.state.search_indexes


async def jobs_page(request: Request) -> Response:
    settings = _settings(request)
    urls: Urls = request.app.state.urls
    try:
        query = parse_job_query(request.query_params)
    except SearchError as error:
        # The form comes back with the reason, so the search can be corrected on the spot.
        return render(
            request,
            "jobs/search.html",
            {
                "error": str(error),
                "query": JobQuery(),
                "result": None,
                **_page_parts(JobQuery(), urls),
            },
            status_code=400,
        )
    indexes = _search_indexes(request)
    result = await search_jobs(
        query,
        indexes=indexes,
        default_days=settings.job_default_days,
        caches=_search_caches(request),
        choices=True,
    )
    if result.is_past_last:
        raise HTTPException(404, result.past_last_message())
    # Nothing found: the nearest searches that find something, each a link.
    found = (
        await suggestions(query, indexes=indexes, default_days=settings.job_default_days)
        if result.total == 0
        else []
    )
    return render(
        request,
        "jobs/search.html",
        {
            "error": "",
            "query": query,
            "result": result,
            "suggestions": suggestion_links(query, found, urls.path("jobs:search")),
            **_page_parts(query, urls, result),
        },
    )


def _page_parts(query: JobQuery, urls: Urls, result: SearchResult | None = None) -> dict[str, Any]:
    page = urls.path("jobs:search")
    return {
        "feed_links": feed_links(urls, SEARCH_FEED, query=job_query_to_params(query, page=False)),
        "facet_links": facet_links(result, page) if result else {},
        # The facet form sends its checkboxes; everything else in the search rides along.
        "facet_form_fields": job_query_to_params(
            replace(query, **{name: () for name in FACETS}, page=1), page=False
        ),
        "sort_links": [(sort, search_url(page, query, sort=sort)) for sort in SORTS],
        "pagination": (
            page_links(result, lambda number: search_url(page, query, page=number), MAX_PAGE)
            if result
            else None
        ),
        "employment_type_options": options(EMPLOYMENT_TYPES),
        "category_options": options(CATEGORIES),
        "work_mode_options": options(WORK_MODES),
        "posted_within_choices": POSTED_WITHIN_CHOICES,
        "snippet": snippet,
        **display_helpers(),
    }


def search_document(result: SearchResult, urls: Urls) -> dict[str, Any]:
    """The JSON answer: the page's jobs as GET /api/jobs/{uid} shows them, totals, facets."""
    query = result.query
    api_url = urls.url("jobs:api_search")
    return {
        "items": [job_resource(job, job.organization, urls) for job in result.jobs],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "sort": query.effective_sort,
        "facets": {
            name: [{"value": facet.value, "count": facet.count} for facet in counts]
            for name, counts in result.facets.items()
        },
        "links": {
            "self": search_url(api_url, query, page=query.page),
            "next": search_url(api_url, query, page=query.page + 1) if result.has_next else None,
            "prev": (
                search_url(api_url, query, page=query.page - 1) if result.has_previous else None
            ),
            "html": search_url(urls.url("jobs:search"), query, page=query.page),
        },
    }


async def jobs_api(request: Request) -> Response:
    settings = _settings(request)
    try:
        query = parse_job_query(request.query_params)
    except SearchError as error:
        raise ApiError(
            400, "invalid_parameter", str(error), {error.parameter: str(error)}
        ) from None
    result = await search_jobs(
        query,
        indexes=_search_indexes(request),
        default_days=settings.job_default_days,
        caches=_search_caches(request),
    )
    if result.is_past_last:
        raise ApiError(404, "not_found", result.past_last_message())
    return JSONResponse(search_document(result, request.app.state.urls))


routes = [
    Route("/jobs", jobs_page, methods=["GET"], name="jobs:search"),
    Route("/api/jobs", jobs_api, methods=["GET"], name="jobs:api_search"),
]


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _many(values: list[str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "string"}
    if values:
        item["enum"] = values
    return {"type": "array", "items": item}


SEARCH_PARAMETERS = [
    _parameter(
        "q",
        "Words to find, all of them, in other forms too (English and Spanish stemming: "
        "'fellowships' finds 'fellowship', 'abogadas' finds 'abogado'); OR (or Spanish O) in "
        "capitals between two words finds either; words in double quotes (also “curly” or "
        '「corner」 ones) must follow one another in that order, "wrongful conviction"; no other '
        "punctuation is syntax",
        {"type": "string"},
    ),
    _parameter("country", "ISO 3166-1 alpha-2, repeatable or comma-separated", _many()),
    _parameter("region", "Exact region, repeatable", _many()),
    _parameter("organization", "Organization slug, repeatable", _many()),
    _parameter("employment_type", "schema.org employment type", _many(list(EMPLOYMENT_TYPES))),
    _parameter("category", "Job category", _many(list(CATEGORIES))),
    _parameter("work_mode", "Work mode", _many(list(WORK_MODES))),
    _parameter("language", "BCP 47 tag; 'es' also finds 'es-AR'", _many()),
    _parameter(
        "posted_within",
        "Posted within this many days",
        {"type": "integer", "minimum": 1, "maximum": MAX_POSTED_WITHIN_DAYS},
    ),
    _parameter(
        "closing_after",
        "Still open after this day (YYYY-MM-DD); empty, as a search form sends it, is no limit",
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]},
    ),
    _parameter("salary_given", "Only jobs with (or without) a salary", {"type": "boolean"}),
    _parameter(
        "sort",
        "relevance (default with q), newest (default without), closing (soonest first)",
        {"type": "string", "enum": list(SORTS)},
    ),
    _parameter("page", "Page number", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    _parameter(
        "per_page", "Jobs per page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}
    ),
]
_FACET_COUNTS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
    },
}
_LINK = {"type": ["string", "null"], "format": "uri"}
SEARCH_RESULT = {
    "type": "object",
    "required": ["items", "total", "page", "per_page", "pages", "facets", "links"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "pages": {"type": "integer"},
        "sort": {"type": "string", "enum": list(SORTS)},
        "facets": {
            "type": "object",
            "description": "Counts over every matching job, not only this page",
            "properties": {name: _FACET_COUNTS for name in FACETS},
        },
        "links": {
            "type": "object",
            "properties": {"self": _LINK, "next": _LINK, "prev": _LINK, "html": _LINK},
        },
    },
}
OPENAPI = {
    "paths": {
        "/api/jobs": {
            "get": {
                "summary": "Search open jobs",
                "description": (
                    "Published, open jobs of active organizations; the same parameters as the "
                    "/jobs page and the /jobs/feed.* feeds, which return the same jobs. Several "
                    "values of one filter (repeated, country=US&country=CA, or comma-separated) "
                    "find jobs with any of them; different filters must all hold."
                ),
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": {
                        "description": "One page of matching jobs",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/JobSearchResult"}
                            }
                        },
                    },
                    **error_responses(400, 404),
                },
            }
        }
    },
    "schemas": {"JobSearchResult": SEARCH_RESULT},
}
