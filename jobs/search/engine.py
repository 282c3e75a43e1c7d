"""Job search: query parameters -> JobQuery -> the matching jobs, their facets and one page.

Structural filters are Tortoise Q objects (filter_jobs), so feeds reuse them on any queryset.
The text part and ranking are the only hand-written SQL: search_jobs wraps the filtered
queryset's SQL as a subquery and joins it with the dialect's full-text index (migration 0002),
which holds the terms made by core.search_terms.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core.database import dialect
from core.orm_internals import copy_instance, query_sql
from core.pagination import Paginated
from jobs.lifecycle import visible_now
from jobs.models import Job
from jobs.search import cache as search_cache
from jobs.search.params import DEFAULT_JOB_DAYS, DEFAULT_PER_PAGE, FACETS, JobQuery

# Title terms weigh ten times body terms, on both backends.
SQLITE_RANK = "bm25(job_fts, 10.0, 1.0)"
POSTGRES_RANK_WEIGHTS = "{0.1, 0.1, 0.1, 1.0}"  # D, C, B (body), A (title)


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResult(Paginated):
    query: JobQuery
    jobs: list[Job]
    total: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)

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


# --- execution ----------------------------------------------------------------------------


class _Sql:
    """Builds one statement with parameters in the dialect's placeholder style."""

    def __init__(self, postgres: bool, params: Sequence[Any] = ()):
        self.postgres = postgres
        self.params = list(params)
        self.sql = ""

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"


def _structural_sql(queryset: QuerySet[Job], *, scan: bool = False) -> tuple[str, list[Any]]:
    """The queryset as a subquery selecting what search needs, without an ORDER BY (which
    would stop SQLite from flattening it into the outer join).

    scan: the jobs are read in full rather than looked up by full-text hits. SQLite, without
    statistics, then prefers a one-column index on a filtered column (country, work mode…)
    and reads every such job's wide row to check the rest; the covering index by status
    (migration 0002) answers the same from its narrow entries, several times faster."""
    sql, params = query_sql(
        queryset.values("id", "posted_at", "valid_through", *FACETS), ordered=False
    )
    if scan and dialect() == "sqlite":
        sql = sql.replace(' FROM "job" ', ' FROM "job" INDEXED BY job_search_by_status ', 1)
    return sql, params


def _hits_sql(builder: _Sql, terms: list[str], *, ranked: bool) -> str:
    """The id of every job holding all terms and, when ranked, its score (lower ranks first);
    computing a score costs time for every match, so counts and other sorts go without."""
    # Terms are runs of word characters, so quoting cannot be broken out of.
    if builder.postgres:
        match_all = builder.param(" & ".join(f"'{term}'" for term in terms))
        score = ""
        if ranked:
            match_any = builder.param(" | ".join(f"'{term}'" for term in terms))
            rank = f"ts_rank('{POSTGRES_RANK_WEIGHTS}', search_vector, {match_any}::tsquery)"
            score = f", -{rank} AS score"
        return f"SELECT id{score} FROM job WHERE search_vector @@ {match_all}::tsquery"
    match = builder.param(" ".join(f'"{term}"' for term in terms))
    score = f", {SQLITE_RANK} AS score" if ranked else ""
    return f"SELECT rowid AS id{score} FROM job_fts WHERE job_fts MATCH {match}"


def _source(structural: tuple[str, list[Any]], terms: list[str], *, ranked: bool) -> _Sql:
    """FROM clause (in .sql) and parameters: the filtered jobs as f, the text hits as h."""
    structural_sql, structural_params = structural
    builder = _Sql(dialect() == "postgres", structural_params)
    builder.sql = f"({structural_sql}) AS f"
    if terms:
        hits = _hits_sql(builder, terms, ranked=ranked)
        builder.sql += f' JOIN ({hits}) AS h ON h.id = f."id"'
    return builder


async def ids_holding(queryset: QuerySet[Job], terms: list[str], *, limit: int) -> list[int]:
    """The ids of the queryset's jobs, whatever their status, that hold every term: the
    `limit` whose status changed last (feeds' deletion marks follow a search's words too)."""
    source = _source(
        query_sql(queryset.values("id", "status_changed_at"), ordered=False), terms, ranked=False
    )
    rows = await connections.get("default").execute_query_dict(
        f'SELECT f."id" AS id FROM {source.sql} '
        f'ORDER BY f."status_changed_at" DESC, f."id" DESC LIMIT {int(limit)}',
        source.params,
    )
    return [row["id"] for row in rows]


ORDERINGS = {
    "relevance": 'h.score, f."posted_at" DESC, f."id" DESC',
    "newest": 'f."posted_at" DESC, f."id" DESC',
    "closing": 'f."valid_through" ASC NULLS LAST, f."id" ASC',
}


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


async def _ordered_ids(
    connection: BaseDBAsyncClient,
    structural: tuple[str, list[Any]],
    terms: list[str],
    sort: str,
    limit: int,
    offset: int,
) -> tuple[int, ...]:
    page = _source(structural, terms, ranked=sort == "relevance")
    rows = await connection.execute_query_dict(
        f'SELECT f."id" AS id FROM {page.sql} ORDER BY {ORDERINGS[sort]}'
        f" LIMIT {limit} OFFSET {offset}",
        page.params,
    )
    return tuple(row["id"] for row in rows)


async def _groups(
    connection: BaseDBAsyncClient, structural: tuple[str, list[Any]], terms: list[str]
) -> tuple[tuple[Any, ...], ...]:
    """The matches counted per combination of facet values, in one pass: rows of the FACETS
    values followed by the count."""
    matches = _source(structural, terms, ranked=False)
    columns = ", ".join(f'f."{name}" AS "{name}"' for name in FACETS)
    groups = ", ".join(f'f."{name}"' for name in FACETS)
    rows = await connection.execute_query_dict(
        f"SELECT {columns}, COUNT(*) AS n FROM {matches.sql} GROUP BY {groups}",
        matches.params,
    )
    # Interned: the same few values recur in every row, and cached rows should share them.
    return tuple((*(_interned(row[name]) for name in FACETS), int(row["n"])) for row in rows)


def _interned(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


def _facets_of_groups(
    groups: Iterable[tuple[Any, ...]],
) -> tuple[int, dict[str, list[FacetCount]]]:
    return _facet_counts({**dict(zip(FACETS, row, strict=False)), "n": row[-1]} for row in groups)


async def _counts(
    connection: BaseDBAsyncClient,
    structural: tuple[str, list[Any]],
    terms: list[str],
    *,
    facets: bool,
) -> tuple[int, dict[str, list[FacetCount]] | None]:
    """The number of matches and, with facets, the counts per facet value, in one pass."""
    if facets:
        return _facets_of_groups(await _groups(connection, structural, terms))
    matches = _source(structural, terms, ranked=False)
    rows = await connection.execute_query_dict(
        f"SELECT COUNT(*) AS n FROM {matches.sql}", matches.params
    )
    return int(rows[0]["n"]), None


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


async def _cached_ids(
    caches: search_cache.SearchCaches,
    connection: BaseDBAsyncClient,
    structural: Callable[[], tuple[str, list[Any]]],
    terms: list[str],
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
            prefix = await _ordered_ids(
                connection, structural(), terms, sort, search_cache.PREFIX_ROWS, 0
            )
            caches.results.put(prefix_key, prefix)
        return prefix[offset:end]
    page_key = ("page", sort, query.page, query.per_page, *key)
    ids = caches.results.get(page_key)
    if ids is None:
        ids = await _ordered_ids(connection, structural(), terms, sort, query.per_page, offset)
        caches.results.put(page_key, ids)
    return ids


async def _cached_counts(
    caches: search_cache.SearchCaches,
    connection: BaseDBAsyncClient,
    structural: Callable[[], tuple[str, list[Any]]],
    terms: list[str],
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
            groups = await _groups(connection, structural(), terms)
            if len(groups) <= search_cache.MAX_GROUP_ROWS:
                caches.groups.put(groups_key, groups)
            total, facet_counts = _facets_of_groups(groups)
        else:
            total, facet_counts = await _counts(connection, structural(), terms, facets=facets)
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
    now: datetime | None = None,
    facets: bool = True,
    default_days: int = DEFAULT_JOB_DAYS,
    caches: search_cache.SearchCaches | None = None,
) -> SearchResult:
    """One page of the visible jobs matching the query (organization fetched), the total,
    and with facets=True the counts per facet value over every match.

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
    terms = query.terms
    if query.text and not terms:
        # Only punctuation or operators: there is no word to find.
        return SearchResult(query, [], 0, {name: [] for name in FACETS} if facets else {})
    built: list[tuple[str, list[Any]]] = []

    def structural() -> tuple[str, list[Any]]:
        if not built:
            filtered = filter_jobs(
                visible_jobs(now, default_days), query, now=now, default_days=default_days
            )
            # By organization, its index finds the few jobs sooner than any scan.
            scan = not terms and not query.organization
            built.append(_structural_sql(filtered, scan=scan))
        return built[0]

    if caches is None or generation is None:
        sort = query.effective_sort
        offset = (query.page - 1) * query.per_page
        ids = await _ordered_ids(connection, structural(), terms, sort, query.per_page, offset)
        total, facet_counts = await _counts(connection, structural(), terms, facets=facets)
        version = None
    else:
        scope = search_cache.Scope(
            search_cache.database_identity(connection), generation, now, default_days
        )
        # The terms, not the text as typed: "ATTORNEY" and "attorney" share entries.
        canonical = replace(query, text=" ".join(terms), sort="", page=1, per_page=DEFAULT_PER_PAGE)
        key = (scope, canonical)
        version = (scope.database, generation)
        ids = await _cached_ids(caches, connection, structural, terms, query, key)
        total, facet_counts = await _cached_counts(
            caches, connection, structural, terms, scope, canonical, facets=facets
        )
    by_id = await _jobs_by_id(ids, version, caches)
    jobs = [by_id[job_id] for job_id in ids if job_id in by_id]
    return SearchResult(query, jobs, total, facet_counts or {})


async def _jobs_by_id(
    ids: Sequence[int], version: tuple[Any, int] | None, caches: search_cache.SearchCaches | None
) -> dict[int, Job]:
    """The jobs with these ids, organization loaded; with a version (database, generation),
    those loaded before under the same version come from the cache, as copies."""
    if version is None or caches is None:
        return {job.id: job for job in await Job.filter(id__in=ids).select_related("organization")}
    cached = caches.jobs.get_many((version, job_id) for job_id in ids)
    by_id = {key[1]: copy_instance(job) for key, job in cached.items()}
    missing = [job_id for job_id in ids if job_id not in by_id]
    if missing:
        for job in await Job.filter(id__in=missing).select_related("organization"):
            caches.jobs.put((version, job.id), job)
            by_id[job.id] = copy_instance(job)
    return by_id
