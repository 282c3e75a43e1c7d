"""Where a member takes cases from and which: jurisdictions (ISO 3166-1 countries and ISO
3166-2 first-level subdivisions, from pycountry's copy of the ISO tables and their
translations), court systems and case types, with their cleaning and their names in words."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from typing import Any

import pycountry
from babel.support import LazyProxy

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.i18n import locale as current_locale
from core.validation import Cleaner, countries, country_code, decode_tag_list, encode_tag_list

COURT_SYSTEMS: dict[str, LazyProxy] = {
    "state": lazy_gettext("State or provincial courts"),
    "federal": lazy_gettext("Federal courts"),
    "military": lazy_gettext("Military courts"),
}

CASE_TYPES: dict[str, LazyProxy] = {
    "dna": lazy_gettext("DNA cases"),
    "non_dna": lazy_gettext("Non-DNA cases"),
}

# Stored lists must fit their columns (see Organization.service_areas).
SERVICE_AREAS_MAX_STORED = 1000
ELIGIBILITY_MAX = 2000
POSTAL_ADDRESS_MAX = 500


@cache
def first_level_subdivisions(country: str) -> dict[str, str]:
    """ISO 3166-2 code -> English name of a country's first-level subdivisions."""
    found = pycountry.subdivisions.get(country_code=country) or []
    return {item.code: item.name for item in found if item.parent_code is None}


def is_area_code(code: str) -> bool:
    """A whole country (`US`) or one of its first-level subdivisions (`US-TX`)."""
    country, _dash, subdivision = code.partition("-")
    if country_code(country) is None:
        return False
    return not subdivision or code in first_level_subdivisions(country)


@cache
def _subdivision_catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def subdivision_name(code: str) -> str:
    """'US-TX' -> 'Texas' in the page's language (ISO's own translations)."""
    country = code.partition("-")[0]
    english = first_level_subdivisions(country).get(code, code)
    return _subdivision_catalog(current_locale().language).gettext(english)


def subdivision_options(country: str) -> list[tuple[str, str]]:
    """A country's first-level subdivisions as (code, name), sorted by name."""
    return sorted(
        ((code, subdivision_name(code)) for code in first_level_subdivisions(country)),
        key=lambda item: item[1],
    )


def area_name(code: str) -> str:
    """'US' -> 'United States', 'US-TX' -> 'Texas (United States)', in the page's language."""
    country, _dash, subdivision = code.partition("-")
    country_label = countries().get(country, country)
    return f"{subdivision_name(code)} ({country_label})" if subdivision else country_label


def clean_service_areas(cleaner: Cleaner) -> dict[str, Any]:
    """The jurisdiction and criteria fields of a profile as model values."""
    codes = cleaner.raw("service_areas") or ""
    areas = (
        [part.strip().upper() for part in codes.replace("\n", ",").split(",") if part.strip()]
        if isinstance(codes, str)
        else codes
        if isinstance(codes, list) and all(isinstance(code, str) for code in codes)
        else None
    )
    if areas is None:
        cleaner.fail("service_areas", _("Must be a list of jurisdiction codes."))
        areas = []
    unknown = [code for code in areas if not is_area_code(code)]
    if unknown:
        cleaner.fail(
            "service_areas",
            _("Unknown jurisdictions: %(codes)s. Use codes such as US, US-TX or CA-ON.")
            % {"codes": ", ".join(unknown)},
        )
    stored_areas = encode_tag_list(dict.fromkeys(code for code in areas if is_area_code(code)))
    if len(stored_areas) > SERVICE_AREAS_MAX_STORED:
        cleaner.fail("service_areas", _("Too many jurisdictions."))
    years = cleaner.raw("minimum_sentence_years")
    minimum_years: int | None = None
    if isinstance(years, int) and not isinstance(years, bool):
        minimum_years = years
    elif isinstance(years, str) and years.strip():
        minimum_years = int(years) if years.strip().isdigit() else -1
    elif years not in (None, ""):
        minimum_years = -1
    if minimum_years is not None and not 0 <= minimum_years <= 99:
        cleaner.fail("minimum_sentence_years", _("Enter a number of years from 0 to 99."))
        minimum_years = None
    return {
        "service_areas": stored_areas,
        "court_systems": encode_tag_list(cleaner.tags("court_systems", COURT_SYSTEMS)),
        "court_areas": _clean_court_areas(cleaner, areas),
        "case_types": encode_tag_list(cleaner.tags("case_types", CASE_TYPES)),
        "minimum_sentence_years": minimum_years,
        "in_custody_only": cleaner.boolean("in_custody_only"),
        "eligibility": cleaner.text("eligibility", max_length=ELIGIBILITY_MAX),
        "apply_postal_address": cleaner.text("apply_postal_address", max_length=POSTAL_ADDRESS_MAX),
        "apply_url": cleaner.url("apply_url"),
        "apply_phone": cleaner.line("apply_phone", max_length=40),
        "apply_email": cleaner.email("apply_email"),
        "accepting_applications": cleaner.boolean("accepting_applications"),
    }


def court_area(pair: str) -> tuple[str, str] | None:
    """'state:US-TX' -> ('state', 'US-TX'); None unless a known system and a known area."""
    system, _colon, area = pair.partition(":")
    return (system, area) if system in COURT_SYSTEMS and is_area_code(area) else None


def court_systems_at(organization: Any, country: str, subdivision: str) -> list[str]:
    """The court systems a member takes cases of from a place: those its court areas give
    for the place (or its whole country) when any does, else its court systems at large."""
    place = {country, subdivision} - {""}
    here = [
        found[0]
        for found in map(court_area, decode_tag_list(organization.court_areas))
        if found and found[1] in place
    ]
    return list(dict.fromkeys(here)) if here else decode_tag_list(organization.court_systems)


def _clean_court_areas(cleaner: Cleaner, areas: list[str]) -> str:
    raw = cleaner.raw("court_areas")
    pairs = [raw] if isinstance(raw, str) and raw else raw or []
    if not isinstance(pairs, list) or not all(isinstance(pair, str) for pair in pairs):
        cleaner.fail("court_areas", _("Must be a list of court system and jurisdiction pairs."))
        return ""
    wrong = [pair for pair in pairs if court_area(pair) is None]
    outside = [pair for pair in pairs if court_area(pair) and pair.partition(":")[2] not in areas]
    if wrong or outside:
        cleaner.fail(
            "court_areas",
            _(
                "Give pairs such as federal:US or state:US-TX, of jurisdictions you take cases from: %(pairs)s"
            )
            % {"pairs": ", ".join(wrong + outside)},
        )
    stored = encode_tag_list(dict.fromkeys(pairs))
    if len(stored) > SERVICE_AREAS_MAX_STORED:
        cleaner.fail("court_areas", _("Too many jurisdictions."))
    return stored


def court_area_options(values: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """For each chosen jurisdiction, its court system boxes as (area, {pair: system name})."""
    chosen = values.get("service_areas") or []
    return [
        (area, {f"{system}:{area}": str(label) for system, label in COURT_SYSTEMS.items()})
        for area in (chosen if isinstance(chosen, list) else [chosen])
        if isinstance(area, str) and is_area_code(area)
    ]


def area_chooser(
    values: dict[str, Any], country_label: Callable[[str], str]
) -> list[tuple[str, dict[str, str]]]:
    """The jurisdiction chooser of the profile form: for each country among the chosen areas
    and the one just added (`area_country`), in the page's language, its options (the whole
    country, then each state or province) as (country code, {code: name})."""
    chosen = values.get("service_areas") or []
    wanted = [*(chosen if isinstance(chosen, list) else [chosen]), values.get("area_country")]
    shown = dict.fromkeys(
        code.partition("-")[0]
        for code in wanted
        if isinstance(code, str) and code and is_area_code(code.partition("-")[0])
    )
    return [
        (
            country,
            {
                country: _("All of %(country)s") % {"country": country_label(country)},
                **dict(subdivision_options(country)),
            },
        )
        for country in shown
    ]


def service_area_form_values(stored: dict[str, Any]) -> dict[str, Any]:
    """What the profile form shows for the stored values of these fields."""
    return {
        **stored,
        "service_areas": decode_tag_list(stored["service_areas"]),
        "court_systems": decode_tag_list(stored["court_systems"]),
        "court_areas": decode_tag_list(stored["court_areas"]),
        "case_types": decode_tag_list(stored["case_types"]),
        "minimum_sentence_years": (
            "" if stored["minimum_sentence_years"] is None else stored["minimum_sentence_years"]
        ),
    }


SERVICE_AREA_FIELDS = (
    "service_areas",
    "court_systems",
    "court_areas",
    "case_types",
    "minimum_sentence_years",
    "in_custody_only",
    "eligibility",
    "apply_postal_address",
    "apply_url",
    "apply_phone",
    "apply_email",
    "accepting_applications",
)
