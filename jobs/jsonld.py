"""A job as a schema.org JobPosting (JSON-LD): on job pages, and in every feed format."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from markupsafe import Markup

from core.urls import Urls
from core.validation import decode_tag_list
from directory.models import Organization, organization_identity
from jobs.forms import plain_number
from jobs.models import Job, WorkMode, job_page_url
from jobs.rows import JobRow, OrganizationRow


def job_posting(
    job: Job | JobRow, organization: Organization | OrganizationRow, urls: Urls
) -> dict[str, Any]:
    """The JobPosting for a job, built only from stored data so that it is deterministic."""
    posting: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": {
            "@type": "PropertyValue",
            "name": organization.name,
            "value": job.uid,
        },
        "title": job.title,
        "description": job.description_html,
        "datePosted": timestamp(job.posted_at or job.created_at),
        "employmentType": job.employment_type.value,
        "hiringOrganization": _hiring_organization(organization, urls),
        "url": job_page_url(urls, job.slug),
        "inLanguage": job.language,
        "directApply": False,
    }
    if job.valid_through is not None:
        posting["validThrough"] = timestamp(job.valid_through)
    if job.work_mode != WorkMode.REMOTE or job.country:
        posting["jobLocation"] = _place(job)
    if job.work_mode == WorkMode.REMOTE:
        posting["jobLocationType"] = "TELECOMMUTE"
        posting["applicantLocationRequirements"] = [
            {"@type": "Country", "name": code} for code in decode_tag_list(job.remote_countries)
        ]
    if job.salary_min is not None or job.salary_max is not None:
        posting["baseSalary"] = _salary(job)
    if job.origin_url:
        posting["sameAs"] = job.origin_url
    return posting


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 to the second, as every published representation of a job gives dates."""
    return moment.isoformat(timespec="seconds") if moment else None


def _hiring_organization(
    organization: Organization | OrganizationRow, urls: Urls
) -> dict[str, Any]:
    hiring: dict[str, Any] = {
        "@type": "Organization",
        "name": organization.name,
        "url": organization_identity(urls, organization),
    }
    if organization.website:
        hiring["sameAs"] = organization.website
    if organization.logo_url:
        hiring["logo"] = organization.logo_url
    return hiring


def _place(job: Job | JobRow) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": job.country}
    if job.city:
        address["addressLocality"] = job.city
    if job.region:
        address["addressRegion"] = job.region
    return {"@type": "Place", "address": address}


def _salary(job: Job | JobRow) -> dict[str, Any]:
    value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": job.salary_unit.value}
    if job.salary_min is not None and job.salary_max is not None:
        value["minValue"] = plain_number(job.salary_min)
        value["maxValue"] = plain_number(job.salary_max)
    else:
        value["value"] = plain_number(
            job.salary_min if job.salary_min is not None else job.salary_max
        )
    return {"@type": "MonetaryAmount", "currency": job.salary_currency, "value": value}


def script_tag(data: dict[str, Any]) -> Markup:
    """A <script type="application/ld+json"> element no text in the data can break out of."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    # "<", ">" and "&" only occur inside JSON strings, where these escapes mean the same.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">\n{text}\n</script>')
