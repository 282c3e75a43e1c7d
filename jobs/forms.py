"""Validation of a job posting, the same for the web form and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.i18n import gettext as _
from core.validation import Cleaner, decode_tag_list, encode_tag_list
from jobs.markdown import render_markdown
from jobs.models import Category, EmploymentType, Job, SalaryUnit, WorkMode

TITLE_MAX = 200
DESCRIPTION_MAX = 50_000
INSTRUCTIONS_MAX = 5_000
SALARY_NOTE_MAX = 300
# A job open for longer is a typo (9999-12-31) or a listing nobody will keep current.
MAX_CLOSING_AHEAD = timedelta(days=730)
# The salary columns hold 12 digits, two after the point.
SALARY_MAX_AMOUNT = Decimal("9999999999.99")

# The fields a poster sends, by their names in forms and in the API.
INPUT_FIELDS = (
    "title",
    "description",
    "employment_type",
    "category",
    "language",
    "city",
    "region",
    "country",
    "work_mode",
    "remote_countries",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_unit",
    "salary_note",
    "apply_url",
    "apply_email",
    "apply_instructions",
    "closing_date",
)


def clean_job(
    data: dict[str, Any], *, today: date, kept_closing_date: date | None = None
) -> dict[str, Any]:
    """Job model field values from submitted data, or ValidationError naming each bad field.

    A closing date in the past is refused unless it is kept_closing_date, the one the job
    already has (editing an older posting must not force a new date on it).
    """
    cleaner = Cleaner(data)
    title = cleaner.line("title", max_length=TITLE_MAX, required=True)
    description = cleaner.text("description", max_length=DESCRIPTION_MAX, required=True)
    values: dict[str, Any] = {
        "title": title,
        "description_markdown": description,
        "description_html": render_markdown(description) if description else "",
        "employment_type": cleaner.choice("employment_type", EmploymentType),
        "category": cleaner.choice("category", Category),
        "language": cleaner.language("language"),
        "city": cleaner.line("city", max_length=100),
        "region": cleaner.line("region", max_length=100),
        "work_mode": cleaner.choice("work_mode", WorkMode),
        "apply_instructions": cleaner.text("apply_instructions", max_length=INSTRUCTIONS_MAX),
        "valid_through": _closing_date(cleaner, today, kept_closing_date),
    }
    values.update(_location(cleaner, values["work_mode"]))
    values.update(_salary(cleaner))
    values.update(_how_to_apply(cleaner))
    cleaner.raise_if_invalid()
    return values


def _location(cleaner: Cleaner, work_mode: WorkMode | None) -> dict[str, Any]:
    remote = work_mode == WorkMode.REMOTE
    country = cleaner.country("country", required=not remote)
    remote_countries = cleaner.countries("remote_countries")
    if remote and not remote_countries and "remote_countries" not in cleaner.errors:
        cleaner.fail("remote_countries", _("Name the countries a remote applicant may live in."))
    return {
        "country": country,
        "remote_countries": encode_tag_list(remote_countries if remote else []),
    }


def _salary(cleaner: Cleaner) -> dict[str, Any]:
    minimum = _amount(cleaner, "salary_min")
    maximum = _amount(cleaner, "salary_max")
    currency = cleaner.currency("salary_currency")
    unit = cleaner.choice("salary_unit", SalaryUnit, required=False)
    note = cleaner.line("salary_note", max_length=SALARY_NOTE_MAX)
    if minimum is not None and maximum is not None and minimum > maximum:
        cleaner.fail("salary_max", _("Must not be less than the minimum salary."))
    has_amount = minimum is not None or maximum is not None
    if has_amount:
        if not currency:
            cleaner.fail("salary_currency", _("Give the currency of the salary."))
        if unit is None:
            cleaner.fail(
                "salary_unit", _("Say whether the salary is per hour, day, week, month or year.")
            )
    elif not note and not {"salary_min", "salary_max"} & cleaner.errors.keys():
        cleaner.fail("salary_note", _("Give a salary range, or say why there is none."))
    return {
        "salary_min": minimum,
        "salary_max": maximum,
        "salary_currency": currency if has_amount else "",
        "salary_unit": unit if has_amount else None,
        "salary_note": note,
    }


def _amount(cleaner: Cleaner, name: str) -> Decimal | None:
    value = cleaner.raw(name)
    if value is None or value == "":
        return None
    amount: Decimal | None = None
    # bool is an int in Python, but "true" is not a salary.
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = Decimal(str(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        cleaner.fail(name, _("Must be a number."))
        return None
    if amount < 0:
        cleaner.fail(name, _("Must not be negative."))
        return None
    if amount > SALARY_MAX_AMOUNT:
        cleaner.fail(name, _("Must be at most %(max)s.") % {"max": f"{SALARY_MAX_AMOUNT:,}"})
        return None
    return amount.quantize(Decimal("0.01"))


def _how_to_apply(cleaner: Cleaner) -> dict[str, Any]:
    apply_url = cleaner.url("apply_url", max_length=1000)
    apply_email = cleaner.email("apply_email")
    if (
        not apply_url
        and not apply_email
        and not {"apply_url", "apply_email"} & cleaner.errors.keys()
    ):
        cleaner.fail("apply_url", _("Give a web address or an e-mail address for applications."))
    return {"apply_url": apply_url, "apply_email": apply_email}


def _closing_date(cleaner: Cleaner, today: date, kept: date | None) -> datetime | None:
    closing = cleaner.calendar_date("closing_date")
    if closing is None:
        return None
    if closing < today and closing != kept:
        cleaner.fail("closing_date", _("The closing date must not be in the past."))
        return None
    if closing > today + MAX_CLOSING_AHEAD and closing != kept:
        cleaner.fail(
            "closing_date",
            _("The closing date must be within two years, by %(latest)s.")
            % {"latest": (today + MAX_CLOSING_AHEAD).isoformat()},
        )
        return None
    return closing_datetime(closing)


def closing_datetime(closing: date) -> datetime:
    """A job stays open through the whole of its closing day (UTC)."""
    return datetime.combine(closing, time(23, 59, 59), tzinfo=UTC)


def job_input(job: Job) -> dict[str, Any]:
    """A job as the input that would produce it: form defaults, and the base of a PATCH."""
    return {
        "title": job.title,
        "description": job.description_markdown,
        "employment_type": job.employment_type.value,
        "category": job.category.value,
        "language": job.language,
        "city": job.city,
        "region": job.region,
        "country": job.country,
        "work_mode": job.work_mode.value,
        "remote_countries": decode_tag_list(job.remote_countries),
        "salary_min": plain_number(job.salary_min),
        "salary_max": plain_number(job.salary_max),
        "salary_currency": job.salary_currency,
        "salary_unit": job.salary_unit.value if job.salary_unit else None,
        "salary_note": job.salary_note,
        "apply_url": job.apply_url,
        "apply_email": job.apply_email,
        "apply_instructions": job.apply_instructions,
        "closing_date": job.valid_through.date().isoformat() if job.valid_through else None,
    }


def plain_number(amount: Decimal | None) -> int | float | None:
    """50000.00 -> 50000, 25.50 -> 25.5: how people and JSON write amounts."""
    if amount is None:
        return None
    amount = Decimal(amount)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def clean_closing_date(data: dict[str, Any], *, today: date) -> datetime | None:
    """Only a closing date (renewing a job), or ValidationError."""
    cleaner = Cleaner(data)
    closing = _closing_date(cleaner, today, None)
    cleaner.raise_if_invalid()
    return closing
