"""Keeps Job.search_title and Job.search_body in step with every save.

The search index (jobs.search.fulltext) is built from those two columns; this module is their
only writer.
Its listeners are connected by connect_search_index, which jobs.models.connect_signals calls
whenever the database is opened (core.database.open_database), so that no save can bypass it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from babel import Locale
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.signals import Signals

from core.i18n import LANGUAGES
from core.search_terms import normalize
from directory.models import Organization
from jobs.markdown import markup_text
from jobs.models import Job

# The job's own attributes the search columns are made of (with its organization's name).
TEXT_FIELDS = (
    "title",
    "description_html",
    "description_markdown",
    "city",
    "region",
    "country",
    "category",
)
# Fields whose text feeds the search columns; a save limited to other fields changes nothing.
SOURCE_FIELDS = frozenset({*TEXT_FIELDS, "organization", "organization_id"})
SEARCH_FIELDS = ("search_title", "search_body")


@cache
def country_names(code: str) -> tuple[str, ...]:
    """The country's name in every shipped language, so "Japón", "Japan" and "日本" all match."""
    names = (Locale(language).territories.get(code.upper(), "") for language in LANGUAGES)
    return tuple(dict.fromkeys(name for name in names if name))


def search_columns(
    *,
    title: str,
    description_html: str,
    description_markdown: str,
    organization_name: str,
    city: str,
    region: str,
    country: str,
    category: str,
    description_text: str | None = None,
) -> tuple[str, str]:
    """(search_title, search_body): normalized terms of the title and of the other text.

    description_text: the text of description_html, when the caller has it already; the
    same words as markup_text's, in the same order (the terms are then the same)."""
    if not description_html:
        description_text = description_markdown
    elif description_text is None:
        description_text = markup_text(description_html)
    body_parts = [
        description_text,
        organization_name,
        city,
        region,
        *(country_names(country) if country else ()),
        category.replace("_", " "),
    ]
    return normalize(title), normalize(" ".join(part for part in body_parts if part))


def values_search_columns(
    values: Mapping[str, Any], organization_name: str, description_text: str | None = None
) -> tuple[str, str]:
    """search_columns of a job given as its attribute values, by field name."""
    return search_columns(
        description_text=description_text,
        title=values["title"],
        description_html=values["description_html"],
        description_markdown=values["description_markdown"],
        organization_name=organization_name,
        city=values["city"],
        region=values["region"],
        country=values["country"],
        category=str(values["category"] or ""),
    )


def job_search_columns(job: Job, organization_name: str) -> tuple[str, str]:
    return values_search_columns(
        {name: getattr(job, name) for name in TEXT_FIELDS}, organization_name
    )


async def _organization_name(job: Job, using_db: BaseDBAsyncClient | None) -> str:
    loaded = getattr(job, "_organization", None)
    if isinstance(loaded, Organization) and loaded.id == job.organization_id:
        return loaded.name
    names = (
        await Organization.filter(id=job.organization_id)
        .using_db(using_db)
        .limit(1)
        .values_list("name", flat=True)
    )
    return str(names[0]) if names else ""


async def fill_search_columns(
    sender: type[Job],
    instance: Job,
    using_db: BaseDBAsyncClient | None,
    update_fields: Iterable[str] | None,
) -> None:
    instance.search_title, instance.search_body = job_search_columns(
        instance, await _organization_name(instance, using_db)
    )


async def store_search_columns_left_out(
    sender: type[Job],
    instance: Job,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: Iterable[str] | None,
) -> None:
    """A save(update_fields=[...]) naming a source field but not the search columns."""
    fields = set(update_fields or ())
    if created or not fields & SOURCE_FIELDS or fields.issuperset(SEARCH_FIELDS):
        return
    await (
        Job.filter(id=instance.id)
        .using_db(using_db)
        .update(search_title=instance.search_title, search_body=instance.search_body)
    )


async def refresh_jobs_of_renamed_organization(
    sender: type[Organization],
    instance: Organization,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: Iterable[str] | None,
) -> None:
    """Job bodies hold the organization's name; a rename must reach its jobs' terms."""
    if created or (update_fields is not None and "name" not in set(update_fields)):
        return
    jobs = await Job.filter(organization_id=instance.id).using_db(using_db)
    for job in jobs:
        title, body = job_search_columns(job, instance.name)
        if (title, body) != (job.search_title, job.search_body):
            await (
                Job.filter(id=job.id)
                .using_db(using_db)
                .update(search_title=title, search_body=body)
            )


def connect_search_index() -> None:
    """Connect the listeners above (the ORM ignores a listener connected twice)."""
    Job.register_listener(Signals.pre_save, fill_search_columns)
    Job.register_listener(Signals.post_save, store_search_columns_left_out)
    Organization.register_listener(Signals.post_save, refresh_jobs_of_renamed_organization)
