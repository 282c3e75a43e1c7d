"""What a job feed holds, independent of its format: entries, deletion marks, links, dates.

Three kinds of job feed share this: a search (/jobs/feed.*, the parameters of /jobs), one
organization (/orgs/{slug}/jobs.*, the same parameters with the organization fixed) and the
complete feed of every open job for sister instances (/federation/jobs.*, RFC 5005).
Everything here is read from the database at one `moment`, so the same data gives the same
document: nothing depends on the clock except through that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from core.i18n import gettext as _
from core.pagination import Page
from core.urls import FEED_MEDIA_TYPES, JOB_FEED_FORMATS, Urls
from directory.models import Organization
from jobs.models import (
    ENDED_STATUSES,
    Job,
    job_page_url,
)
from jobs.rows import JOB_FIELDS, ORGANIZATION_FIELDS, JobRow, OrganizationRow, job_rows, plain_rows
from jobs.search.engine import filter_jobs, ids_holding, search_jobs, visible_jobs
from jobs.search.fulltext import SearchIndexes
from jobs.search.params import JobQuery, job_query_to_params

FORMATS = tuple(JOB_FEED_FORMATS)
MEDIA_TYPES = {format_: FEED_MEDIA_TYPES[format_] for format_ in FORMATS}
DELETION_MARK_DAYS = 30
MAX_DELETION_MARKS = 100
COMPLETE_FEED_PAGE_SIZE = 500
# The date of a feed with nothing in it: fixed, so that an empty feed is byte-identical too.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class FeedJob(JobRow):
    """A job as every feed writer reads it: a row of jobs.rows, as result pages read them
    (building Job model instances cost more than writing the whole feed)."""

    @property
    def republished_updated(self) -> datetime:
        """The entry's updated date: a copy keeps its origin's (RFC 4287 4.2.15 says when the
        entry changed, and the copy did not change it)."""
        return self.origin_updated_at or self.updated_at

    @classmethod
    def of(cls, job: Job | JobRow) -> FeedJob:
        """The feed fields of a job loaded as a model or a row, its organization fetched."""
        organization = OrganizationRow(
            *(getattr(job.organization, name) for name in ORGANIZATION_FIELDS)
        )
        return cls(*(getattr(job, name) for name in JOB_FIELDS), organization)


async def feed_jobs(queryset: QuerySet[Job]) -> list[FeedJob]:
    """The jobs of a queryset (ordered and sliced by the caller) as feed entries."""
    return await job_rows(queryset, FeedJob)


@dataclass(frozen=True)
class DeletionMark:
    """A job that ended (filled, closed, expired, removed) within the last 30 days."""

    uid: str
    when: datetime
    url: str
    status: str


@dataclass
class JobFeed:
    """A job feed before it is written in a format."""

    urls: Urls
    # The feed's route (feeds.publish.catalog.FEED_ROUTES) and its path parameters but the
    # format, which each format's URL adds.
    route: str
    route_params: dict[str, str]
    params: list[tuple[str, str]]
    title: str
    html_url: str
    jobs: list[FeedJob]
    deletions: list[DeletionMark]
    page: int = 1
    # None when it is only known that later pages exist (counting every match costs too much).
    last_page: int | None = 1
    # RFC 5005: a complete feed holds every entry; an importer may close what is not in it.
    complete: bool = False
    updated: datetime = field(default=EMPTY_FEED_UPDATED)

    def url(self, format_: str, page: int | None = None) -> str:
        params = [(key, value) for key, value in self.params if key != "page"]
        if page is not None and page != 1:
            params.append(("page", str(page)))
        return self.urls.url(self.route, params, format=format_, **self.route_params)

    def self_url(self, format_: str) -> str:
        return self.url(format_, self.page)

    @property
    def past_the_end(self) -> bool:
        """A page after the last: there is no such document (page 1 always exists)."""
        return self.page > 1 and not self.jobs

    @property
    def feed_id(self) -> str:
        """One id for the feed in every format and on every page (RFC 5005 logical feed):
        the address of its first Atom page, so that the id is also a working link."""
        return self.url("atom")

    @property
    def hub_url(self) -> str:
        return self.urls.url("feeds:hub")

    def paging_links(self, format_: str) -> dict[str, str]:
        """RFC 5005 first/previous/next/last links, for a feed longer than one page."""
        if self.complete or self.last_page == 1 and self.page == 1:
            return {}
        links = {"first": self.url(format_, 1)}
        if self.last_page is not None:
            links["last"] = self.url(format_, self.last_page)
        if self.page > 1:
            links["previous"] = self.url(format_, min(self.page - 1, self.last_page or self.page))
        if self.last_page is None or self.page < self.last_page:
            links["next"] = self.url(format_, self.page + 1)
        return links


def feed_moment(now: datetime) -> datetime:
    """The instant a feed is computed for: the hour, so that within it the feed is stable.

    Visibility (closing dates) and the deletion-mark window depend on time; computing them at
    the start of the hour keeps one document, ETag and cache entry per hour for the same data.
    """
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _latest(feed: JobFeed) -> datetime:
    dates = [job.updated_at for job in feed.jobs]
    dates += [job.organization.updated_at for job in feed.jobs]
    dates += [mark.when for mark in feed.deletions]
    return max(dates, default=EMPTY_FEED_UPDATED)


async def deletion_marks(
    query: JobQuery, urls: Urls, indexes: SearchIndexes, moment: datetime, default_days: int
) -> list[DeletionMark]:
    ended = Job.filter(
        status__in=[str(status) for status in ENDED_STATUSES],
        status_changed_at__gte=moment - timedelta(days=DELETION_MARK_DAYS),
    )
    if query.text and not query.groups:
        return []  # only punctuation: no job matches, open or ended
    # The words, like every other filter, are matched against the job as it was when it
    # ended: its search columns are not touched by ending it.
    filtered = filter_jobs(ended, replace(query, text=""), now=moment, default_days=default_days)
    if query.groups:
        filtered = Job.filter(
            id__in=await ids_holding(
                filtered, query.groups, limit=MAX_DELETION_MARKS, indexes=indexes
            )
        )
    ordered = filtered.order_by("-status_changed_at", "-id").limit(MAX_DELETION_MARKS)
    rows = await plain_rows(ordered, ("uid", "slug", "status", "status_changed_at"))
    return [
        DeletionMark(uid, when, job_page_url(urls, slug), str(status))
        for uid, slug, status, when in rows
    ]


async def _newest_page(
    query: JobQuery, moment: datetime, default_days: int
) -> tuple[list[FeedJob], bool]:
    """One page of a search without words, newest first, and whether another page follows.

    The same jobs in the same order as search_jobs (filter_jobs over visible_jobs, ordered as
    its "newest"), but without counting every match: the posted_at index then finds a page of
    a 100,000-job board in milliseconds, which keeps the first render of a feed fast.
    """
    jobs = await feed_jobs(
        filter_jobs(
            visible_jobs(moment, default_days), query, now=moment, default_days=default_days
        )
        .order_by("-posted_at", "-id")
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page + 1)
    )
    return jobs[: query.per_page], len(jobs) > query.per_page


async def search_feed(
    query: JobQuery,
    *,
    urls: Urls,
    indexes: SearchIndexes,
    route: str,
    route_params: dict[str, str],
    title: str,
    html_url: str,
    moment: datetime,
    default_days: int,
    params: list[tuple[str, str]],
) -> JobFeed:
    """One page of a search as a feed; deletion marks come with the first page only."""
    if query.text or query.effective_sort != "newest":
        result = await search_jobs(
            query, indexes=indexes, now=moment, facets=False, default_days=default_days
        )
        jobs, last_page = [FeedJob.of(job) for job in result.jobs], result.pages
    else:
        jobs, has_next = await _newest_page(query, moment, default_days)
        last_page = None if has_next else query.page
    deletions = []
    if query.page == 1:
        deletions = await deletion_marks(query, urls, indexes, moment, default_days)
    feed = JobFeed(
        urls=urls,
        route=route,
        route_params=route_params,
        params=params,
        title=title,
        html_url=html_url,
        jobs=jobs,
        deletions=deletions,
        page=query.page,
        last_page=last_page,
    )
    feed.updated = _latest(feed)
    return feed


async def jobs_search_feed(
    query: JobQuery,
    params: list[tuple[str, str]],
    urls: Urls,
    indexes: SearchIndexes,
    moment: datetime,
    default_days: int,
    network: str,
) -> JobFeed:
    title = _("Jobs in the %(network)s") % {"network": network}
    if query.text:
        title = _("Jobs matching “%(text)s” in the %(network)s") % {
            "text": query.text,
            "network": network,
        }
    return await search_feed(
        query,
        urls=urls,
        indexes=indexes,
        route="feeds:jobs_feed",
        route_params={},
        title=title,
        # The search page the feed mirrors, with the search's own parameters.
        html_url=urls.url("jobs:search", job_query_to_params(query, page=False)),
        moment=moment,
        default_days=default_days,
        params=params,
    )


async def organization_feed(
    organization: Organization,
    query: JobQuery,
    params: list[tuple[str, str]],
    urls: Urls,
    indexes: SearchIndexes,
    moment: datetime,
    days: int,
) -> JobFeed:
    query = replace(query, organization=(organization.slug,))
    feed = await search_feed(
        query,
        urls=urls,
        indexes=indexes,
        route="feeds:organization_feed",
        route_params={"slug": organization.slug},
        title=_("Jobs at %(organization)s") % {"organization": organization.name},
        html_url=organization.page_url(urls),
        moment=moment,
        default_days=days,
        params=params,
    )
    return feed


async def complete_feed(
    page: int,
    params: list[tuple[str, str]],
    urls: Urls,
    indexes: SearchIndexes,
    moment: datetime,
    default_days: int,
    network: str,
) -> JobFeed:
    """Every open job, newest first: RFC 5005 complete when it fits one page, else paged."""
    open_jobs = visible_jobs(moment, default_days)
    pagination = Page(page, COMPLETE_FEED_PAGE_SIZE, await open_jobs.count())
    last_page = pagination.pages
    jobs = await feed_jobs(
        open_jobs.order_by("-posted_at", "-id")
        .offset(pagination.offset)
        .limit(COMPLETE_FEED_PAGE_SIZE)
    )
    deletions = []
    if page == 1:
        deletions = await deletion_marks(JobQuery(), urls, indexes, moment, default_days)
    feed = JobFeed(
        urls=urls,
        route="feeds:complete_feed",
        route_params={},
        params=params,
        title=_("All open jobs in the %(network)s") % {"network": network},
        html_url=urls.url("jobs:search"),
        jobs=jobs,
        deletions=deletions,
        page=page,
        last_page=last_page,
        # Only the one document that holds everything says so (RFC 5005 §2).
        complete=last_page == 1 and page == 1,
    )
    feed.updated = _latest(feed)
    return feed
