"""The expensive parts of searches kept in memory, by each application (SearchCaches): totals
with facet counts, the ordered ids of the first pages of each sort, and the jobs shown on result
pages.

Entries are keyed by the database, the jobs data generation and the moment visibility is
evaluated at. Database triggers (jobs migration 0003) bump the generation on every insert,
update or delete of a job or an organization, whoever makes it, so an entry can never be used
after the data it was computed from changed, in this process or in any other sharing the
database: reading the generation is one primary-key lookup per search. Visibility depends on
time (closing dates, the default lifetime), so searches made without an explicit moment are
evaluated at the start of the current minute and the minute is part of the key.

Cached jobs are rows (jobs.rows.JobRow) handed out as copies, never the rows the cache holds.

Searches inside a transaction bypass the cache: the generation they read is not committed, and
a rollback would hand the same number to different data.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

MAX_ENTRIES = 512
MAX_JOBS = 2048
# The first ten pages of twenty (two of a hundred) are read in one query and kept together;
# deeper pages are kept one by one.
PREFIX_ROWS = 200
GENERATION_SQL = "SELECT generation FROM job_data_generation WHERE id = 1"


@dataclass(frozen=True)
class Scope:
    """What every entry of one search depends on besides the query itself."""

    database: Hashable
    generation: int
    moment: datetime
    default_days: int


class SearchCache:
    """A bounded least-recently-used map; values must be immutable (tuples, frozen data)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, Any]:
        found = {}
        for key in keys:
            value = self.get(key)
            if value is not None:
                found[key] = value
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = 0
            self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class SearchCaches:
    """One application's search caches (create_app keeps them in app.state.search_caches)."""

    # Ordered ids of pages, and totals with facet counts.
    results: SearchCache = field(default_factory=SearchCache)
    # Jobs as read for result pages (jobs.rows, organization included), one entry per job.
    jobs: SearchCache = field(default_factory=lambda: SearchCache(max_entries=MAX_JOBS))

    def clear(self) -> None:
        for one in (self.results, self.jobs):
            one.clear()


def database_identity(connection: BaseDBAsyncClient) -> Hashable:
    """Which database the connection reaches: several may be open in one process (tests)."""
    return (
        type(connection).__name__,
        getattr(connection, "filename", None),
        getattr(connection, "host", None),
        getattr(connection, "port", None),
        getattr(connection, "database", None),
    )


def cacheable(connection: BaseDBAsyncClient) -> bool:
    return not isinstance(connection, TransactionalDBClient)


async def data_generation(connection: BaseDBAsyncClient) -> int | None:
    """The jobs data generation, which moves whenever a job or an organization is written;
    None without its row (nothing would tell a change, so nothing may be cached)."""
    rows = await connection.execute_query_dict(GENERATION_SQL)
    return int(rows[0]["generation"]) if rows else None


def this_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
