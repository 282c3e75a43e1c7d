"""The daily alert run at scale: 10,000 confirmed alerts, 500 new jobs.

    .venv/bin/python bench/alerts_bench.py [--alerts 10000] [--jobs 500]
        [--database-url postgres://postgres@127.0.0.1:5432/test]

Builds a temporary SQLite database (or, with --database-url, a fresh database on that
PostgreSQL server, dropped afterwards), migrated, with 40 organizations, 2,000 older jobs and the
new ones, and alerts over a mix of searches (words, filters, both) and frequencies, all due.
Times one run of alerts.service.run_due_alerts (which queues the mails in the outbox; SMTP
delivery is the outbox's and is not measured), counts its SQL queries (SQLite only), and measures peak
Python memory (tracemalloc) for the full and for a quarter of the alerts: memory must not
grow with the number of alerts. Prints a table and writes bench/results/alerts.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tortoise import connections  # noqa: E402

from alerts.models import Alert, AlertState, Frequency  # noqa: E402
from alerts.service import run_due_alerts  # noqa: E402
from app import site_urls  # noqa: E402
from core.database import apply_migrations, close_database, open_database  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory.models import Organization, OrganizationKind, OrganizationStatus  # noqa: E402
from jobs.models import Category, EmploymentType, Job, JobStatus, WorkMode  # noqa: E402
from jobs.search.fulltext import SearchIndexes  # noqa: E402
from mail.models import OutboxMessage  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "alerts.json"
WORDS = ["attorney", "investigator", "paralegal", "policy", "fellowship", "clinic", "dna"]
COUNTRIES = ["US", "CA", "GB", "AR", "JP", "ES"]
SEARCHES = (
    [f"q={word}" for word in WORDS]
    + [f"country={country}" for country in COUNTRIES]
    + [f"q={w}&country={c}" for w in WORDS[:4] for c in COUNTRIES[:3]]
    + ["work_mode=remote", "category=attorney&work_mode=hybrid", ""]
)


async def populate(alerts: int, new_jobs: int, now: datetime) -> None:
    rng = random.Random(13)
    organizations = [
        await Organization.create(
            slug=f"org-{n}",
            name=f"Project {n}",
            kind=OrganizationKind.INDEPENDENT_NONPROFIT,
            country=COUNTRIES[n % len(COUNTRIES)],
            status=OrganizationStatus.ACTIVE,
            network="Innocence Network",
            city="City",
            website="https://example.org",
            contact_email="jobs@example.org",
            languages=",en,",
            focus_areas=",dna,",
        )
        for n in range(40)
    ]

    def job(posted: datetime) -> Job:
        uid = f"urn:uuid:{uuid.uuid4()}"
        word = rng.choice(WORDS)
        return Job(
            uid=uid,
            slug=f"job-{uid[-12:]}",
            organization=rng.choice(organizations),
            title=f"{word.title()} {rng.randrange(1000)}",
            description_markdown=f"Work on {word} cases.",
            search_title=f"{word}",
            search_body=f"work on {word} cases",
            employment_type=EmploymentType.FULL_TIME,
            category=rng.choice(list(Category)),
            language="en",
            country=rng.choice(COUNTRIES),
            work_mode=rng.choice(list(WorkMode)),
            salary_min=Decimal("50000"),
            salary_currency="USD",
            valid_through=now + timedelta(days=30),
            status=JobStatus.PUBLISHED,
            posted_at=posted,
            status_changed_at=posted,
        )

    await Job.bulk_create([job(now - timedelta(days=rng.randrange(2, 60))) for _ in range(2000)])
    await Job.bulk_create([job(now - timedelta(hours=rng.random() * 20)) for _ in range(new_jobs)])
    frequencies = [Frequency.DAILY] * 6 + [Frequency.WEEKLY] * 3 + [Frequency.IMMEDIATE]
    for start in range(0, alerts, 1000):
        await Alert.bulk_create(
            [
                Alert(
                    email=f"person{n}@example.org",
                    query=rng.choice(SEARCHES),
                    frequency=rng.choice(frequencies),
                    language=rng.choice(["en", "es", "ja"]),
                    state=AlertState.ACTIVE,
                    since=now - timedelta(days=1),
                    next_run_at=now,
                )
                for n in range(start, min(start + 1000, alerts))
            ]
        )


class QueryCounter:
    """Counts the SQL statements SQLite executes (its trace callback sees each, inside
    transactions too): an executemany counts once per row, so the figure includes one per
    job an alert's mail records. Left out: BEGIN/COMMIT, and the statements SQLite runs
    inside one (triggers' statements, reported as "-- ...")."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, statement: str) -> None:
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
        ):
            self.count += 1

    async def attach(self) -> None:
        client = connections.get("default")
        await client.create_connection(with_db=True) if client._connection is None else None
        await client._connection.set_trace_callback(self)


async def _postgres(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def one_run(
    alerts: int, new_jobs: int, trace: bool, server_url: str | None
) -> dict[str, float]:
    if server_url:
        name = f"amicus_alerts_bench_{os.getpid()}"
        await _postgres(server_url, f"DROP DATABASE IF EXISTS {name}")
        await _postgres(server_url, f"CREATE DATABASE {name}")
        url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    else:
        url = f"sqlite://{tempfile.mkdtemp(prefix='amicus-alerts-bench-')}/bench.sqlite3"
    try:
        return await _measure(url, alerts, new_jobs, trace)
    finally:
        if server_url:
            await _postgres(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _measure(url: str, alerts: int, new_jobs: int, trace: bool) -> dict[str, float]:
    await apply_migrations(url)
    settings = Settings(database_url=url, search_cache=False)
    await open_database(url)
    try:
        now = datetime.now(UTC)
        await populate(alerts, new_jobs, now)
        counter = QueryCounter()
        if url.startswith("sqlite"):
            await counter.attach()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        indexes = SearchIndexes(settings.index_dir)
        mails = await run_due_alerts(
            settings, site_urls(settings), indexes, now + timedelta(seconds=1)
        )
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        queued = await OutboxMessage.filter(kind="job_alert").count()
    finally:
        await close_database()
    return {
        "alerts": alerts,
        "new_jobs": new_jobs,
        "mails": mails,
        "outbox_rows": queued,
        "seconds": round(seconds, 2),
        "queries": counter.count if url.startswith("sqlite") else None,
        "queries_per_alert": round(counter.count / alerts, 2) if url.startswith("sqlite") else "-",
        "peak_python_mib": round(peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--database-url", help="a PostgreSQL server to run on instead of SQLite")
    args = parser.parse_args()
    load = os.getloadavg()
    server = args.database_url
    timed = asyncio.run(one_run(args.alerts, args.jobs, False, server))
    small = asyncio.run(one_run(args.alerts // 4, args.jobs, True, server))
    large = asyncio.run(one_run(args.alerts, args.jobs, True, server))
    print(f"database: {'PostgreSQL' if server else 'SQLite'}")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'alerts':>8} {'mails':>7} {'seconds':>8} {'queries/alert':>14} {'peak MiB':>9}")
    print(
        f"{timed['alerts']:>8} {timed['mails']:>7} {timed['seconds']:>8} "
        f"{timed['queries_per_alert']:>14} {'(untraced)':>9}"
    )
    for row in (small, large):
        print(
            f"{row['alerts']:>8} {row['mails']:>7} {row['seconds']:>8} "
            f"{row['queries_per_alert']:>14} {row['peak_python_mib']:>9}  (traced)"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = RESULTS.with_name("alerts-postgres.json") if server else RESULTS
    results.write_text(
        json.dumps({"load_average": load, "run": timed, "memory": [small, large]}, indent=2)
    )


if __name__ == "__main__":
    main()
