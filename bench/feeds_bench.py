"""Feed serving speed at scale: cached feeds and 304s against a trivial route of the same app.

    .venv/bin/python bench/feeds_bench.py [--jobs 100000] [--organizations 500]

Generates the jobs (bench/generate.py), starts the app under uvicorn (one worker, SQLite) on a
loopback port and, in one run, measures requests per second with a few concurrent clients for:
the trivial route /healthz (one SELECT 1, the ceiling), a cached Atom feed, and a 304 answer to
If-None-Match. It also times, in this process, the render of a 50-entry feed on a cache miss
(reading the jobs and deletion marks, writing the document) in Atom, RSS and JSON Feed. Prints a
table and writes bench/results/feeds.json.

A reused --database keeps its schema: the render times depend on its indexes, so the benchmark
names the migrations it lacks (apply them to a copy with `amicus migrate`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tortoise import Tortoise
from tortoise.migrations.api.plan import plan

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import site_urls  # noqa: E402
from bench.generate import generate_database  # noqa: E402
from bench.search_bench import Figures, figures, free_port, machine, start_server  # noqa: E402
from core.database import close_database, open_database, tortoise_config  # noqa: E402
from core.settings import Settings  # noqa: E402
from feeds.publish.catalog import render, resolve_url  # noqa: E402
from feeds.publish.job_feed import feed_moment  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "feeds.json"
FEED_PATH = "/jobs/feed.atom"
RENDER_FORMATS = ("atom", "rss", "json")
TRIVIAL_PATH = "/healthz"
FIFTY_ENTRIES = "?per_page=50"


async def measure(base_url: str, path: str, headers: dict, count: int, clients: int) -> Figures:
    """Requests per second and latencies of `count` GETs shared by `clients` clients."""
    latencies: list[float] = []
    remaining = iter(range(count))

    async def client_loop(client: httpx.AsyncClient) -> None:
        for _ in remaining:
            begin = time.perf_counter()
            response = await client.get(path, headers=headers)
            if response.status_code not in (200, 304):
                raise RuntimeError(f"{path} answered {response.status_code}")
            latencies.append(time.perf_counter() - begin)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        for _ in range(20):
            await client.get(path, headers=headers)
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        return figures(latencies, time.perf_counter() - started)


async def first_renders(database: Path, count: int) -> dict[str, Figures]:
    """Renders of /jobs/feed.{atom,rss,json}?per_page=50 as a cache miss does them (the page of
    jobs, the deletion marks, writing the document), each without the feed cache, in a warmed
    process."""
    settings = Settings(database_url=f"sqlite://{database}", aggregator_enabled=False)
    await open_database(settings.database_url)
    try:
        renders = {}
        for format_ in RENDER_FORMATS:
            latencies = []
            started = time.perf_counter()
            url = f"{settings.base_url}/jobs/feed.{format_}{FIFTY_ENTRIES}"
            request = resolve_url(url, site_urls(settings))
            await render(request, settings, feed_moment(datetime.now(UTC)))
            for _ in range(count):
                begin = time.perf_counter()
                body = await render(request, settings, feed_moment(datetime.now(UTC)))
                latencies.append(time.perf_counter() - begin)
                assert format_ != "atom" or body.body.count(b"<entry>") == 50
            renders[format_] = figures(latencies, time.perf_counter() - started)
        return renders
    finally:
        await close_database()


async def pending_migrations(database: Path) -> list[str]:
    """The migrations of this checkout that the database has not applied."""
    with contextlib.redirect_stdout(io.StringIO()):  # plan() prints the plan as well
        lines = await plan(config=tortoise_config(f"sqlite://{database}"))
    await Tortoise.close_connections()
    return [line.removeprefix("+ ") for line in lines if line.startswith("+ ")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=500)
    parser.add_argument("--requests", type=int, default=2000, help="per measure")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--database", type=Path, help="reuse (or create) this SQLite file")
    parser.add_argument("--output", type=Path, default=RESULTS)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amicus-bench-") as folder:
        database = arguments.database or Path(folder) / "jobs.sqlite3"
        if not database.exists():
            print(f"Generating {arguments.jobs:,} jobs into {database} …")
            generate_database(
                database, jobs=arguments.jobs, organizations=arguments.organizations, progress=True
            )
        pending = asyncio.run(pending_migrations(database))
        if pending:
            print(f"{database} lacks migrations {', '.join(pending)}: an older schema is measured")
        renders = asyncio.run(first_renders(database, arguments.renders))
        port = free_port()
        server = start_server(database, port, cache=False)
        base_url = f"http://127.0.0.1:{port}"
        gzip = {"Accept-Encoding": "gzip"}
        try:
            etag = httpx.get(base_url + FEED_PATH, headers=gzip).headers["etag"]
            runs = {
                "trivial route": (TRIVIAL_PATH, gzip),
                "cached feed": (FEED_PATH, gzip),
                "304 Not Modified": (FEED_PATH, {**gzip, "If-None-Match": etag}),
            }
            measured = {
                name: asdict(
                    asyncio.run(
                        measure(base_url, path, headers, arguments.requests, arguments.clients)
                    )
                )
                for name, (path, headers) in runs.items()
            }
        finally:
            server.terminate()
            server.wait(timeout=30)

    ceiling = measured["trivial route"]["requests_per_second"]
    cached = measured["cached feed"]["requests_per_second"] / ceiling
    not_modified = measured["304 Not Modified"]["requests_per_second"] / ceiling
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "jobs": arguments.jobs,
        "pending_migrations": pending,
        "clients": arguments.clients,
        "requests_per_measure": arguments.requests,
        "feed": f"GET {FEED_PATH} (20 entries, gzip)",
        "trivial": f"GET {TRIVIAL_PATH} (SELECT 1)",
        "http": measured,
        "first_render_50_entries": asdict(renders["atom"]),
        "first_render_50_entries_by_format": {
            format_: asdict(figures) for format_, figures in renders.items()
        },
        "targets": {
            "cached feed >= 50% of the trivial route's req/s": {
                "met": cached >= 0.5,
                "measured": f"{100 * cached:.0f}%",
            },
            "304 >= 60% of the trivial route's req/s": {
                "met": not_modified >= 0.6,
                "measured": f"{100 * not_modified:.0f}%",
            },
            "first render of a 50-entry Atom feed < 20 ms (p50)": {
                "met": renders["atom"].p50_ms < 20,
                "measured": f"p50 {renders['atom'].p50_ms} ms, p95 {renders['atom'].p95_ms} ms",
            },
        },
    }
    print(f"\n{arguments.jobs:,} jobs, {result['machine']['cpu']}, {arguments.clients} clients")
    print(f"{'measure':<20}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for name, row in measured.items():
        print(
            f"{name:<20}{row['requests_per_second']:>9.0f}"
            f"{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}"
        )
    for format_, row in renders.items():
        print(f"{f'first render {format_}':<20}{'':>9}{row.p50_ms:>9.2f}{row.p95_ms:>9.2f}")
    print("\nTargets:")
    for target, met in result["targets"].items():
        print(f"  {'met   ' if met['met'] else 'MISSED'} {target}: {met['measured']}")
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWrote {arguments.output}")


if __name__ == "__main__":
    main()
