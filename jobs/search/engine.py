"""Job search: query parameters -> JobQuery -> the matching jobs, their facets and one page.

Structural filters are Tortoise Q objects (filter_jobs), so feeds reuse them on any queryset.
Searching itself, words and filters alike, is done by the search index (jobs.search.fulltext,
the same on both databases), which holds the terms made by core.search_terms; the database only
loads the page's jobs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from typing import Any

import anyio.to_thread
import tantivy
from tortoise import connections
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core.pagination import Paginated
from core.search_terms import Group
from jobs.lifecycle import visible_now
from jobs.models import Job
from jobs.rows import JobRow, job_rows_by_id
from jobs.search import cache as search_cache
from jobs.search import fulltext
from jobs.search.params import DEFAULT_JOB_DAYS, DEFAULT_PER_PAGE, FACETS, JobQuery


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResult(Paginated):
    query: JobQuery
    jobs: list[JobRow]
    total: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    # For each facet with chosen values: its counts without its own filter (search_jobs with
    # choices=True), what choosing one more value would find.
    choices: dict[str, list[FacetCount]] = field(default_factory=dict)

    @property
    def page(self) -> int:  # type: ignore[override]
        return self.query.page

    @property
    def per_page(self) -> int:  # type: ignore[override]
        return self.query.per_page


# --- filters ------------------------------------------------------------------------------


def visible_jobs(now: datetime, default_days: int = DEFAULT_JOB_DAYS) -> QuerySet[Job]:
    """The jobs shown now (jobs.lifecycle.visible_now), which every search starts from."""
    return Job.filter(visible_now(now, default_days))


def _any_language(tags: Iterable[str]) -> Q:
    # "es" also finds jobs written in "es-AR"; "es-AR" only those.
    conditions = [Q(language=tag) | Q(language__startswith=f"{tag}-") for tag in tags]
    return Q(*conditions, join_type=Q.OR)


def filter_jobs(
    queryset: QuerySet[Job],
    query: JobQuery,
    *,
    now: datetime | None = None,
    default_days: int = DEFAULT_JOB_DAYS,
) -> QuerySet[Job]:
    """The structural (non-text) filters of a query applied to any Job queryset."""
    now = now or datetime.now(UTC)
    conditions: dict[str, Any] = {}
    if query.country:
        conditions["country__in"] = list(query.country)
    if query.region:
        conditions["region__in"] = list(query.region)
    if query.organization:
        conditions["organization__slug__in"] = list(query.organization)
    if query.employment_type:
        conditions["employment_type__in"] = [str(value) for value in query.employment_type]
    if query.category:
        conditions["category__in"] = [str(value) for value in query.category]
    if query.work_mode:
        conditions["work_mode__in"] = [str(value) for value in query.work_mode]
    if query.posted_within:
        conditions["posted_at__gte"] = now - timedelta(days=query.posted_within)
    queryset = queryset.filter(**conditions)
    if query.language:
        queryset = queryset.filter(_any_language(query.language))
    if query.closing_after:
        # Open after that day: closing later, or, with no closing date, expiring later.
        day_after = datetime.combine(query.closing_after + timedelta(days=1), time.min, UTC)
        queryset = queryset.filter(
            Q(valid_through__gte=day_after)
            | Q(
                valid_through__isnull=True,
                posted_at__gte=day_after - timedelta(days=default_days),
            )
        )
    if query.salary_given is True:
        queryset = queryset.filter(Q(salary_min__isnull=False) | Q(salary_max__isnull=False))
    elif query.salary_given is False:
        queryset = queryset.filter(salary_min__isnull=True, salary_max__isnull=True)
    return queryset


def _any_of(field: str, values: Iterable[str]) -> tantivy.Query:
    terms = [str(value) for value in values]
    if len(terms) == 1:
        # A term's postings are skipped through where a term set marks every document of
        # its terms first: a third cheaper for one value, the usual case.
        return tantivy.Query.term_query(fulltext.SCHEMA, field, terms[0])
    return tantivy.Query.term_set_query(fulltext.SCHEMA, field, terms)


def _at_least(field: str, moment: datetime) -> tantivy.Query:
    return tantivy.Query.range_query(
        fulltext.SCHEMA, field, tantivy.FieldType.Integer, fulltext.micros(moment), None
    )


def _before(field: str, moment: datetime, *, inclusive: bool) -> tantivy.Query:
    return tantivy.Query.range_query(
        fulltext.SCHEMA,
        field,
        tantivy.FieldType.Integer,
        None,
        fulltext.micros(moment),
        include_upper=inclusive,
        use_inverted_index=True,
    )


def _flag(field: str, value: bool) -> tantivy.Query:
    return tantivy.Query.term_query(fulltext.SCHEMA, field, value)


def _open_after(moment: datetime, default_days: int, *, strictly: bool) -> list[fulltext.Clause]:
    """Closing after the moment or, with no closing date, posted less than the default
    lifetime before it (with index_filters' exclusion of the jobs not shown, the index's side
    of jobs.lifecycle.visible_now): every job but the shown ones whose moment has passed,
    the only ones holding those moments (fulltext's schema tells why so)."""
    lifetime = timedelta(days=default_days)
    return [
        (tantivy.Occur.MustNot, _before("closes_at", moment, inclusive=strictly)),
        (tantivy.Occur.MustNot, _before("undated_since", moment - lifetime, inclusive=strictly)),
    ]


def index_filters(query: JobQuery, now: datetime, default_days: int) -> list[fulltext.Clause]:
    """visible_jobs and filter_jobs as conditions the search index evaluates itself."""
    clauses = _open_after(now, default_days, strictly=True)
    if not query.groups:
        # Words are only looked for in shown jobs' words (fulltext's schema), so only a
        # search without them has to leave the others out. Excluding them costs less than
        # intersecting with the shown.
        clauses.append((tantivy.Occur.MustNot, _flag("shown", False)))
    filters: list[tantivy.Query] = []
    for name in ("country", "region", "organization", "employment_type", "category", "work_mode"):
        values = getattr(query, name)
        if values:
            filters.append(_any_of(name, values))
    if query.language:
        filters.append(_any_of("language_tags", query.language))
    if query.posted_within:
        filters.append(_at_least("posted_at", now - timedelta(days=query.posted_within)))
    if query.closing_after:
        day_after = datetime.combine(query.closing_after + timedelta(days=1), time.min, UTC)
        clauses.extend(_open_after(day_after, default_days, strictly=False))
    if query.salary_given is not None:
        filters.append(_flag("salary", query.salary_given))
    return [*clauses, *((tantivy.Occur.Must, condition) for condition in filters)]


# --- execution ----------------------------------------------------------------------------


# Deletion-mark candidates are checked against the index this many at a time.
HOLDING_CHUNK = 1000


async def ids_holding(
    queryset: QuerySet[Job],
    groups: Sequence[Group],
    *,
    limit: int,
    indexes: fulltext.SearchIndexes,
) -> list[int]:
    """The ids of the queryset's jobs, whatever their status, that match the search's words
    (its groups, stemmed and OR-ed as in a search): the
    `limit` whose status changed last (feeds' deletion marks follow a search's words too).

    The database orders the candidates; the index, which holds every job whatever its
    status, keeps those holding the terms, a chunk at a time until enough are found."""
    searcher = (await indexes.current_index()).searcher()
    ordered = queryset.order_by("-status_changed_at", "-id")
    found: list[int] = []
    offset = 0
    while len(found) < limit:
        page = ordered.offset(offset).limit(HOLDING_CHUNK).values_list("id", flat=True)
        chunk = [int(job_id) for job_id in await page]
        if not chunk:
            break
        holding = set(fulltext.ids_among(searcher, groups, chunk))
        found += [job_id for job_id in chunk if job_id in holding]
        offset += HOLDING_CHUNK
    return found[:limit]


@dataclass
class _Matches:
    """The visible jobs matching a query, as the search index sees them."""

    searcher: tantivy.Searcher
    query: tantivy.Query


def _ordered_ids(matches: _Matches, sort: str, limit: int, offset: int) -> tuple[int, ...]:
    return _ordered_ids_and_total(matches, sort, limit, offset)[0]


def _ordered_ids_and_total(
    matches: _Matches, sort: str, limit: int, offset: int
) -> tuple[tuple[int, ...], int]:
    ids, total = fulltext.ordered_ids(matches.searcher, matches.query, sort, offset, limit)
    return tuple(ids), total


def _facet_lists(matches: _Matches) -> dict[str, list[FacetCount]]:
    """The counts per facet value (each facet counted alone, much cheaper than by
    combination when no cache keeps them)."""
    counts = fulltext.value_counts(matches.searcher, matches.query, FACETS)
    return {
        name: [
            FacetCount(value, count)
            for value, count in sorted(values, key=lambda item: (-item[1], item[0]))
        ]
        for name, values in counts.items()
    }


def _counts(matches: _Matches, *, facets: bool) -> tuple[int, dict[str, list[FacetCount]] | None]:
    """The number of matches and, with facets, the counts per facet value."""
    return fulltext.count(matches.searcher, matches.query), (
        _facet_lists(matches) if facets else None
    )


def _cached_ids(
    caches: search_cache.SearchCaches,
    matches: _Matches,
    query: JobQuery,
    key: tuple[Any, ...],
) -> tuple[int, ...]:
    """The page's ids: sliced from the cached first pages of this sort, or the page kept alone."""
    sort = query.effective_sort
    offset = (query.page - 1) * query.per_page
    end = offset + query.per_page
    if end <= search_cache.PREFIX_ROWS:
        prefix_key = ("ids", sort, *key)
        prefix = caches.results.get(prefix_key)
        if prefix is None:
            prefix = _ordered_ids(matches, sort, search_cache.PREFIX_ROWS, 0)
            caches.results.put(prefix_key, prefix)
        return prefix[offset:end]
    page_key = ("page", sort, query.page, query.per_page, *key)
    ids = caches.results.get(page_key)
    if ids is None:
        ids = _ordered_ids(matches, sort, query.per_page, offset)
        caches.results.put(page_key, ids)
    return ids


def _cached_counts(
    caches: search_cache.SearchCaches,
    matches: _Matches,
    scope: search_cache.Scope,
    canonical: JobQuery,
    *,
    facets: bool,
) -> tuple[int, dict[str, list[FacetCount]] | None]:
    """Total and facets from the cache, else computed and kept. (Counting per combination
    of facet values, from which a facet click's counts would follow, took twenty times as
    long as counting each facet afresh.)"""
    counts_key = ("counts", scope, canonical)
    entry = caches.results.get(counts_key)
    if entry is None or (facets and entry[1] is None):
        total, facet_counts = _counts(matches, facets=facets)
        frozen = (
            None
            if facet_counts is None
            else tuple((name, tuple(values)) for name, values in facet_counts.items())
        )
        entry = (total, frozen)
        caches.results.put(counts_key, entry)
    total, frozen = entry
    if not facets or frozen is None:
        return total, None
    return total, {name: list(values) for name, values in frozen}


async def search_jobs(
    query: JobQuery,
    *,
    indexes: fulltext.SearchIndexes,
    now: datetime | None = None,
    facets: bool = True,
    default_days: int = DEFAULT_JOB_DAYS,
    caches: search_cache.SearchCaches | None = None,
    choices: bool = False,
) -> SearchResult:
    """One page of the visible jobs matching the query (organization fetched), the total,
    and with facets=True the counts per facet value over every match (with choices=True
    also SearchResult.choices).

    With caches, the total, the facets, the page's ids and its jobs come from them when no
    job or organization changed since they were computed; without an explicit now,
    visibility is then evaluated at the start of the current minute."""
    connection = connections.get("default")
    generation = None
    if caches is not None and search_cache.cacheable(connection):
        # Read before any result, so that a change committed meanwhile moves the key.
        generation = await search_cache.data_generation(connection)
    if generation is not None and now is None:
        now = search_cache.this_minute(datetime.now(UTC))
    now = now or datetime.now(UTC)
    groups = query.groups
    if query.text and not groups:
        # Only punctuation or operators: there is no word to find.
        return SearchResult(query, [], 0, {name: [] for name in FACETS} if facets else {})
    index = await indexes.current_index(connection)
    scope = None
    if caches is not None and generation is not None:
        scope = search_cache.Scope(
            search_cache.database_identity(connection), generation, now, default_days
        )
    search = _IndexSearch(
        index.searcher(), query, now, default_days, facets, choices, caches, scope
    )
    version = None if scope is None else (scope.database, scope.generation)
    tallies: list[_Tallies] = []

    async def tally() -> None:
        tallies.append(await anyio.to_thread.run_sync(search.tallies))

    # The engine releases the GIL while it searches and counts: in worker threads, the page
    # and the counts are found side by side (and concurrent searches use every core) instead
    # of taking turns on the event loop's; the page's jobs are read while counting goes on.
    try:
        async with anyio.create_task_group() as group:
            if search.needs_tallies:
                group.start_soon(tally)
            ids, total = await anyio.to_thread.run_sync(search.page)
            by_id = await _jobs_by_id(ids, version, caches)
    except ExceptionGroup as failed:
        # Callers handle one error, as a search without the side-by-side counting would
        # raise it: the first (the other part, if it failed too, is chained to it).
        first, *others = failed.exceptions
        raise first from (others[0] if others else None)
    facet_counts, choice_counts = None, {}
    if tallies:
        tallied_total, facet_counts, choice_counts = tallies[0]
        total = tallied_total if total is None else total
    jobs = [by_id[job_id] for job_id in ids if job_id in by_id]
    return SearchResult(query, jobs, total or 0, facet_counts or {}, choice_counts)


# The total (None when the page's search gave it), the facets and the choices of a search.
_Tallies = tuple[int | None, dict[str, list[FacetCount]] | None, dict[str, list[FacetCount]]]


@dataclass
class _IndexSearch:
    """search_jobs' work in the index, in two parts that may run at once in any threads
    (no database is read): the page of ids, and the counts (total, facets, choices). With
    a scope, both come from the caches where they can."""

    searcher: tantivy.Searcher
    query: JobQuery
    now: datetime
    default_days: int
    facets: bool
    choices: bool
    caches: search_cache.SearchCaches | None
    scope: search_cache.Scope | None

    def matching(self, some: JobQuery) -> _Matches:
        filters = index_filters(some, self.now, self.default_days)
        return _Matches(self.searcher, fulltext.text_and_filters(self.query.groups, filters))

    @cached_property
    def matches(self) -> _Matches:
        """The query's own matches, which the page and the counts share."""
        return self.matching(self.query)

    @property
    def cached(self) -> bool:
        return self.caches is not None and self.scope is not None

    @property
    def canonical(self) -> JobQuery:
        return replace(
            self.query, text=self.query.canonical_text, sort="", page=1, per_page=DEFAULT_PER_PAGE
        )

    @property
    def needs_tallies(self) -> bool:
        # Uncached, the page's search counts the matches too.
        return self.facets or self.cached

    def page(self) -> tuple[tuple[int, ...], int | None]:
        """The page's ids, and the total when the page's search counted it."""
        query = self.query
        if not self.cached:
            offset = (query.page - 1) * query.per_page
            return _ordered_ids_and_total(
                self.matches, query.effective_sort, query.per_page, offset
            )
        assert self.caches is not None
        key = (self.scope, self.canonical)
        return _cached_ids(self.caches, self.matches, query, key), None

    def counts(self, some: JobQuery) -> tuple[int | None, dict[str, list[FacetCount]] | None]:
        found = self.matches if some == self.query else self.matching(some)
        if not self.cached:
            return None, _facet_lists(found) if self.facets else None
        assert self.caches is not None and self.scope is not None
        canonical = replace(self.canonical, **_facet_values(some))
        return _cached_counts(self.caches, found, self.scope, canonical, facets=self.facets)

    def tallies(self) -> _Tallies:
        query = self.query
        total, facet_counts = self.counts(query)
        # Several values of one facet are alternatives: a chosen facet is counted again
        # without its own filter, so that each of its other values shows what choosing it
        # too would add.
        choice_counts: dict[str, list[FacetCount]] = {}
        if self.choices and facet_counts is not None:
            for name in FACETS:
                if getattr(query, name):
                    others = self.counts(replace(query, **{name: ()}))[1]
                    choice_counts[name] = others[name]  # type: ignore[index]
        return total, facet_counts, choice_counts


def _facet_values(query: JobQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in FACETS}


async def _jobs_by_id(
    ids: Sequence[int], version: tuple[Any, int] | None, caches: search_cache.SearchCaches | None
) -> dict[int, JobRow]:
    """The jobs with these ids as rows (jobs.rows), organization included; with a version
    (database, generation), those read before under the same version come from the cache,
    as copies."""
    if version is None or caches is None:
        return {job.id: job for job in await job_rows_by_id(ids)}
    cached = caches.jobs.get_many((version, job_id) for job_id in ids)
    by_id = {key[1]: job.copy() for key, job in cached.items()}
    missing = [job_id for job_id in ids if job_id not in by_id]
    if missing:
        for job in await job_rows_by_id(missing):
            caches.jobs.put((version, job.id), job)
            by_id[job.id] = job.copy()
    return by_id
