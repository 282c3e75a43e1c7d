"""The member dashboard's job groups: how long one page of them takes to read.

    .venv/bin/python bench/dashboard_bench.py [--jobs 100000] [--organizations 20] [--runs 30]

Generates a SQLite database (bench/generate.py: mostly published jobs, some ended), then
reads the dashboard's groups (jobs.dashboard.dashboard_groups: a count and one page per
group, and the closing-soon count) for the organization with the most jobs, on its first
page and on the last page of its largest group. Prints the median and the slowest run of
each, and writes bench/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate_database  # noqa: E402
from bench.search_bench import machine  # noqa: E402
from core.database import close_database, open_database  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory.models import Organization  # noqa: E402
from jobs.dashboard import GROUPS, closing_soon_count, dashboard_groups  # noqa: E402
from jobs.lifecycle import utc_now  # noqa: E402
from jobs.models import Job  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "dashboard.json"


async def measure(database_url: str, runs: int) -> dict[str, object]:
    await open_database(database_url)
    try:
        settings = Settings.from_env()
        counts = {}
        for organization in await Organization.all():
            counts[organization.id] = await Job.filter(organization_id=organization.id).count()
        busiest = await Organization.get(id=max(counts, key=counts.__getitem__))
        now = utc_now()
        first = await dashboard_groups(busiest, {}, settings, now, str)
        largest = max(first, key=lambda shown: shown.page.total)
        last = {largest.group.page_parameter: largest.page.pages}

        async def timed(numbers: dict[str, int]) -> list[float]:
            seconds = []
            for _ in range(runs):
                start = time.perf_counter()
                await dashboard_groups(busiest, numbers, settings, now, str)
                await closing_soon_count(busiest, settings, now)
                seconds.append(time.perf_counter() - start)
            return seconds

        results = {}
        for name, numbers in (("first page", {}), ("last page of the largest group", last)):
            seconds = await timed(numbers)
            results[name] = {
                "median_ms": round(statistics.median(seconds) * 1000, 2),
                "max_ms": round(max(seconds) * 1000, 2),
            }
        return {
            "organization_jobs": counts[busiest.id],
            "groups": {shown.group.key: shown.page.total for shown in first},
            "pages_of_largest_group": largest.page.pages,
            "group_keys": [group.key for group in GROUPS],
            "timings": results,
        }
    finally:
        await close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dashboard.sqlite3"
        generate_database(path, jobs=arguments.jobs, organizations=arguments.organizations)
        figures = asyncio.run(measure(f"sqlite://{path}", arguments.runs))
    figures = {"jobs": arguments.jobs, **figures, "machine": machine()}
    print(json.dumps(figures, indent=2))
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
