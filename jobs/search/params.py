"""Job search parameters: query-string values -> a validated JobQuery, and back.

The same parameters drive /jobs, /api/jobs and the job feeds, so a search and its feed
always find the same jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from core.i18n import gettext as _
from core.search_terms import Group, canonical_query, group_terms, query_groups
from core.settings import Settings
from core.validation import (
    InvalidValue,
    boolean,
    country_code,
    enum_member,
    is_slug,
    iso_date,
    normalize_language_tag,
    whole_number,
)
from directory.profile import SLUG_MAX
from jobs.models import Category, EmploymentType, WorkMode

SORTS = ("relevance", "newest", "closing")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 32
MAX_VALUES_PER_FILTER = 50
MAX_POSTED_WITHIN_DAYS = 365
DEFAULT_JOB_DAYS = Settings.job_default_days
E = TypeVar("E", bound=StrEnum)
FACETS = ("country", "employment_type", "category", "work_mode", "language")


class SearchError(ValueError):
    """A malformed search parameter; the message is the reason, already translated."""

    def __init__(self, message: str, parameter: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class JobQuery:
    text: str = ""
    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    organization: tuple[str, ...] = ()
    employment_type: tuple[EmploymentType, ...] = ()
    category: tuple[Category, ...] = ()
    work_mode: tuple[WorkMode, ...] = ()
    language: tuple[str, ...] = ()
    posted_within: int | None = None
    closing_after: date | None = None
    salary_given: bool | None = None
    # Empty means the default: relevance with a text query, newest without.
    sort: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def groups(self) -> tuple[Group, ...]:
        """The words to find, parsed (core.search_terms.query_groups: OR between words)."""
        return query_groups(self.text)

    @property
    def terms(self) -> list[str]:
        """Every distinct term of the words, alternatives included."""
        return group_terms(self.groups)

    @property
    def canonical_text(self) -> str:
        """The words as one text per meaning: "ATTORNEY" and "attorney" share cache entries."""
        return canonical_query(self.groups)

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.text:
            return "newest"
        return self.sort or ("relevance" if self.text else "newest")

    def with_page(self, page: int) -> JobQuery:
        return replace(self, page=page)


# --- parameters ---------------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value given for a name: repeated (country=US&country=CA) or comma-separated."""
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        value = params.get(name)
        raw = [] if value is None else (list(value) if isinstance(value, list | tuple) else [value])
    values = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
    if len(values) > MAX_VALUES_PER_FILTER:
        raise SearchError(
            _("'%(name)s' accepts at most %(max)d values.")
            % {"name": name, "max": MAX_VALUES_PER_FILTER},
            name,
        )
    return list(dict.fromkeys(values))


def _single(params: Mapping[str, Any], name: str) -> str:
    values = _values(params, name)
    if len(values) > 1:
        raise SearchError(_("'%(name)s' takes a single value.") % {"name": name}, name)
    return values[0] if values else ""


def _enum_values(params: Mapping[str, Any], name: str, enum: type[E]) -> tuple[E, ...]:
    chosen = []
    for value in _values(params, name):
        member = enum_member(value, enum)
        if member is None:
            allowed = ", ".join(member.value for member in enum)
            raise SearchError(
                _("Unknown %(name)s '%(value)s'; use one of: %(allowed)s.")
                % {"name": name, "value": value, "allowed": allowed},
                name,
            )
        chosen.append(member)
    return tuple(chosen)


def _whole_number(
    params: Mapping[str, Any],
    name: str,
    minimum: int,
    maximum: int,
    *,
    blank_is_unset: bool = False,
) -> int | None:
    """The parameter's number, None when absent; a blank value is an error unless the search
    form offers it (its "any" choice), since the API describes these as integers."""
    raw = _single(params, name)
    if not raw and (blank_is_unset or params.get(name) is None):
        return None
    try:
        return whole_number(raw, name, minimum=minimum, maximum=maximum)
    except InvalidValue as error:
        raise SearchError(str(error), name) from None


def _text(params: Mapping[str, Any]) -> str:
    raw = params.getlist("q") if hasattr(params, "getlist") else [params.get("q") or ""]
    text = " ".join(" ".join(str(item).split()) for item in raw if item).strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchError(
            _("The search text must be at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            "q",
        )
    if len(group_terms(query_groups(text))) > MAX_QUERY_TERMS:
        raise SearchError(
            _("The search text may hold at most %(max)d words.") % {"max": MAX_QUERY_TERMS},
            "q",
        )
    return text


def _each(
    params: Mapping[str, Any],
    name: str,
    rule: Callable[[str], str | None],
    refusal: Callable[[str], str],
) -> tuple[str, ...]:
    """Every value of the parameter as the rule reads it; SearchError at the first it refuses."""
    read = []
    for value in _values(params, name):
        result = rule(value)
        if result is None:
            raise SearchError(refusal(value), name)
        read.append(result)
    return tuple(dict.fromkeys(read))


def _countries(params: Mapping[str, Any]) -> tuple[str, ...]:
    return _each(
        params,
        "country",
        country_code,
        lambda value: (
            _("Unknown country code '%(code)s'; use ISO 3166-1 codes such as US or AR.")
            % {"code": value.upper()}
        ),
    )


def _languages(params: Mapping[str, Any]) -> tuple[str, ...]:
    return _each(
        params,
        "language",
        normalize_language_tag,
        lambda value: (
            _("Unknown language '%(value)s'; use a BCP 47 tag such as en, es or ja.")
            % {"value": value}
        ),
    )


def _date(params: Mapping[str, Any], name: str) -> date | None:
    raw = _single(params, name)
    if not raw:
        return None
    day = iso_date(raw)
    if day is None:
        raise SearchError(_("'%(name)s' must be a date written YYYY-MM-DD.") % {"name": name}, name)
    return day


def _boolean(params: Mapping[str, Any], name: str) -> bool | None:
    raw = _single(params, name)
    if not raw:
        return None
    value = boolean(raw)
    if value is None:
        raise SearchError(_("'%(name)s' must be true or false.") % {"name": name}, name)
    return value


def _sort(params: Mapping[str, Any]) -> str:
    sort = _single(params, "sort")
    if sort and sort not in SORTS:
        raise SearchError(
            _("Unknown sort '%(value)s'; use one of: %(allowed)s.")
            % {"value": sort, "allowed": ", ".join(SORTS)},
            "sort",
        )
    return sort


def _organizations(params: Mapping[str, Any]) -> tuple[str, ...]:
    slugs = tuple(value.lower() for value in _values(params, "organization"))
    for slug in slugs:
        if not is_slug(slug, SLUG_MAX):
            raise SearchError(
                _(
                    "'organization' takes organization slugs: at most %(max)d lowercase "
                    "letters, digits and single hyphens."
                )
                % {"max": SLUG_MAX},
                "organization",
            )
    return slugs


def parse_job_query(params: Mapping[str, Any]) -> JobQuery:
    """A JobQuery from query parameters; unknown names (utm_*, lang) are ignored."""
    organizations = _organizations(params)
    return JobQuery(
        text=_text(params),
        country=_countries(params),
        region=tuple(value[:100] for value in _values(params, "region")),
        organization=organizations,
        employment_type=_enum_values(params, "employment_type", EmploymentType),
        category=_enum_values(params, "category", Category),
        work_mode=_enum_values(params, "work_mode", WorkMode),
        language=_languages(params),
        posted_within=_whole_number(
            params, "posted_within", 1, MAX_POSTED_WITHIN_DAYS, blank_is_unset=True
        ),
        closing_after=_date(params, "closing_after"),
        salary_given=_boolean(params, "salary_given"),
        sort=_sort(params),
        page=_whole_number(params, "page", 1, MAX_PAGE) or 1,
        per_page=_whole_number(params, "per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE,
    )


def job_query_to_params(query: JobQuery, *, page: bool = True) -> list[tuple[str, str]]:
    """The canonical parameters of a query (defaults left out), for links and feed URLs."""
    params: list[tuple[str, str]] = []
    if query.text:
        params.append(("q", query.text))
    for item in fields(JobQuery):
        value = getattr(query, item.name)
        if item.name in ("text", "sort", "page", "per_page") or value in (None, ()):
            continue
        if isinstance(value, tuple):
            params.extend((item.name, str(member)) for member in value)
        elif isinstance(value, bool):
            params.append((item.name, "true" if value else "false"))
        else:
            params.append((item.name, str(value)))
    if query.sort:
        params.append(("sort", query.sort))
    if page and query.page != 1:
        params.append(("page", str(query.page)))
    if query.per_page != DEFAULT_PER_PAGE:
        params.append(("per_page", str(query.per_page)))
    return params
