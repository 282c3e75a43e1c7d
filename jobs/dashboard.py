"""The member dashboard's jobs: grouped by where they stand, each group paged on its own.

An organization may have hundreds of jobs, most of them ended; one endless table would
bury the few that need attention. Each group reads only the page it shows (a count and a
LIMIT/OFFSET query, by the index on organization, status and last change), so the page
costs the same for ten jobs as for ten thousand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.i18n import lazy_gettext
from core.pagination import Page, PageLinks, page_links
from core.settings import Settings
from directory.models import Organization
from jobs.lifecycle import (
    Action,
    closing_soon_now,
    expires_at,
    is_closing_soon,
    poster_actions,
)
from jobs.models import ENDED_STATUSES, Job, JobStatus

DASHBOARD_PAGE_SIZE = 25
# The highest page number a dashboard address may carry (a bound, not a real limit).
DASHBOARD_MAX_PAGE = 10_000


@dataclass(frozen=True)
class JobGroup:
    """One group of the dashboard: its name in addresses (its page is ?<key>_page=N)."""

    key: str
    heading: Any
    statuses: tuple[JobStatus, ...]
    navigation_label: Any

    @property
    def page_parameter(self) -> str:
        return f"{self.key}_page"


GROUPS = (
    JobGroup(
        "open",
        lazy_gettext("Published and awaiting review"),
        (JobStatus.PUBLISHED, JobStatus.PENDING_REVIEW),
        lazy_gettext("Pages of published jobs"),
    ),
    JobGroup(
        "drafts",
        lazy_gettext("Drafts"),
        (JobStatus.DRAFT,),
        lazy_gettext("Pages of drafts"),
    ),
    JobGroup(
        "ended",
        lazy_gettext("Ended"),
        ENDED_STATUSES,
        lazy_gettext("Pages of ended jobs"),
    ),
)


@dataclass(frozen=True)
class JobRow:
    job: Job
    ends: datetime | None
    closing_soon: bool
    actions: list[Action]


@dataclass(frozen=True)
class ShownGroup:
    group: JobGroup
    page: Page[JobRow]
    pagination: PageLinks


async def group_page(
    organization: Organization,
    group: JobGroup,
    number: int,
    settings: Settings,
    now: datetime,
) -> Page[JobRow]:
    """One page of a group, latest change first; past the last page it has no rows."""
    jobs = Job.filter(organization_id=organization.id, status__in=group.statuses)
    total = await jobs.count()
    page: Page[JobRow] = Page(number, DASHBOARD_PAGE_SIZE, total)
    if page.is_past_last:
        return page
    # The page's ids first, sorted from the index alone (organization, status, last change:
    # the row id rides along), then only those rows: sorting the wide rows of a group of
    # thousands for each page would read them all.
    ids = (
        await jobs.order_by("-updated_at", "-id")
        .offset(page.offset)
        .limit(DASHBOARD_PAGE_SIZE)
        .values_list("id", flat=True)
    )
    found = await Job.filter(id__in=ids).order_by("-updated_at", "-id")
    rows = [
        JobRow(
            job=job,
            ends=expires_at(job, settings),
            closing_soon=is_closing_soon(job, settings, now),
            actions=poster_actions(job),
        )
        for job in found
    ]
    return Page(number, DASHBOARD_PAGE_SIZE, total, rows)


async def dashboard_groups(
    organization: Organization,
    numbers: Mapping[str, int],
    settings: Settings,
    now: datetime,
    url: Callable[[dict[str, int]], str],
) -> list[ShownGroup]:
    """Every group at its requested page (numbers by page parameter, 1 when absent); url
    makes a dashboard address from page numbers, so each group's links keep the others'."""
    shown = []
    for group in GROUPS:
        page = await group_page(
            organization, group, numbers.get(group.page_parameter, 1), settings, now
        )

        def link(number: int, parameter: str = group.page_parameter) -> str:
            return url({**numbers, parameter: number})

        shown.append(ShownGroup(group, page, page_links(page, link, DASHBOARD_MAX_PAGE)))
    return shown


async def closing_soon_count(organization: Organization, settings: Settings, now: datetime) -> int:
    """The organization's published jobs that close within a week, on any page."""
    return await Job.filter(
        closing_soon_now(now, settings.job_default_days), organization_id=organization.id
    ).count()
