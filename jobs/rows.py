"""Jobs read as plain rows: what a page of search results shows, without model instances.

Building a Job model instance (and its organization's) costs more than finding the page's
jobs in the search index; a result page only reads them. JobRow has the Job model's own
attribute names and the few methods pages call, so the result templates, job_resource and the
feeds (whose FeedJob is one) read either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from tortoise import connections
from tortoise.queryset import QuerySet

from core.orm_internals import column_converters, query_sql
from directory.models import Organization
from jobs.models import Category, EmploymentType, Job, JobStatus, SalaryUnit, WorkMode


@dataclass(slots=True)
class OrganizationRow:
    """The hiring organization as job pages, the API and feeds show it."""

    slug: str
    name: str
    website: str
    logo_url: str
    origin_id: str | None
    updated_at: datetime

    page_url = Organization.page_url


@dataclass(slots=True)
class JobRow:
    """A job as a page of results or a feed reads it (every column but the search terms and
    the author)."""

    id: int
    uid: str
    slug: str
    title: str
    description_markdown: str
    description_html: str
    employment_type: EmploymentType
    category: Category
    language: str
    city: str
    region: str
    country: str
    work_mode: WorkMode
    remote_countries: str
    salary_min: Decimal | None
    salary_max: Decimal | None
    salary_currency: str
    salary_unit: SalaryUnit | None
    salary_note: str
    apply_url: str
    apply_email: str
    apply_instructions: str
    valid_through: datetime | None
    status: JobStatus
    status_reason: str
    posted_at: datetime | None
    status_changed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    source_feed_url: str
    source_name: str
    origin_url: str
    source_id: str
    source_title: str
    source_link: str
    source_updated_at: datetime | None
    origin_updated_at: datetime | None
    organization: OrganizationRow

    page_url = Job.page_url
    is_imported = Job.is_imported
    canonical_url = Job.canonical_url

    def copy(self) -> JobRow:
        """A copy sharing nothing that can be changed (cached rows are handed out so)."""
        return replace(self, organization=replace(self.organization))


JOB_FIELDS = tuple(item.name for item in fields(JobRow) if item.name != "organization")
ORGANIZATION_FIELDS = tuple(item.name for item in fields(OrganizationRow))
# The columns of a JobRow in its order, the organization's through the job's foreign key.
ROW_COLUMNS = (*JOB_FIELDS, *(f"organization__{name}" for name in ORGANIZATION_FIELDS))
_DATE_COLUMNS = frozenset(
    {
        "valid_through",
        "posted_at",
        "created_at",
        "updated_at",
        "source_updated_at",
        "origin_updated_at",
        "status_changed_at",
        "organization__updated_at",
    }
)


def stored_date(value: str | datetime | None) -> datetime | None:
    """A date column as the ORM reads it, but ~30 times faster for SQLite's ISO 8601 text.

    PostgreSQL's driver returns aware datetimes already; SQLite stores the ORM's isoformat().
    """
    if not isinstance(value, str):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Converters = tuple[Callable[[Any], Any], ...]


def _statement(
    queryset: QuerySet[Job], columns: Sequence[str]
) -> tuple[str, list[Any], Converters]:
    """The SQL and parameters of values_list(*columns), and each column's conversion: dates
    by stored_date, every other column by the ORM's own (enums, decimals)."""
    query = queryset.values_list(*columns)
    sql, params = query_sql(query)
    converters = tuple(
        stored_date if column in _DATE_COLUMNS else orm_converter
        for column, orm_converter in zip(
            columns, column_converters(query, Job, columns), strict=True
        )
    )
    return sql, params, converters


async def _converted(sql: str, params: Sequence[Any], converters: Converters) -> list[tuple]:
    _, records = await connections.get("default").execute_query(sql, list(params))
    return [
        tuple(convert(value) for convert, value in zip(converters, record, strict=True))
        for record in records
    ]


async def plain_rows(queryset: QuerySet[Job], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """values_list(*columns) of the queryset, with dates read by stored_date.

    The ORM parses every date with a pure-Python ISO 8601 parser (~15 µs each): for the
    dates of a page of jobs that was most of the time spent reading it. Every other column
    keeps the ORM's own conversion (enums, decimals).
    """
    sql, params, converters = _statement(queryset, columns)
    return await _converted(sql, params, converters)


RowT = TypeVar("RowT", bound=JobRow)


def _as_rows(records: Sequence[tuple[Any, ...]], row_type: type[RowT]) -> list[RowT]:
    split = len(JOB_FIELDS)
    return [row_type(*row[:split], OrganizationRow(*row[split:])) for row in records]  # type: ignore[arg-type]


async def job_rows(queryset: QuerySet[Job], row_type: type[RowT] = JobRow) -> list[RowT]:  # type: ignore[assignment]
    """The jobs of a queryset as rows (of JobRow or a subclass), their organization included."""
    return _as_rows(await plain_rows(queryset, ROW_COLUMNS), row_type)


@lru_cache(maxsize=256)
def _by_id_statement(dialect: str, count: int) -> tuple[str, Converters]:
    """The row query for `count` ids, built once per database kind and size: the ORM takes
    longer to build its SQL (about 1 ms for these 46 columns) than the database to run it."""
    placeholders = [-number for number in range(1, count + 1)]
    sql, params, converters = _statement(Job.filter(id__in=placeholders), ROW_COLUMNS)
    if params != placeholders:  # the ids must be the statement's only parameters, in order
        raise RuntimeError(f"unexpected parameters in the job row query ({dialect}): {params}")
    return sql, converters


async def job_rows_by_id(ids: Sequence[int]) -> list[JobRow]:
    """The jobs with these ids as rows, organization included (in no particular order)."""
    if not ids:
        return []
    dialect = connections.get("default").capabilities.dialect
    sql, converters = _by_id_statement(dialect, len(ids))
    return _as_rows(await _converted(sql, ids, converters), JobRow)
