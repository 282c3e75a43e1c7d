"""Words for the codes a job stores, translated when shown."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from babel.numbers import format_currency

from core import i18n
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.validation import currencies, currencies_in_use, decode_tag_list
from directory.profile import by_name, country_name
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

# What the poster or administrator is told after an action, by the state the job is now in.
STATUS_NOTICES = {
    JobStatus.DRAFT: lazy_gettext("“%(title)s” is saved as a draft. Publish it when it is ready."),
    JobStatus.PENDING_REVIEW: lazy_gettext(
        "“%(title)s” now waits for review: the network's administrators check postings before"
        " they appear in search. It will show as published here once approved."
    ),
    JobStatus.PUBLISHED: lazy_gettext("“%(title)s” is published and appears in search."),
    JobStatus.FILLED: lazy_gettext("“%(title)s” is marked filled and no longer appears in search."),
    JobStatus.CLOSED: lazy_gettext("“%(title)s” is closed and no longer appears in search."),
    JobStatus.EXPIRED: lazy_gettext("“%(title)s” has expired and no longer appears in search."),
    JobStatus.REMOVED: lazy_gettext("“%(title)s” has been removed."),
}


def status_notice(job: Job) -> str:
    return str(STATUS_NOTICES[job.status]) % {"title": job.title}


def options(labels: dict) -> list[tuple[str, str]]:
    """(value, label) pairs for a <select>."""
    return [(code.value, str(label)) for code, label in labels.items()]


def currency_name(code: str) -> str:
    """ "US Dollar" / "dólar estadounidense" / "米ドル": CLDR's name in the page's language."""
    return i18n.locale().currencies.get(code) or code


def currency_options(*kept: str) -> list[tuple[str, str]]:
    """(code, "name (code)") for a currency chooser: today's currencies and the kept ones."""
    codes = dict.fromkeys(code for code in (*currencies_in_use(), *kept) if code in currencies())
    return by_name((code, f"{currency_name(code)} ({code})") for code in codes)


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
    amounts = [
        money(amount, job.salary_currency)
        for amount in (job.salary_min, job.salary_max)
        if amount is not None
    ]
    unit = SALARY_UNITS[job.salary_unit] if job.salary_unit else ""
    text = " – ".join(dict.fromkeys(amounts))
    return f"{text} {unit}".strip()


def money(amount: Decimal | int | float, currency: str) -> str:
    """An amount in the page's language; whole amounts without cents ("$80,000", not
    "$80,000.00"), as salaries are written, and cents kept where there are some."""
    locale = i18n.locale()
    if amount != int(amount):
        return format_currency(amount, currency, locale=locale)
    whole = re.sub(r"\.0+", "", locale.currency_formats["standard"].pattern)
    return format_currency(amount, currency, format=whole, locale=locale, currency_digits=False)


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
