"""Job search: query parameters -> JobQuery -> the matching jobs, their facets and one page.

Structural filters are Tortoise Q objects (filter_jobs), so feeds reuse them on any queryset.
Searching itself, words and filters alike, is done by the search index (jobs.search.fulltext,
the same on both databases), which holds the terms made by core.search_terms; the database only
loads the page's jobs.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from functools import partial
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
    """Shown, and closing after the moment or, with no closing date, posted less than the
    default lifetime before it (the index's side of jobs.lifecycle.visible_now): every job
    but the hidden ones and the shown ones whose moment has passed (fulltext's schema tells
    why so). Excluding the hidden costs less than intersecting with the shown."""
    lifetime = timedelta(days=default_days)
    return [
        (tantivy.Occur.MustNot, _flag("shown", False)),
        (tantivy.Occur.MustNot, _before("closes_at", moment, inclusive=strictly)),
        (tantivy.Occur.MustNot, _before("undated_since", moment - lifetime, inclusive=strictly)),
    ]


def index_filters(query: JobQuery, now: datetime, default_days: int) -> list[fulltext.Clause]:
    """visible_jobs and filter_jobs as conditions the search index evaluates itself."""
    clauses = _open_after(now, default_days, strictly=True)
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


def _facet_counts(rows: Iterable[Mapping[str, Any]]) -> tuple[int, dict[str, list[FacetCount]]]:
    counters = {name: Counter() for name in FACETS}
    total = 0
    for row in rows:
        total += row["n"]
        for name in FACETS:
            if row[name]:
                counters[name][str(row[name])] += row["n"]
    facets = {
        name: [
            FacetCount(value, count)
            for value, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        ]
        for name, counter in counters.items()
    }
    return total, facets


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


def _groups(matches: _Matches) -> tuple[tuple[Any, ...], ...]:
    """The matches counted per combination of facet values, in one pass: rows of the FACETS
    values followed by the count."""
    rows = fulltext.groups(matches.searcher, matches.query, FACETS)
    # Interned: the same few values recur in every row, and cached rows should share them.
    return tuple(tuple(_interned(value) for value in row) for row in rows)


def _interned(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


def _facets_of_groups(
    groups: Iterable[tuple[Any, ...]],
) -> tuple[int, dict[str, list[FacetCount]]]:
    return _facet_counts({**dict(zip(FACETS, row, strict=False)), "n": row[-1]} for row in groups)


def _counts(
    matches: _Matches, *, facets: bool, total: int | None = None
) -> tuple[int, dict[str, list[FacetCount]] | None]:
    """The number of matches (unless given) and, with facets, the counts per facet value (each
    facet counted alone, much cheaper than by combination when no cache keeps them)."""
    if total is None:
        total = fulltext.count(matches.searcher, matches.query)
    if not facets:
        return total, None
    counts = fulltext.value_counts(matches.searcher, matches.query, FACETS)
    return total, {
        name: [
            FacetCount(value, count)
            for value, count in sorted(values, key=lambda item: (-item[1], item[0]))
        ]
        for name, values in counts.items()
    }


# Filters that only keep jobs with given values of a facet column: the counts of a query using
# them follow from the per-combination counts of the same query without them (clicking a facet).
EXACT_FACET_FILTERS = ("country", "employment_type", "category", "work_mode")


def _without_facet_filters(query: JobQuery) -> JobQuery:
    return replace(query, **{name: () for name in EXACT_FACET_FILTERS})


def _within_facet_filters(
    groups: Iterable[tuple[Any, ...]], query: JobQuery
) -> list[tuple[Any, ...]]:
    """The combinations the query's facet filters keep, as the SQL IN conditions would."""
    kept = list(groups)
    for name in EXACT_FACET_FILTERS:
        chosen = getattr(query, name)
        if chosen:
            allowed = {str(value) for value in chosen}
            column = FACETS.index(name)
            kept = [row for row in kept if row[column] is not None and row[column] in allowed]
    return kept


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
    """Total and facets from the cache; else derived from the cached per-combination counts of
    the query without its facet filters; else computed, keeping those counts when the query
    has no facet filter (they are then the counts of exactly this query)."""
    counts_key = ("counts", scope, canonical)
    entry = caches.results.get(counts_key)
    if entry is None or (facets and entry[1] is None):
        broader = _without_facet_filters(canonical)
        groups_key = ("groups", scope, broader)
        groups = caches.groups.get(groups_key)
        if groups is not None:
            total, facet_counts = _facets_of_groups(_within_facet_filters(groups, canonical))
        elif facets and broader == canonical:
            groups = _groups(matches)
            if len(groups) <= search_cache.MAX_GROUP_ROWS:
                caches.groups.put(groups_key, groups)
            total, facet_counts = _facets_of_groups(groups)
        else:
            total, facet_counts = _counts(matches, facets=facets)
        frozen = (
            None
            if not facets or facet_counts is None
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
    # The engine releases the GIL while it searches and counts: in a worker thread, concurrent
    # searches use every core instead of taking turns on the event loop's.
    ids, total, facet_counts, choice_counts = await anyio.to_thread.run_sync(
        partial(
            _from_index,
            index.searcher(),
            query,
            now,
            default_days,
            facets=facets,
            choices=choices,
            caches=caches,
            scope=scope,
        )
    )
    version = None if scope is None else (scope.database, scope.generation)
    by_id = await _jobs_by_id(ids, version, caches)
    jobs = [by_id[job_id] for job_id in ids if job_id in by_id]
    return SearchResult(query, jobs, total, facet_counts or {}, choice_counts)


def _from_index(
    searcher: tantivy.Searcher,
    query: JobQuery,
    now: datetime,
    default_days: int,
    *,
    facets: bool,
    choices: bool,
    caches: search_cache.SearchCaches | None,
    scope: search_cache.Scope | None,
) -> tuple[Sequence[int], int, dict[str, list[FacetCount]] | None, dict[str, list[FacetCount]]]:
    """search_jobs' page of ids, total, facets and choices, as the index (or, with a scope,
    the caches) tell them; no database is read, so it may run in any thread."""
    groups = query.groups

    def matching(some: JobQuery) -> _Matches:
        return _Matches(
            searcher, fulltext.text_and_filters(groups, index_filters(some, now, default_days))
        )

    matches = matching(query)
    if caches is None or scope is None:
        sort = query.effective_sort
        offset = (query.page - 1) * query.per_page
        # The search for the page counts the query's own matches too.
        ids, page_total = _ordered_ids_and_total(matches, sort, query.per_page, offset)

        def counts(some: JobQuery, found: _Matches) -> tuple[int, dict[str, Any] | None]:
            return _counts(found, facets=facets, total=page_total if found is matches else None)
    else:
        canonical = replace(
            query, text=query.canonical_text, sort="", page=1, per_page=DEFAULT_PER_PAGE
        )
        ids = _cached_ids(caches, matches, query, (scope, canonical))

        def counts(some: JobQuery, found: _Matches) -> tuple[int, dict[str, Any] | None]:
            return _cached_counts(
                caches, found, scope, replace(canonical, **_facet_values(some)), facets=facets
            )

    total, facet_counts = counts(query, matches)
    # Several values of one facet are alternatives: a chosen facet is counted again without
    # its own filter, so that each of its other values shows what choosing it too would add.
    choice_counts: dict[str, list[FacetCount]] = {}
    if choices and facet_counts is not None:
        for name in FACETS:
            if getattr(query, name):
                others = replace(query, **{name: ()})
                choice_counts[name] = counts(others, matching(others))[1][name]  # type: ignore[index]
    return ids, total, facet_counts, choice_counts


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
