"""Finding active organizations: filters from query parameters, accent-blind text search.

A network has a few hundred members, so the text match runs in Python over the rows the
database filters returned; the same normalization then serves SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from core.i18n import gettext as _
from core.search_terms import normalize, query_terms
from core.validation import (
    boolean,
    country_code,
    decode_tag_list,
    enum_member,
    normalize_language_tag,
    strip_control_characters,
)
from directory.models import Organization, OrganizationKind, OrganizationStatus
from directory.profile import FOCUS_AREAS

QUERY_MAX = 200
FILTER_NAMES = ("q", "country", "region", "kind", "language", "focus", "accepts_cases", "network")


class InvalidQuery(Exception):
    """A filter value that cannot be used; the message says which and why (HTTP 400)."""


def text_matches(text: str, query: str) -> bool:
    """Every term of the query occurs in the text, both read by the one search normalizer:
    'defensoria' finds 'Defensoría', and '日本' finds '日本の冤罪救済'."""
    haystack = normalize(text)
    return all(term in haystack for term in query_terms(query))


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    country: str = ""
    region: str = ""
    kind: str = ""
    language: str = ""
    focus: str = ""
    accepts_cases: bool | None = None
    network: str = ""

    def as_params(self) -> dict[str, str]:
        """The query as URL parameters, without the empty ones (for links and pagination)."""
        params = {}
        for name, value in asdict(self).items():
            if value is None or value == "":
                continue
            params[name] = ("yes" if value else "no") if isinstance(value, bool) else value
        return params

    @property
    def is_filtered(self) -> bool:
        return bool(self.as_params())


def parse_query(params: Mapping[str, str]) -> DirectoryQuery:
    """Validated filters; InvalidQuery names the first parameter that cannot be used."""
    values = {
        name: strip_control_characters(params.get(name) or "").strip() for name in FILTER_NAMES
    }
    for name, value in values.items():
        if len(value) > QUERY_MAX:
            raise InvalidQuery(
                _("'%(name)s' must be at most %(max)d characters.")
                % {"name": name, "max": QUERY_MAX}
            )
    country = values["country"].upper()
    if country and country_code(country) is None:
        raise InvalidQuery(
            _("'country' must be a two-letter ISO 3166-1 code, such as US or AR; got %(value)s.")
            % {"value": values["country"]}
        )
    kind = values["kind"]
    if kind:
        member = enum_member(kind, OrganizationKind)
        if member is None:
            raise InvalidQuery(
                _("'kind' must be one of: %(allowed)s.")
                % {"allowed": ", ".join(member.value for member in OrganizationKind)}
            )
        kind = member.value
    language = values["language"]
    if language:
        language = normalize_language_tag(language) or ""
        if not language:
            raise InvalidQuery(_("'language' must be a BCP 47 language tag, such as en or pt-BR."))
    focus = values["focus"]
    if focus and focus not in FOCUS_AREAS:
        raise InvalidQuery(
            _("'focus' must be one of: %(allowed)s.") % {"allowed": ", ".join(FOCUS_AREAS)}
        )
    return DirectoryQuery(
        q=values["q"],
        country=country,
        region=values["region"],
        kind=kind,
        language=language,
        focus=focus,
        accepts_cases=_parse_yes_no(values["accepts_cases"]),
        network=values["network"],
    )


def _parse_yes_no(value: str) -> bool | None:
    if not value:
        return None
    parsed = boolean(value)
    if parsed is None:
        raise InvalidQuery(_("'accepts_cases' must be yes or no."))
    return parsed


async def find_organizations(query: DirectoryQuery) -> list[Organization]:
    """Active organizations matching every filter, ordered by name."""
    rows = Organization.filter(status=OrganizationStatus.ACTIVE)
    if query.country:
        rows = rows.filter(country=query.country)
    if query.kind:
        rows = rows.filter(kind=query.kind)
    if query.accepts_cases is not None:
        rows = rows.filter(accepts_cases=query.accepts_cases)
    if query.focus:
        rows = rows.filter(focus_areas__contains=f",{query.focus},")
    if query.network:
        rows = rows.filter(network=query.network)
    found = [organization for organization in await rows if _matches(organization, query)]
    return sorted(found, key=lambda organization: normalize(organization.name))


def _matches(organization: Organization, query: DirectoryQuery) -> bool:
    if query.region and normalize(organization.region) != normalize(query.region):
        return False
    if query.language and not any(
        tag == query.language or tag.startswith(query.language + "-")
        for tag in decode_tag_list(organization.languages)
    ):
        return False
    if query.q:
        searched = " ".join((organization.name, organization.short_name, organization.city))
        return text_matches(searched, query.q)
    return True


async def directory_facets() -> dict[str, list[str]]:
    """The values present among active organizations, for the filter form."""
    rows = await Organization.filter(status=OrganizationStatus.ACTIVE).values_list(
        "country", "languages", "network"
    )
    return {
        "countries": sorted({country for country, _langs, _net in rows}),
        "languages": sorted({tag for _c, langs, _net in rows for tag in decode_tag_list(langs)}),
        "networks": sorted({network for _c, _langs, network in rows}),
    }
