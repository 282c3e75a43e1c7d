"""Words for the codes a job stores, translated when shown."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from babel.numbers import format_currency

from core import i18n
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.validation import decode_tag_list
from directory.profile import country_name
from jobs.models import Category, EmploymentType, Job, JobStatus, SalaryUnit, WorkMode

EMPLOYMENT_TYPES = {
    EmploymentType.FULL_TIME: lazy_gettext("Full time"),
    EmploymentType.PART_TIME: lazy_gettext("Part time"),
    EmploymentType.CONTRACTOR: lazy_gettext("Contractor"),
    EmploymentType.TEMPORARY: lazy_gettext("Temporary"),
    EmploymentType.INTERN: lazy_gettext("Internship"),
    EmploymentType.VOLUNTEER: lazy_gettext("Volunteer"),
    EmploymentType.PER_DIEM: lazy_gettext("Per diem"),
    EmploymentType.OTHER: lazy_gettext("Other"),
}
CATEGORIES = {
    Category.ATTORNEY: lazy_gettext("Attorney"),
    Category.INVESTIGATOR: lazy_gettext("Investigator"),
    Category.PARALEGAL: lazy_gettext("Paralegal"),
    Category.POLICY: lazy_gettext("Policy"),
    Category.DEVELOPMENT: lazy_gettext("Development and fundraising"),
    Category.COMMUNICATIONS: lazy_gettext("Communications"),
    Category.ADMINISTRATION: lazy_gettext("Administration"),
    Category.SOCIAL_WORK: lazy_gettext("Social work"),
    Category.FELLOWSHIP: lazy_gettext("Fellowship"),
    Category.FORENSIC_SCIENCE: lazy_gettext("Forensic science"),
    Category.OTHER: lazy_gettext("Other"),
}
WORK_MODES = {
    WorkMode.ONSITE: lazy_gettext("On site"),
    WorkMode.HYBRID: lazy_gettext("Hybrid"),
    WorkMode.REMOTE: lazy_gettext("Remote"),
}
SALARY_UNITS = {
    SalaryUnit.HOUR: lazy_gettext("per hour"),
    SalaryUnit.DAY: lazy_gettext("per day"),
    SalaryUnit.WEEK: lazy_gettext("per week"),
    SalaryUnit.MONTH: lazy_gettext("per month"),
    SalaryUnit.YEAR: lazy_gettext("per year"),
}
STATUSES = {
    JobStatus.DRAFT: lazy_gettext("draft"),
    JobStatus.PENDING_REVIEW: lazy_gettext("pending review"),
    JobStatus.PUBLISHED: lazy_gettext("published"),
    JobStatus.FILLED: lazy_gettext("filled"),
    JobStatus.CLOSED: lazy_gettext("closed"),
    JobStatus.EXPIRED: lazy_gettext("expired"),
    JobStatus.REMOVED: lazy_gettext("removed"),
}


def options(labels: dict) -> list[tuple[str, str]]:
    """(value, label) pairs for a <select>."""
    return [(code.value, str(label)) for code, label in labels.items()]


def display_helpers() -> dict[str, Any]:
    """What job templates need to show stored codes in words."""
    return {
        "labels": SimpleNamespace(
            EMPLOYMENT_TYPES=EMPLOYMENT_TYPES,
            CATEGORIES=CATEGORIES,
            WORK_MODES=WORK_MODES,
            SALARY_UNITS=SALARY_UNITS,
            STATUSES=STATUSES,
        ),
        "salary_text": salary_text,
        "where_text": where_text,
    }


def salary_text(job: Job) -> str:
    """ "$60,000 – $75,000 per year" in the page's language, or the stated note."""
    if job.salary_min is None and job.salary_max is None:
        return job.salary_note
    locale = i18n.locale()
    amounts = [
        format_currency(amount, job.salary_currency, locale=locale)
        for amount in (job.salary_min, job.salary_max)
        if amount is not None
    ]
    unit = SALARY_UNITS[job.salary_unit] if job.salary_unit else ""
    text = " – ".join(dict.fromkeys(amounts))
    return f"{text} {unit}".strip()


def where_text(job: Job) -> str:
    """ "On site · New York, NY, United States" or "Remote · applicants living in …"."""
    place = ", ".join(part for part in (job.city, job.region, country_name(job.country)) if part)
    parts = [str(WORK_MODES[job.work_mode])]
    if place:
        parts.append(place)
    if job.work_mode == WorkMode.REMOTE and job.remote_countries:
        names = ", ".join(country_name(code) for code in decode_tag_list(job.remote_countries))
        parts.append(_("applicants living in %(countries)s") % {"countries": names})
    return " · ".join(parts)
