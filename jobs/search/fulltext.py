"""The search index: an embedded tantivy index derived from the database, one per database.

The database stays the source of truth. Each index holds, per job, the terms core.search_terms
made of it (the search_title and search_body columns) and everything search filters, sorts and
counts on, visibility included (status, organization active, closing and posting moments), so
that hidden and expired jobs are dropped inside the engine, which ranks and counts without
visiting every match in Python.

It is kept in step through the search_change log (migration 0006), written by triggers in the
transaction of every change. Before answering, a search applies the log up to what is committed
(catch_up), so a process finds its own writes at once and another process's writes as soon as it
searches; whichever process holds tantivy's writer lock applies the log, the others reload what it
committed. The applied position is written beside the index after each commit: a process killed
mid-batch leaves the position behind what it committed, and re-applying a change is harmless.

An index that is missing, from an older schema, or unreadable is rebuilt from the database
(rebuild, also `amicus reindex`).

The log is pruned by age (prune_change_log): a change is deleted once it was committed more than
the retention (AMICUS_SEARCH_LOG_DAYS) ago, whichever indexes have applied it, since the
machines keeping an index from one PostgreSQL log are not known to the database (a table of
their positions would be held back forever by a machine taken out of service). An index whose
position is older than what the log still holds is rebuilt, as a missing one is: a machine
that has not searched for longer than the retention pays one rebuild, and loses nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import tantivy
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.transactions import in_transaction

from core.i18n import LANGUAGES, current_language
from core.orm_internals import outside_transaction
from core.search_terms import (
    STEMMERS,
    Alternative,
    Group,
    Phrase,
    normalize,
    stem_terms,
    stemmed,
    term_forms,
)
from jobs.labels import EMPLOYMENT_TYPES, WORK_MODES
from jobs.lifecycle import is_shown
from jobs.models import Job
from jobs.search.cache import database_identity

# Bump when the schema or the way documents are made changes: older indexes are then rebuilt.
SCHEMA_VERSION = 6
# Title terms weigh ten times body terms.
TITLE_BOOST = 10.0
BATCH = 2000
WRITER_HEAP_BYTES = 30_000_000
# How long a search waits for the process holding the writer lock to commit what it must.
WAIT_FOR_WRITER_SECONDS = 2.0
POLL_SECONDS = 0.02
# How often every app process applies the log and reopens the index, searched or not: with
# the time to apply a batch, the bound between a commit and its visibility in search.
KEEP_IN_STEP_SECONDS = 0.25
# A sequence number missing from the log may belong to a transaction not yet committed
# (PostgreSQL hands sequence numbers out at insert time); it is looked for again this long.
GAP_GRACE_SECONDS = 600.0
# How often an app process prunes the change log (prune_change_log).
PRUNE_INTERVAL_SECONDS = 3600.0
NO_MOMENT = -(2**63)
NEVER = 2**63 - 1
# Filter fields holding one keyword each (the organization's slug under "organization").
KEYWORD_FIELDS = ("country", "region", "organization", "employment_type", "category", "work_mode")
FACET_SIZE = 10_000
# The (title, body) fields of the words of shown jobs, and of the others.
SHOWN_TEXT = ("title", "body")
HIDDEN_TEXT = ("hidden_title", "hidden_body")
# Hits collected by the first search for a page by relevance (ordered_ids): templated texts
# tie with the 20th hit by the dozen at 100,000 jobs and by the hundred at a million, where
# two hundred made most pages search twice (the second time for 6,400 hits).
TIE_FETCH = 1000

JOB_COLUMNS = (
    "id",
    "search_title",
    "search_body",
    "status",
    "organization__status",
    "organization__slug",
    "valid_through",
    "posted_at",
    "country",
    "region",
    "employment_type",
    "category",
    "work_mode",
    "language",
    "salary_min",
    "salary_max",
)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    # The terms are made already: whitespace splits them and changes nothing else. Positions
    # find quoted phrases (core.search_terms.Phrase). A job not shown (not published, or its
    # organization not active) has its words in fields of their own, so that searches for
    # words never visit it: they are a third of all jobs or more, and excluding them from
    # every match cost as much as finding the matches. Feeds' deletion marks look in both.
    for name in (*SHOWN_TEXT, *HIDDEN_TEXT):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    # Visibility: "shown" (published by an active organization: searches without words
    # exclude the others by it), and two moments only shown jobs hold, closes_at (their
    # closing moment) and undated_since (the posting moment of one without a closing date,
    # NO_MOMENT without either), which the default lifetime (a setting, so not indexed) is
    # measured from. "Shown now" excludes the shown jobs whose moment has passed: few, since
    # the expiry worker ends them, so the terms the inverted index unites for them are few
    # too. Two range conditions over the fast columns visit every document instead, which
    # cost twice as much.
    builder.add_boolean_field("shown", indexed=True)
    builder.add_integer_field("closes_at", indexed=True)
    builder.add_integer_field("undated_since", indexed=True)
    # The order of "closing soon": the closing moment, NEVER without one.
    builder.add_integer_field("open_until", fast=True)
    builder.add_integer_field("posted_at", indexed=True, fast=True)
    builder.add_boolean_field("salary", indexed=True)
    for name in (*KEYWORD_FIELDS, "language"):
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    # The language and each of its prefixes: "es" also finds "es-AR".
    builder.add_text_field("language_tags", tokenizer_name="raw")
    return builder.build()


SCHEMA = _schema()


def micros(moment: datetime | None, missing: int = NO_MOMENT) -> int:
    if moment is None:
        return missing
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _language_tags(language: str) -> list[str]:
    parts = language.split("-")
    return ["-".join(parts[: end + 1]) for end in range(len(parts))]


# Categories are left out: their English name is in the body already, and their translated
# names ("弁護士") are words people search job texts for.
LABELS = {"employment_type": EMPLOYMENT_TYPES, "work_mode": WORK_MODES}


@cache
def value_terms(field: str, value: str) -> str:
    """The terms of a filter value's label in every shipped language, so that the words
    people type ("remote", "remoto", "full-time", "voluntario") find jobs by that field."""
    label = LABELS[field].get(value)  # type: ignore[call-overload]
    if label is None:
        return ""
    words = []
    for language in LANGUAGES:
        token = current_language.set(language)
        try:
            # Each label stemmed in its own language, as a job written in it would be.
            words.append(stemmed(normalize(str(label)), language))
        finally:
            current_language.reset(token)
    return " ".join(words)


def document(row: dict[str, Any]) -> tantivy.Document:
    """The index document of a job given as its JOB_COLUMNS values."""
    language = str(row["language"] or "")
    shown = is_shown(row["status"], row["organization__status"])
    title, body = SHOWN_TEXT if shown else HIDDEN_TEXT
    fields: dict[str, Any] = {
        "id": row["id"],
        # Stemmed in the job's language (core.search_terms; queries try every stemmed form).
        title: stemmed(row["search_title"] or "", language),
        body: " ".join(
            [
                stemmed(row["search_body"] or "", language),
                *(value_terms(name, str(row[name] or "")) for name in LABELS),
            ]
        ),
        "shown": shown,
        "open_until": micros(row["valid_through"], NEVER),
        "posted_at": micros(row["posted_at"]),
        "salary": row["salary_min"] is not None or row["salary_max"] is not None,
        "organization": row["organization__slug"] or "",
    }
    if shown and row["valid_through"]:
        fields["closes_at"] = micros(row["valid_through"])
    elif shown:
        fields["undated_since"] = micros(row["posted_at"])
    for name in ("country", "region", "employment_type", "category", "work_mode", "language"):
        fields[name] = str(row[name] or "")
    fields = {name: value for name, value in fields.items() if value != ""}
    if row["language"]:
        fields["language_tags"] = _language_tags(str(row["language"]))
    return tantivy.Document(**fields)


# --- location -----------------------------------------------------------------------------


def index_directory(connection: BaseDBAsyncClient, base: str) -> Path:
    """Where this database's index lives: under base (AMICUS_INDEX_DIR, Settings.index_dir)
    when given (one folder per database), else beside the SQLite file, else under data/."""
    filename = getattr(connection, "filename", None)
    if filename == ":memory:":
        return Path(tempfile.gettempdir()) / f"amicus-search-index-{os.getpid()}-{id(connection)}"
    if filename and not base:
        return Path(f"{filename}.search-index")
    if filename:
        path = str(Path(filename).resolve())
        name = f"{Path(filename).stem}-{hashlib.sha256(path.encode()).hexdigest()[:16]}"
    else:
        name = "-".join(
            str(getattr(connection, part, "") or "") for part in ("host", "port", "database")
        )
    return Path(base or "data") / f"{name}.search-index"


# --- the index of one database ------------------------------------------------------------


class SearchIndex:
    """One database's index in this process: opened (or rebuilt) once, caught up per search."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.index: tantivy.Index | None = None
        self.lock = asyncio.Lock()
        # seq -> when it was first seen missing, for numbers that may still be committed.
        self.gaps: dict[int, float] = {}
        # Jobs written to the index from inside a transaction, read again after it.
        self.dirty: set[int] = set()
        # meta.json's inode, modification time and size when the index was last reloaded.
        self.committed: tuple[int, int, int] | None = None

    # position ---------------------------------------------------------------------------

    @property
    def _position_file(self) -> Path:
        return self.directory / "amicus-position"

    def position(self) -> tuple[int, list[int]]:
        """The last change applied and the gaps below it still looked for."""
        try:
            version, seq, *gaps = self._position_file.read_text().split()
            if int(version) != SCHEMA_VERSION:
                return -1, []
            return int(seq), [int(gap) for gap in gaps]
        except (OSError, ValueError):
            return -1, []

    def _write_position(self, seq: int, gaps: Iterable[int]) -> None:
        temporary = self._position_file.with_suffix(".tmp")
        temporary.write_text(" ".join(map(str, (SCHEMA_VERSION, seq, *sorted(gaps)))))
        temporary.replace(self._position_file)

    # opening ----------------------------------------------------------------------------

    def _open(self) -> tantivy.Index | None:
        """The index on disk, or None when it must be rebuilt."""
        if self.position()[0] < 0:
            return None
        try:
            index = tantivy.Index.open(str(self.directory))
            index.searcher().num_docs  # noqa: B018 - reading it proves the segments are whole
        except (OSError, ValueError):
            return None
        return index

    async def ready(self, connection: BaseDBAsyncClient) -> tantivy.Index:
        if self.index is None:
            self.index = self._open()
            if self.index is None:
                await self.rebuild(connection)
        assert self.index is not None
        return self.index

    async def rebuild(self, connection: BaseDBAsyncClient) -> int:
        """Build the index afresh from the database, in batches (memory independent of the
        number of jobs); returns the number of jobs indexed."""
        # Read first: a change committed during the scan is applied again afterwards.
        seq = await _last_seq(connection)
        index = self._open()
        if index is None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(SCHEMA, path=str(self.directory))
        # In place when the index is whole: readers elsewhere keep their files until commit.
        writer = index.writer(WRITER_HEAP_BYTES, 1)
        writer.delete_all_documents()
        count = 0
        after = 0
        while True:
            rows = await _job_rows(connection, after=after)
            if not rows:
                break
            for row in rows:
                writer.add_document(document(row))
            count += len(rows)
            after = rows[-1]["id"]
        writer.commit()
        writer.wait_merging_threads()
        self._write_position(seq, ())
        index.reload()
        self.index = index
        self.gaps.clear()
        return count

    # keeping in step --------------------------------------------------------------------

    async def catch_up(self, connection: BaseDBAsyncClient) -> None:
        """Apply the change log up to what the connection sees committed (inside a
        transaction, its own changes too: those jobs are read again once it is over, since
        it may roll back)."""
        transactional = isinstance(connection, TransactionalDBClient)
        async with self.lock:
            index = await self.ready(connection)
            oldest, target = await _log_bounds(connection)
            seq, gaps = self.position()
            if target < seq or seq < oldest - 1:
                # The log is behind the index (built from another database), or changes
                # the index has not applied were pruned from it.
                await self.rebuild(connection)
                seq, gaps = self.position()
            while True:
                pending = seq < target or gaps
                changes = await _changes(connection, seq, gaps, target) if pending else []
                job_ids = {row["job_id"] for row in changes}
                if not transactional:
                    job_ids |= self.dirty
                if not job_ids:
                    break
                try:
                    writer = index.writer(WRITER_HEAP_BYTES, 1)
                except ValueError:
                    # Another process holds the writer lock and applies the log: wait for it.
                    await self._wait_for_position(target)
                    break
                try:
                    await _write_jobs(connection, writer, sorted(job_ids))
                    writer.commit()
                finally:
                    writer.wait_merging_threads()
                if transactional:
                    self.dirty |= job_ids
                    break
                self.dirty.clear()
                newest = self._record(seq, gaps, changes)
                if newest >= target:
                    break
                seq, gaps = self.position()
            self._reload_if_committed(index)

    def _reload_if_committed(self, index: tantivy.Index) -> None:
        # Every commit, by any process, replaces meta.json (a new file, renamed into place):
        # reopening costs far more than a stat.
        try:
            stat = (self.directory / "meta.json").stat()
            marker: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            marker = None
        if marker is None or marker != self.committed:
            index.reload()
            self.committed = marker

    async def _wait_for_position(self, target: int) -> None:
        # The other process tells its progress only through the position file: poll it.
        for _ in range(int(WAIT_FOR_WRITER_SECONDS / POLL_SECONDS)):
            if self.position()[0] >= target:
                return
            await asyncio.sleep(POLL_SECONDS)

    def _record(self, seq: int, gaps: Sequence[int], changes: Sequence[dict[str, Any]]) -> int:
        """Write the new position after applying changes; returns it. Numbers skipped below
        it are kept as gaps, looked for again until GAP_GRACE_SECONDS after first missed."""
        seen = {row["seq"] for row in changes}
        newest = max([seq, *seen])
        now = time.monotonic()
        missing = (set(range(seq + 1, newest + 1)) | set(gaps)) - seen
        kept = [gap for gap in missing if now - self.gaps.setdefault(gap, now) < GAP_GRACE_SECONDS]
        self.gaps = {gap: self.gaps[gap] for gap in kept}
        self._write_position(newest, kept)
        return newest

    # searching --------------------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        assert self.index is not None
        return self.index.searcher()


# The (title, body) fields words are looked for in.
TextFields = tuple[str, str]


def _term(term: str, fields: TextFields) -> tantivy.Query:
    """A term found in the title (weighing more) or the body, in any form it is indexed in."""
    title_field, body_field = fields
    clauses = []
    for form in term_forms(term):
        title = tantivy.Query.term_query(SCHEMA, title_field, form)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(title, TITLE_BOOST)))
        clauses.append((tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, body_field, form)))
    return tantivy.Query.boolean_query(clauses)


def _every(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query) for query in queries])


def _phrase(phrase: Phrase, fields: TextFields) -> tantivy.Query:
    """The terms side by side in the title (weighing more) or the body. A job's terms are all
    in one form (stemmed in its language, or as written), so the phrase is looked for in each
    form whole, as typed and stemmed in each stemmed language."""
    title_field, body_field = fields
    forms = [list(phrase)]
    for language in STEMMERS:
        stems = stem_terms(phrase, language)
        if stems not in forms:
            forms.append(stems)
    clauses = []
    for words in forms:
        title = tantivy.Query.phrase_query(SCHEMA, title_field, words)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(title, TITLE_BOOST)))
        body = tantivy.Query.phrase_query(SCHEMA, body_field, words)
        clauses.append((tantivy.Occur.Should, body))
    return tantivy.Query.boolean_query(clauses)


def _alternative(alternative: Alternative, fields: TextFields) -> tantivy.Query:
    if isinstance(alternative, Phrase):
        return _phrase(alternative, fields)
    return _every([_term(term, fields) for term in alternative])


def _group(group: Group, fields: TextFields = SHOWN_TEXT) -> tantivy.Query:
    """One of the alternatives, each with all its terms (a phrase's side by side), in the
    words of shown jobs (or in those of the given fields)."""
    alternatives = [_alternative(alternative, fields) for alternative in group]
    if len(alternatives) == 1:
        return alternatives[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, query) for query in alternatives])


# One condition of a search: a query the matches must (or must not) match.
Clause = tuple[tantivy.Occur, tantivy.Query]


def text_and_filters(groups: Sequence[Group], filters: Sequence[Clause]) -> tantivy.Query:
    """Every filter and every group of words (core.search_terms.query_groups), the words
    found in shown jobs only."""
    clauses = [*filters, *((tantivy.Occur.Must, _group(group)) for group in groups)]
    if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
        # Exclusions alone match nothing: they take away from everything.
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    query = tantivy.Query.boolean_query(clauses)
    # Without words every match scores alike: only the filters decide.
    return query if groups else tantivy.Query.const_score_query(query, 1.0)


def _search(
    searcher: tantivy.Searcher, query: tantivy.Query, sort: str, limit: int
) -> tantivy.SearchResult:
    if sort == "relevance":
        return searcher.search(query, limit, count=True)
    if sort == "newest":
        return searcher.search(query, limit, count=True, order_by_field="posted_at")
    return searcher.search(
        query, limit, count=True, order_by_field="open_until", order=tantivy.Order.Asc
    )


def ordered_ids(
    searcher: tantivy.Searcher, query: tantivy.Query, sort: str, offset: int, limit: int
) -> tuple[list[int], int]:
    """The ids of ranks offset..offset+limit in the sort's order, and the total. The engine
    orders by one key; ties are broken here as the database did (newest first, then the
    highest id; by id for closing soon), fetching past the page while its last key is tied."""
    wanted = offset + limit
    # Fetching wide at once spares relevance the second search a tie past the page would
    # need (TIE_FETCH). Moments rarely tie: a page and one more hit to tell.
    fetch = max(wanted + 1, TIE_FETCH) if sort == "relevance" else wanted + 1
    while True:
        result = _search(searcher, query, sort, fetch)
        hits = result.hits
        if len(hits) < fetch or hits[wanted - 1][0] != hits[-1][0]:
            break
        fetch *= 32
    if len(hits) > wanted:
        # Only the hits tied with the page's last one can still move into the page.
        last = hits[wanted - 1][0]
        end = wanted
        while end < len(hits) and hits[end][0] == last:
            end += 1
        hits = hits[:end]
    addresses = [address for _, address in hits]
    ids = searcher.fast_field_values("id", addresses)
    if sort == "closing":
        keys = [(key, job_id) for (key, _), job_id in zip(hits, ids, strict=True)]
    else:
        posted = searcher.fast_field_values("posted_at", addresses)
        keys = [
            (-key if sort == "relevance" else 0, -moment, -job_id)
            for (key, _), moment, job_id in zip(hits, posted, ids, strict=True)
        ]
    ranked = sorted(zip(keys, ids, strict=True))
    return [job_id for _, job_id in ranked[offset:wanted]], int(result.count or 0)


def ids_among(searcher: tantivy.Searcher, groups: Sequence[Group], ids: Sequence[int]) -> list[int]:
    """Those of the given jobs, whatever their status, whose document matches the groups."""
    clauses = [(tantivy.Occur.Must, tantivy.Query.term_set_query(SCHEMA, "id", list(ids)))]
    for group in groups:
        anywhere = [
            (tantivy.Occur.Should, _group(group, fields)) for fields in (SHOWN_TEXT, HIDDEN_TEXT)
        ]
        clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(anywhere)))
    query = tantivy.Query.boolean_query(clauses)
    hits = searcher.search(query, max(len(ids), 1)).hits
    return list(searcher.fast_field_values("id", [address for _, address in hits]))


def count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return int(searcher.search(query, 1, count=True).count or 0)


def value_counts(
    searcher: tantivy.Searcher, query: tantivy.Query, names: Sequence[str]
) -> dict[str, list[tuple[str, int]]]:
    """The matches counted per value of each named field (jobs without a value left out)."""
    result = searcher.aggregate(
        query, {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in names}
    )
    return {
        name: [(str(bucket["key"]), int(bucket["doc_count"])) for bucket in result[name]["buckets"]]
        for name in names
    }


# --- database reads -----------------------------------------------------------------------


async def _last_seq(connection: BaseDBAsyncClient) -> int:
    return (await _log_bounds(connection))[1]


async def _log_bounds(connection: BaseDBAsyncClient) -> tuple[int, int]:
    """The oldest and newest sequence numbers in the log (0 when it is empty)."""
    # Apart: SQLite reads MIN or MAX alone off the primary key, both together by a full scan.
    rows = await connection.execute_query_dict(
        "SELECT (SELECT MIN(seq) FROM search_change) AS oldest, "
        "(SELECT MAX(seq) FROM search_change) AS newest"
    )
    return int(rows[0]["oldest"] or 0), int(rows[0]["newest"] or 0)


async def prune_change_log(retention: timedelta, now: datetime) -> int:
    """Delete the changes logged before the newest checkpoint older than the retention, then
    note a checkpoint of now; returns how many changes were deleted.

    The change at that checkpoint stays, so that the oldest sequence number left tells an
    index whether what it has not applied is still there (SearchIndex.catch_up). Any process
    may prune at any time: each statement keeps the rule on its own."""
    async with in_transaction() as connection:
        postgres = connection.capabilities.dialect == "postgres"
        mark = "$1" if postgres else "?"
        rows = await connection.execute_query_dict(
            f"SELECT MAX(seq) AS seq FROM search_change_checkpoint WHERE taken_at <= {mark}",
            [micros(now - retention)],
        )
        horizon = rows[0]["seq"]
        deleted = 0
        if horizon is not None:
            deleted, _ = await connection.execute_query(
                f"DELETE FROM search_change WHERE seq < {mark}", [horizon]
            )
            await connection.execute_query(
                f"DELETE FROM search_change_checkpoint WHERE seq < {mark}", [horizon]
            )
        await connection.execute_query(
            "INSERT INTO search_change_checkpoint (seq, taken_at) "
            f"SELECT MAX(seq), {mark} FROM search_change HAVING MAX(seq) IS NOT NULL",
            [micros(now)],
        )
    return int(deleted or 0)


async def _changes(
    connection: BaseDBAsyncClient, after: int, gaps: Sequence[int], upto: int
) -> list[dict[str, Any]]:
    postgres = connection.capabilities.dialect == "postgres"
    marks = [f"${n}" if postgres else "?" for n in range(1, 4 + len(gaps))]
    gap_clause = f" OR seq IN ({', '.join(marks[3:])})" if gaps else ""
    rows = await connection.execute_query_dict(
        f"SELECT seq, job_id FROM search_change WHERE (seq > {marks[0]} AND seq <= {marks[1]})"
        f"{gap_clause} ORDER BY seq LIMIT {marks[2]}",
        [after, upto, BATCH * 5, *gaps],
    )
    return [dict(row) for row in rows]


async def _write_jobs(
    connection: BaseDBAsyncClient, writer: tantivy.IndexWriter, job_ids: Sequence[int]
) -> None:
    """Replace these jobs' documents by their current state (none for a deleted job)."""
    for start in range(0, len(job_ids), BATCH):
        chunk = job_ids[start : start + BATCH]
        for job_id in chunk:
            writer.delete_documents_by_term("id", job_id)
        for row in await _job_rows(connection, ids=chunk):
            writer.add_document(document(row))


async def _job_rows(
    connection: BaseDBAsyncClient, *, after: int = 0, ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    queryset = Job.all().using_db(connection)
    if ids is not None:
        queryset = queryset.filter(id__in=list(ids))
    else:
        queryset = queryset.filter(id__gt=after).order_by("id").limit(BATCH)
    return list(await queryset.values(*JOB_COLUMNS))


# --- the indexes of one application -------------------------------------------------------


class SearchIndexes:
    """The indexes an application opened (create_app keeps them in app.state.search_indexes;
    a command without an app makes its own): one per database and event loop, each in its
    folder under index_dir (Settings.index_dir, see index_directory)."""

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        self._open: dict[Hashable, SearchIndex] = {}

    def location(self, connection: BaseDBAsyncClient) -> Path:
        """The folder of this database's index."""
        return index_directory(connection, self.index_dir)

    @staticmethod
    def _key(database: BaseDBAsyncClient) -> Hashable:
        # Per event loop too: an index's lock serves one loop, and one application may be run
        # by several in turn (each `with TestClient(app)` starts a loop of its own).
        return (id(asyncio.get_running_loop()), database_identity(database))

    async def current_index(self, connection: BaseDBAsyncClient | None = None) -> SearchIndex:
        """This database's index, with every committed change applied."""
        connection = connection or connections.get("default")
        database = outside_transaction(connection)
        key = self._key(database)
        index = self._open.get(key)
        if index is None:
            index = self._open[key] = SearchIndex(self.location(database))
        await index.catch_up(connection)
        return index

    async def keep_in_step(self) -> None:
        """One round of the app's index worker (jobs.routes): apply what was committed.

        Searches catch up by themselves; this only keeps an idle process's index warm. Not on
        SQLite, whose one shared connection would show the worker a transaction's uncommitted
        rows."""
        connection = connections.get("default")
        if connection.capabilities.dialect == "postgres":
            await self.current_index(connection)

    async def unapplied_changes(self) -> int | None:
        """How many logged changes this database's index on disk has not applied yet; None
        when there is no readable index (it is built at the next search). Read from the
        index's position file, so it tells what any process has applied, without catching up."""
        connection = connections.get("default")
        applied = SearchIndex(self.location(connection)).position()[0]
        if applied < 0:
            return None
        return max(0, await _last_seq(connection) - applied)

    async def reindex(self, connection: BaseDBAsyncClient | None = None) -> int:
        """Rebuild this database's index from scratch (`amicus reindex`); the number of jobs."""
        connection = connection or connections.get("default")
        index = self._open.get(self._key(connection)) or SearchIndex(self.location(connection))
        async with index.lock:
            return await index.rebuild(connection)

    def forget(self) -> None:
        """Drop the open indexes (a database closed; tests)."""
        self._open.clear()
