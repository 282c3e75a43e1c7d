"""Commit -> visible in search: how long after a write commits another process finds it.

    .venv/bin/python bench/visibility_bench.py [--jobs 2000] [--database-url URL] [--writes 30]

Starts the app under uvicorn (one worker) on a generated database (bench/generate.py; with
--database-url, an existing database holding jobs is used as it is). This process then, again
and again, gives one visible job a word no job has, with a bare UPDATE committed through the
ORM (only the change log tells the index), and polls GET /api/jobs?q=<word> in the server
process until the job is found. Prints p50/p95/max of the delay from the commit returning to
the first answer holding the job (that first search applies the change to the index, so its
own duration is part of the delay), and writes bench/results/visibility.json.
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

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate_database  # noqa: E402
from bench.search_bench import free_port, machine, start_server  # noqa: E402
from core.database import close_database, open_database  # noqa: E402
from core.search_terms import normalize  # noqa: E402
from jobs.models import Job  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "visibility.json"
POLL_SECONDS = 0.005
GIVE_UP_SECONDS = 10.0


async def measure(database_url: str, base_url: str, writes: int) -> tuple[list[float], int]:
    """The delay of each write, and how many searches were asked in all."""
    await open_database(database_url)
    delays = []
    polls = 0
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            page = (await client.get("/api/jobs", params={"per_page": "50"})).json()["items"]
            for number in range(writes):
                job = await Job.get(uid=page[number % len(page)]["uid"])
                word = normalize(f"visibilitymark{number}x{time.time_ns()}")
                await Job.filter(id=job.id).update(search_title=f"{job.search_title} {word}")
                committed = time.perf_counter()
                while True:
                    found = await client.get("/api/jobs", params={"q": word})
                    polls += 1
                    if found.json()["total"] == 1:
                        break
                    if time.perf_counter() - committed > GIVE_UP_SECONDS:
                        raise RuntimeError(f"write {number} not found after {GIVE_UP_SECONDS} s")
                    await asyncio.sleep(POLL_SECONDS)
                delays.append(time.perf_counter() - committed)
    finally:
        await close_database()
    return delays, polls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--database-url", help="an existing database holding jobs")
    parser.add_argument("--output", type=Path, default=RESULTS)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amicus-bench-") as folder:
        database_url = arguments.database_url
        if not database_url:
            database = Path(folder) / "jobs.sqlite3"
            generate_database(database, jobs=arguments.jobs, organizations=50)
            database_url = f"sqlite://{database}"
        port = free_port()
        server = start_server(database_url, port, cache=True)
        try:
            delays, polls = asyncio.run(
                measure(database_url, f"http://127.0.0.1:{port}", arguments.writes)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    ordered = sorted(delays)
    result = {
        "database": database_url.split("://")[0],
        "machine": machine(),
        "writes": len(delays),
        # As many searches as writes: each write was found by the first search after it.
        "searches": polls,
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }
    print(
        f"commit -> visible in another process's search ({result['database']}, "
        f"{result['writes']} writes, {polls} searches, load average {result['machine']['load_average_1_5_15']}): "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms "
        "(target < 1,000 ms)"
    )
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
