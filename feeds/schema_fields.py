"""How a job's structured fields travel in Atom and RSS (XML) and in JSON Feed.

This module is the one definition of the mapping, used to write feeds and to read them back
(the federation importer), so that a job exported by one instance and imported by another
keeps every field. Values are "job fields": a dict keyed by Job attribute names.

XML: children of <entry>/<item>, every leaf name unique so that flattening readers such as
feedparser (which reports `schema:employmentType` as `schema_employmenttype`) also read them:

    schema:employmentType            employment_type (FULL_TIME, PART_TIME, ...)
    schema:occupationalCategory      category (attorney, investigator, ...)
    schema:inLanguage                language (BCP 47)
    schema:datePosted                posted_at (RFC 3339)
    schema:validThrough              valid_through (RFC 3339)
    schema:addressLocality           city
    schema:addressRegion             region
    schema:addressCountry            country (ISO 3166-1 alpha-2)
    schema:jobLocationType           TELECOMMUTE when remote or hybrid (derived, not read back)
    schema:applicantLocationRequirements   remote_countries, space-separated ISO codes
    schema:baseSalary                salary, with children:
        schema:currency (ISO 4217), schema:minValue, schema:maxValue, schema:unitText (HOUR..YEAR)
    schema:hiringOrganization        with children schema:name and schema:url (its page)
    amicus:workMode                  work_mode (onsite, hybrid, remote)
    amicus:salaryNote                salary_note (why there is no salary, or a remark)
    amicus:applyUrl, amicus:applyEmail, amicus:applyInstructions   how to apply
    amicus:jobStatus                 status (published; ended jobs appear as deletion marks)

JSON Feed: `_schema_org` is the JobPosting JSON-LD of jobs.jsonld (plus occupationalCategory
and applicantLocationRequirements for every work mode); `_amicus` carries what schema.org has
no property for: workMode, salaryNote, applyUrl, applyEmail, applyInstructions, jobStatus,
and salaryBound ("min" or "max") when only one bound of the salary is known.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from lxml import etree

from core.urls import Urls
from core.validation import decode_tag_list
from directory.models import Organization, organization_identity
from jobs.jsonld import job_posting
from jobs.models import WorkMode

if TYPE_CHECKING:
    from feeds.publish.job_feed import FeedJob

SCHEMA_NS = "https://schema.org/"
AMICUS_NS = "urn:amicus:feeds:1"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
NAMESPACES = {"schema": SCHEMA_NS, "amicus": AMICUS_NS}

# Plain text fields: (Job attribute, namespace, element name).
TEXT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("employment_type", SCHEMA_NS, "employmentType"),
    ("category", SCHEMA_NS, "occupationalCategory"),
    ("language", SCHEMA_NS, "inLanguage"),
    ("city", SCHEMA_NS, "addressLocality"),
    ("region", SCHEMA_NS, "addressRegion"),
    ("country", SCHEMA_NS, "addressCountry"),
    ("work_mode", AMICUS_NS, "workMode"),
    ("salary_note", AMICUS_NS, "salaryNote"),
    ("apply_url", AMICUS_NS, "applyUrl"),
    ("apply_email", AMICUS_NS, "applyEmail"),
    ("apply_instructions", AMICUS_NS, "applyInstructions"),
    ("status", AMICUS_NS, "jobStatus"),
)
DATE_FIELDS: tuple[tuple[str, str], ...] = (
    ("posted_at", "datePosted"),
    ("valid_through", "validThrough"),
)
REMOTE_COUNTRIES = "applicantLocationRequirements"
SALARY = "baseSalary"
# Salary children: (Job attribute, element name).
SALARY_FIELDS: tuple[tuple[str, str], ...] = (
    ("salary_currency", "currency"),
    ("salary_min", "minValue"),
    ("salary_max", "maxValue"),
    ("salary_unit", "unitText"),
)
HIRING_ORGANIZATION = "hiringOrganization"
TELECOMMUTE_MODES = (WorkMode.REMOTE, WorkMode.HYBRID)

# XML 1.0 allows only these characters; anything else would make the document ill-formed.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _qname(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _text_value(value: Any) -> str:
    if isinstance(value, str):  # text, or a StrEnum, whose str() is its value
        return xml_text(str(value))
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return xml_text(str(getattr(value, "value", value)))


def _add(parent: etree._Element, namespace: str, name: str, text: str) -> None:
    if text:
        etree.SubElement(parent, _qname(namespace, name)).text = text


# The qualified names append_job_fields writes, computed once rather than for each entry.
_TEXT_TAGS = tuple(
    (attribute, _qname(namespace, name)) for attribute, namespace, name in TEXT_FIELDS
)
_DATE_TAGS = tuple((attribute, _qname(SCHEMA_NS, name)) for attribute, name in DATE_FIELDS)
_SALARY_TAGS = tuple((attribute, _qname(SCHEMA_NS, name)) for attribute, name in SALARY_FIELDS)
_LOCATION_TYPE_TAG = _qname(SCHEMA_NS, "jobLocationType")
_REMOTE_COUNTRIES_TAG = _qname(SCHEMA_NS, REMOTE_COUNTRIES)
_SALARY_TAG = _qname(SCHEMA_NS, SALARY)
_HIRING_TAG = _qname(SCHEMA_NS, HIRING_ORGANIZATION)
_NAME_TAG = _qname(SCHEMA_NS, "name")
_URL_TAG = _qname(SCHEMA_NS, "url")


def _add_texts(parent: etree._Element, job: FeedJob, tags: tuple[tuple[str, str], ...]) -> None:
    for attribute, tag in tags:
        text = _text_value(getattr(job, attribute))
        if text:
            etree.SubElement(parent, tag).text = text


def append_job_fields(entry: etree._Element, job: FeedJob, urls: Urls) -> None:
    """Write the job's structured fields as children of an Atom entry or RSS item."""
    _add_texts(entry, job, _TEXT_TAGS)
    for attribute, tag in _DATE_TAGS:
        moment = getattr(job, attribute)
        if moment is not None:
            etree.SubElement(entry, tag).text = rfc3339(moment)
    if job.work_mode in TELECOMMUTE_MODES:
        etree.SubElement(entry, _LOCATION_TYPE_TAG).text = "TELECOMMUTE"
    countries = " ".join(decode_tag_list(job.remote_countries))
    if countries:
        etree.SubElement(entry, _REMOTE_COUNTRIES_TAG).text = countries
    if job.salary_min is not None or job.salary_max is not None:
        _add_texts(etree.SubElement(entry, _SALARY_TAG), job, _SALARY_TAGS)
    organization = job.organization
    hiring = etree.SubElement(entry, _HIRING_TAG)
    name = xml_text(organization.name)
    if name:
        etree.SubElement(hiring, _NAME_TAG).text = name
    etree.SubElement(hiring, _URL_TAG).text = organization_identity(urls, organization)


def _parse_date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_amount(text: str) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def job_fields_from_xml(entry: etree._Element) -> dict[str, Any]:
    """The job fields found in an entry/item element (absent fields are left out)."""

    def text(namespace: str, name: str, parent: etree._Element = entry) -> str | None:
        found = parent.find(_qname(namespace, name))
        return None if found is None else (found.text or "").strip()

    fields: dict[str, Any] = {}
    for attribute, namespace, name in TEXT_FIELDS:
        value = text(namespace, name)
        if value is not None:
            fields[attribute] = value
    for attribute, name in DATE_FIELDS:
        value = text(SCHEMA_NS, name)
        if value:
            fields[attribute] = _parse_date(value)
    countries = text(SCHEMA_NS, REMOTE_COUNTRIES)
    if countries is not None:
        fields["remote_countries"] = countries.split()
    salary = entry.find(_qname(SCHEMA_NS, SALARY))
    if salary is not None:
        for attribute, name in SALARY_FIELDS:
            value = text(SCHEMA_NS, name, salary)
            if value:
                is_amount = attribute in ("salary_min", "salary_max")
                fields[attribute] = _parse_amount(value) if is_amount else value
    hiring = entry.find(_qname(SCHEMA_NS, HIRING_ORGANIZATION))
    if hiring is not None:
        fields["organization_name"] = text(SCHEMA_NS, "name", hiring) or ""
        fields["organization_url"] = text(SCHEMA_NS, "url", hiring) or ""
    return fields


def json_extensions(job: FeedJob, urls: Urls) -> dict[str, Any]:
    """The `_schema_org` and `_amicus` objects of a JSON Feed item."""
    posting = job_posting(job, job.organization, urls)
    posting["occupationalCategory"] = job.category.value
    remote_countries = decode_tag_list(job.remote_countries)
    if remote_countries and "applicantLocationRequirements" not in posting:
        posting["applicantLocationRequirements"] = [
            {"@type": "Country", "name": code} for code in remote_countries
        ]
    amicus: dict[str, Any] = {}
    for attribute, namespace, name in TEXT_FIELDS:
        value = _text_value(getattr(job, attribute))
        if namespace == AMICUS_NS and value:
            amicus[name] = value
    if (job.salary_min is None) != (job.salary_max is None):
        amicus["salaryBound"] = "min" if job.salary_min is not None else "max"
    return {"_schema_org": posting, "_amicus": amicus}


def job_fields_from_json(item: dict[str, Any]) -> dict[str, Any]:
    """The job fields of a JSON Feed item written by json_extensions."""
    posting = item.get("_schema_org")
    amicus = item.get("_amicus")
    posting = posting if isinstance(posting, dict) else {}
    amicus = amicus if isinstance(amicus, dict) else {}
    fields: dict[str, Any] = {}

    def text(value: Any) -> str | None:
        return value.strip() if isinstance(value, str) else None

    for attribute, key in (
        ("employment_type", "employmentType"),
        ("category", "occupationalCategory"),
        ("language", "inLanguage"),
    ):
        if text(posting.get(key)) is not None:
            fields[attribute] = text(posting[key])
    for attribute, key in DATE_FIELDS:
        value = text(posting.get(key))
        if value:
            fields[attribute] = _parse_date(value)
    location = posting.get("jobLocation")
    address = location.get("address") if isinstance(location, dict) else None
    if isinstance(address, dict):
        for attribute, key in (
            ("city", "addressLocality"),
            ("region", "addressRegion"),
            ("country", "addressCountry"),
        ):
            fields[attribute] = text(address.get(key)) or ""
    requirements = posting.get("applicantLocationRequirements")
    if isinstance(requirements, list):
        fields["remote_countries"] = [
            text(area.get("name"))
            for area in requirements
            if isinstance(area, dict) and text(area.get("name"))
        ]
    _salary_from_json(posting.get("baseSalary"), amicus.get("salaryBound"), fields)
    hiring = posting.get("hiringOrganization")
    if isinstance(hiring, dict):
        fields["organization_name"] = text(hiring.get("name")) or ""
        fields["organization_url"] = text(hiring.get("url")) or ""
    for attribute, namespace, name in TEXT_FIELDS:
        if namespace == AMICUS_NS and text(amicus.get(name)) is not None:
            fields[attribute] = text(amicus[name])
    return fields


def _salary_from_json(salary: Any, bound: Any, fields: dict[str, Any]) -> None:
    if not isinstance(salary, dict) or not isinstance(salary.get("value"), dict):
        return
    value = salary["value"]

    def amount(key: str) -> Decimal | None:
        raw = value.get(key)
        return _parse_amount(str(raw)) if isinstance(raw, int | float | str) else None

    if isinstance(salary.get("currency"), str):
        fields["salary_currency"] = salary["currency"]
    if isinstance(value.get("unitText"), str):
        fields["salary_unit"] = value["unitText"]
    if "value" in value:
        single = amount("value")
        fields["salary_max" if bound == "max" else "salary_min"] = single
    else:
        fields["salary_min"] = amount("minValue")
        fields["salary_max"] = amount("maxValue")


# --- organizations (the directory feed) ----------------------------------------------------
# Each member is an Atom entry with these children (schema.org Organization names where one
# exists); list fields are space-separated codes, dates are ISO 8601.
ORGANIZATION_TEXT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", SCHEMA_NS, "name"),
    ("short_name", SCHEMA_NS, "alternateName"),
    ("website", SCHEMA_NS, "url"),
    ("contact_email", SCHEMA_NS, "email"),
    ("logo_url", SCHEMA_NS, "logo"),
    ("city", SCHEMA_NS, "addressLocality"),
    ("region", SCHEMA_NS, "addressRegion"),
    ("country", SCHEMA_NS, "addressCountry"),
    ("kind", AMICUS_NS, "kind"),
    ("network", AMICUS_NS, "network"),
    ("case_application_info", AMICUS_NS, "caseApplicationInfo"),
    ("eligibility", AMICUS_NS, "eligibility"),
    ("apply_postal_address", AMICUS_NS, "applyPostalAddress"),
    ("apply_url", AMICUS_NS, "applyUrl"),
    ("apply_phone", AMICUS_NS, "applyPhone"),
    ("apply_email", AMICUS_NS, "applyEmail"),
    ("minimum_sentence_years", AMICUS_NS, "minimumSentenceYears"),
)
ORGANIZATION_LIST_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("languages", SCHEMA_NS, "knowsLanguage"),
    ("focus_areas", SCHEMA_NS, "knowsAbout"),
    # ISO 3166-1 and 3166-2 codes, which schema.org's areaServed accepts as text.
    ("service_areas", SCHEMA_NS, "areaServed"),
    ("court_systems", AMICUS_NS, "courtSystems"),
    ("court_areas", AMICUS_NS, "courtAreas"),
    ("case_types", AMICUS_NS, "caseTypes"),
)
# Yes/no fields, written "true" or "false".
ORGANIZATION_FLAG_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("accepts_cases", AMICUS_NS, "acceptsCases"),
    ("in_custody_only", AMICUS_NS, "inCustodyOnly"),
    ("accepting_applications", AMICUS_NS, "acceptingApplications"),
)
# Other organizations a member is linked to, named as every feed names an organization
# (directory.models.organization_identity), so that a sister links its copies the same way.
ORGANIZATION_LINK_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("screening_organization", AMICUS_NS, "screeningOrganization"),
    ("parent_organization", AMICUS_NS, "parentOrganization"),
)
MEMBER_SINCE = "memberSince"
JOBS_FEED = "jobsFeed"


def organization_jobs_feed_url(urls: Urls, organization: Organization) -> str:
    return urls.url("feeds:organization_feed", slug=organization.slug, format="atom")


def append_organization_fields(
    entry: etree._Element, organization: Organization, urls: Urls
) -> None:
    for attribute, namespace, name in ORGANIZATION_TEXT_FIELDS:
        _add(entry, namespace, name, _text_value(getattr(organization, attribute)))
    for attribute, namespace, name in ORGANIZATION_LIST_FIELDS:
        codes = decode_tag_list(getattr(organization, attribute))
        _add(entry, namespace, name, xml_text(" ".join(codes)))
    for attribute, namespace, name in ORGANIZATION_FLAG_FIELDS:
        _add(entry, namespace, name, "true" if getattr(organization, attribute) else "false")
    for attribute, namespace, name in ORGANIZATION_LINK_FIELDS:
        linked = getattr(organization, attribute)
        # Only a public member: the feed names no organization that its readers cannot see.
        if isinstance(linked, Organization) and linked.is_public:
            _add(entry, namespace, name, xml_text(organization_identity(urls, linked)))
    if organization.member_since is not None:
        _add(entry, AMICUS_NS, MEMBER_SINCE, organization.member_since.isoformat())
    _add(entry, AMICUS_NS, JOBS_FEED, organization_jobs_feed_url(urls, organization))


def organization_fields_from_xml(entry: etree._Element) -> dict[str, Any]:
    """The organization fields found in a directory feed entry (absent ones left out)."""
    fields: dict[str, Any] = {}

    def text(namespace: str, name: str) -> str | None:
        found = entry.find(_qname(namespace, name))
        return None if found is None else (found.text or "").strip()

    for attribute, namespace, name in ORGANIZATION_TEXT_FIELDS:
        value = text(namespace, name)
        if value is not None:
            fields[attribute] = value
    for attribute, namespace, name in ORGANIZATION_LIST_FIELDS:
        value = text(namespace, name)
        if value is not None:
            fields[attribute] = value.split()
    for attribute, namespace, name in ORGANIZATION_FLAG_FIELDS:
        flag = text(namespace, name)
        if flag is not None:
            fields[attribute] = flag == "true"
    for attribute, namespace, name in ORGANIZATION_LINK_FIELDS:
        fields[attribute] = text(namespace, name) or ""
    since = text(AMICUS_NS, MEMBER_SINCE)
    if since:
        with contextlib.suppress(ValueError):
            fields["member_since"] = date.fromisoformat(since)
    jobs_feed = text(AMICUS_NS, JOBS_FEED)
    if jobs_feed:
        fields["jobs_feed_url"] = jobs_feed
    return fields
