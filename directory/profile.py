"""An organization's public profile: the fixed vocabularies, cleaning and slugs."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers
from babel.support import LazyProxy

from core.confusables import confusable
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.i18n import locale as current_locale
from core.validation import (
    Cleaner,
    countries,
    decode_tag_list,
    encode_tag_list,
    is_slug,
    language_subtags,
    slugify,
)
from directory.models import Organization, OrganizationKind, OrganizationStatus
from directory.service_areas import (
    SERVICE_AREA_FIELDS,
    clean_service_areas,
    service_area_form_values,
)

FOCUS_AREAS: dict[str, LazyProxy] = {
    "dna": lazy_gettext("DNA cases"),
    "non_dna": lazy_gettext("Non-DNA cases"),
    "policy": lazy_gettext("Policy reform"),
    "exoneree_support": lazy_gettext("Exoneree support"),
    "forensic_science": lazy_gettext("Forensic science"),
    "false_confessions": lazy_gettext("False confessions"),
    "eyewitness_identification": lazy_gettext("Eyewitness identification"),
    "international": lazy_gettext("International work"),
}

KINDS: dict[OrganizationKind, LazyProxy] = {
    OrganizationKind.LAW_SCHOOL_CLINIC: lazy_gettext("Law school clinic"),
    OrganizationKind.INDEPENDENT_NONPROFIT: lazy_gettext("Independent nonprofit"),
    OrganizationKind.PUBLIC_DEFENDER_UNIT: lazy_gettext("Public defender unit"),
    OrganizationKind.LAW_FIRM_PRO_BONO: lazy_gettext("Law firm pro bono program"),
    OrganizationKind.NETWORK: lazy_gettext("Network"),
}

SLUG_MAX = 80
# Stored lists must fit their columns (see Organization.languages).
LANGUAGES_MAX_STORED = 200
DESCRIPTION_MAX = 5000
CASE_INFO_MAX = 2000

# Every field a member may edit; status, slug, trust and the feed approval are the network's.
EDITABLE_FIELDS = (
    "name",
    "short_name",
    "kind",
    "description",
    "website",
    "contact_email",
    "city",
    "region",
    "country",
    "languages",
    "focus_areas",
    "accepts_cases",
    "case_application_info",
    "logo_url",
    "jobs_feed_url",
    *SERVICE_AREA_FIELDS,
)
# Links to other organizations, given by their slug; edited on the dashboard.
REFERRAL_FIELDS = ("screening_organization", "parent_organization")


def clean_profile(cleaner: Cleaner) -> dict[str, Any]:
    """The profile fields as model values; problems are collected on the cleaner."""
    languages = cleaner.languages("languages", required=True)
    stored_languages = encode_tag_list(languages)
    if len(stored_languages) > LANGUAGES_MAX_STORED:
        cleaner.fail("languages", _("Too many languages."))
    profile = {
        "name": cleaner.line("name", max_length=200, required=True),
        "short_name": cleaner.line("short_name", max_length=60),
        "kind": cleaner.choice("kind", OrganizationKind),
        "description": cleaner.text("description", max_length=DESCRIPTION_MAX),
        "website": cleaner.url("website"),
        "contact_email": cleaner.email("contact_email", required=True),
        "city": cleaner.line("city", max_length=100),
        "region": cleaner.line("region", max_length=100),
        "country": cleaner.country("country"),
        "languages": stored_languages,
        "focus_areas": encode_tag_list(cleaner.tags("focus_areas", FOCUS_AREAS)),
        "accepts_cases": cleaner.boolean("accepts_cases"),
        "case_application_info": cleaner.text("case_application_info", max_length=CASE_INFO_MAX),
        "logo_url": cleaner.url("logo_url"),
        "jobs_feed_url": cleaner.url("jobs_feed_url"),
        **clean_service_areas(cleaner),
    }
    if profile["accepts_cases"] and not profile["case_application_info"]:
        cleaner.fail(
            "case_application_info",
            _("Say how people can apply to have their case reviewed."),
        )
    return profile


def profile_form_values(organization: Organization) -> dict[str, Any]:
    """What the profile form shows for a stored organization."""
    values: dict[str, Any] = {name: getattr(organization, name) for name in EDITABLE_FIELDS}
    values["kind"] = organization.kind.value
    values["languages"] = decode_tag_list(organization.languages)
    values["focus_areas"] = decode_tag_list(organization.focus_areas)
    values.update(service_area_form_values(values))
    for name in REFERRAL_FIELDS:
        linked = getattr(organization, name)
        values[name] = linked.slug if isinstance(linked, Organization) else ""
    return values


async def clean_referrals(cleaner: Cleaner, organization: Organization) -> dict[str, Any]:
    """The screening and parent organizations named by slug: other active members."""
    found: dict[str, Any] = {}
    for name in REFERRAL_FIELDS:
        slug = cleaner.slug(name, required=False)
        if not slug:
            found[name] = None
            continue
        linked = await organization_by_slug(slug, status=OrganizationStatus.ACTIVE)
        if linked is None or linked.id == organization.id:
            cleaner.fail(name, _("Give the address name (slug) of another member organization."))
        found[name] = linked
    return found


def as_list(value: Any) -> list[str]:
    """A submitted checkbox group as a list, however many boxes were ticked."""
    if isinstance(value, list):
        return value
    return [value] if value else []


def kind_options() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in KINDS.items()]


def country_name(code: str) -> str:
    """The country's name in the page's language (CLDR), English where CLDR has none."""
    if code not in countries():
        return code
    return current_locale().territories.get(code) or countries()[code]


def language_name(tag: str) -> str:
    """'zh-Hant' -> 'Chinese (Traditional)' in the page's language; the tag if babel has none."""
    try:
        name = Locale.parse(tag, sep="-").get_display_name(current_locale())
    except (ValueError, UnknownLocaleError):
        return tag
    return name or tag


def country_options() -> list[tuple[str, str]]:
    """(code, name in the page's language) for a country chooser, in the order of the names."""
    return by_name((code, country_name(code)) for code in countries())


@cache
def chooser_languages() -> tuple[str, ...]:
    """The languages CLDR describes fully (some 320 of the 600 tags it names): the ones a
    language chooser offers, so that it stays a list a person can read through."""
    return tuple(
        code for code in locale_identifiers() if "_" not in code and code in language_subtags()
    )


def language_options(*kept: str) -> list[tuple[str, str]]:
    """(tag, name in the page's language) for a language chooser; the kept tags (a stored
    "pt-BR") are offered too, so that showing a form never changes what it saves."""
    tags = dict.fromkeys(tag for tag in (*chooser_languages(), *kept) if tag)
    return by_name((tag, language_name(tag)) for tag in tags)


def by_name(options: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Options in the order of their names, accents and case aside ("árabe" among the a's)."""
    return sorted(options, key=lambda item: unicodedata.normalize("NFKD", item[1]).casefold())


async def organization_by_slug(slug: str, **filters: Any) -> Organization | None:
    """The organization at a URL's slug; None for anything that cannot be a slug (NUL
    characters and the like would otherwise reach, and upset, the database driver)."""
    if not is_slug(slug, SLUG_MAX):
        return None
    return await Organization.get_or_none(slug=slug, **filters)


async def slug_is_taken(slug: str) -> bool:
    return await Organization.filter(slug=slug).exists()


async def available_slug(name: str) -> str:
    """A slug made from the name, numbered when the plain one is taken."""
    base = slugify(name, max_length=72) or "organization"
    candidate, number = base, 2
    while await slug_is_taken(candidate):
        candidate, number = f"{base}-{number}", number + 1
    return candidate


async def refuse_look_alike_names(
    cleaner: Cleaner, profile: dict[str, Any], organization: Organization | None = None
) -> None:
    """Fails the name or short name when it is confusable (UTS #39) with another
    organization's name or short name, so that nobody appears as "Ιnnocence Project" (with
    a Greek capital iota). A name the organization already has is not checked again."""
    wanted = {
        field: profile.get(field, "")
        for field in ("name", "short_name")
        if profile.get(field)
        and (organization is None or profile[field] != getattr(organization, field))
    }
    if not wanted:
        return
    others = Organization.all()
    if organization is not None:
        others = others.exclude(id=organization.id)
    known = [
        name for pair in await others.values_list("name", "short_name") for name in pair if name
    ]
    for field, value in wanted.items():
        if any(confusable(value, name) for name in known):
            cleaner.fail(
                field,
                _(
                    "This name looks the same as that of an organization already in the "
                    "directory. If it is yours, ask the network's administrators."
                ),
            )


async def update_profile(organization: Organization, data: dict[str, Any]) -> Organization:
    """Saves a member's edit of the profile; a new jobs feed URL needs approval again."""
    cleaner = Cleaner(data)
    profile = clean_profile(cleaner)
    profile.update(await clean_referrals(cleaner, organization))
    await refuse_look_alike_names(cleaner, profile, organization)
    cleaner.raise_if_invalid()
    if profile["jobs_feed_url"] != organization.jobs_feed_url:
        organization.jobs_feed_approved = False
    for name, value in profile.items():
        setattr(organization, name, value)
    await organization.save()
    return organization
