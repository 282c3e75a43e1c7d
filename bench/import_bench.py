"""Import benchmark: the whole aggregator pipeline (fetch -> parse -> import -> schedule) into a
fresh SQLite database, on the feeds bench/aggregator_bench.py generates (500 Atom feeds x 50
job entries by default, served on loopback by nginx or Starlette's StaticFiles).

Measured in a fresh process, so that its peak memory is its own:

- first pass: every feed subscribed and due; fetched, parsed, imported (one transaction per
  feed) and scheduled; entries imported per second, and the process's CPU time per entry
  (which other work on the machine sways far less than the rate);
- second pass, nothing changed (`every` due at once): 304s and body-hash skips, nothing
  parsed or imported; seconds, the median of several such passes (--second-passes), since
  one pass takes well under a second and the machine's other work sways any single one;
- peak resident memory of the process (VmHWM). The schema is created beforehand by the
  parent process, as `amicus migrate` does: a fetching process (`amicus fetch`, the app's
  worker) never runs the migrations, which alone take some 25 MB.

The per-host limit defaults to the aggregator's own (what a deployment runs); all feeds are
on one host, so it is the concurrency. The event loop is asyncio's unless --event-loop uvloop
(as `amicus fetch` and the app's worker under uvicorn run when uvloop is installed).

In the same run, on the very same served feeds, `reader` (PyPI, in the virtualenv given by
--reader-python, `update_feeds(workers=4)`) and `newsboat` (Debian, `reload-threads 4`,
`-x reload`) read them too, and their figures are printed beside ours as ratios (skipped with
--no-compare, and named "not installed" when they are not).

    .venv/bin/python bench/import_bench.py            # prints a table, writes JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import aggregator_bench  # noqa: E402
from aggregator_bench import (  # noqa: E402
    peak_rss_mb,
    run_newsboat,
    run_reader,
    served_feeds,
)

from feeds.aggregate.passes import DEFAULT_PER_HOST  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "import.json"
# The aggregator's targets, but the first pass's: with the search index out of the insert,
# the whole pipeline is held to more than the aggregator bench's parse-and-clean stage.
TARGETS = {**aggregator_bench.TARGETS, "entries_per_second": 2500}


async def _measure(
    urls: list[str], database: Path, per_host: int, second_passes: int
) -> dict[str, Any]:
    from core.database import close_database, open_database
    from core.settings import Settings
    from feeds.aggregate.passes import run_pass
    from feeds.models import FeedSubscription
    from jobs.models import Job

    url = f"sqlite://{database}"
    settings = Settings(database_url=url, allow_private_addresses=True, aggregator_enabled=False)
    await open_database(url)
    try:
        await FeedSubscription.bulk_create(
            [FeedSubscription(url=feed, name=f"Feed {n}") for n, feed in enumerate(urls)]
        )
        started, cpu = time.perf_counter(), time.process_time()
        first = await run_pass(settings, per_host=per_host)
        first_seconds = time.perf_counter() - started
        first_cpu_seconds = time.process_time() - cpu
        # A failed fetch is rare and unexplained by a count alone; keep a few reasons.
        failures = await FeedSubscription.filter(consecutive_failures__gt=0).values_list(
            "url", "last_error"
        )
        seconds, cpu_seconds = [], []
        for _ in range(second_passes):
            started, cpu = time.perf_counter(), time.process_time()
            second = await run_pass(settings, per_host=per_host, every=True)
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu)
        jobs = await Job.all().count()
    finally:
        await close_database()
    return {
        "feeds": len(urls),
        "jobs_in_database": jobs,
        "first_pass": {
            "seconds": round(first_seconds, 2),
            "entries_imported": first.imported,
            "entries_per_second": round(first.imported / first_seconds),
            # The process's own CPU time (its threads' too): what a busy machine sways least.
            "cpu_seconds": round(first_cpu_seconds, 2),
            "cpu_ms_per_entry": round(first_cpu_seconds * 1000 / max(first.imported, 1), 3),
            "errors": first.errors,
            "error_samples": [f"{url}: {reason}" for url, reason in failures[:5]],
        },
        "second_pass": {
            "seconds": round(statistics.median(seconds), 3),
            "cpu_seconds": round(statistics.median(cpu_seconds), 3),
            "each_seconds": [round(value, 3) for value in seconds],
            "not_modified": second.not_modified,
            "fetched_and_parsed": second.fetched,
        },
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def measure_in_process(
    urls_file: Path, database: Path, per_host: int, second_passes: int, event_loop: str
) -> None:
    urls = urls_file.read_text().split()
    if event_loop == "uvloop":
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(_measure(urls, database, per_host, second_passes))))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--per-host", type=int, default=DEFAULT_PER_HOST)
    parser.add_argument("--second-passes", type=int, default=5)
    parser.add_argument("--event-loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--server", choices=["auto", "nginx", "starlette"], default="auto")
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--reader-python", default="/tmp/reader-venv/bin/python")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip reader and newsboat (quicker runs)"
    )
    parser.add_argument(
        "--measure",
        nargs=5,
        metavar=("URLS", "DATABASE", "PER_HOST", "SECOND_PASSES", "EVENT_LOOP"),
    )
    arguments = parser.parse_args()
    if arguments.measure:
        urls_file, database, per_host, second_passes, event_loop = arguments.measure
        measure_in_process(
            Path(urls_file), Path(database), int(per_host), int(second_passes), event_loop
        )
        return

    import subprocess

    load_at_start = [round(value, 2) for value in os.getloadavg()]
    with (
        tempfile.TemporaryDirectory(prefix="amicus-import-bench-") as temporary,
        served_feeds(
            Path(temporary), arguments.feeds, arguments.entries, arguments.server
        ) as served,
    ):
        from core.database import apply_migrations

        database = Path(temporary) / "bench.sqlite3"
        asyncio.run(apply_migrations(f"sqlite://{database}"))
        command = [
            sys.executable,
            __file__,
            "--measure",
            str(served.urls_file),
            str(database),
            str(arguments.per_host),
            str(arguments.second_passes),
            arguments.event_loop,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        # The same feeds, the same server, the same run: the ratios are what compares.
        others: dict[str, Any] = {}
        if not arguments.no_compare:
            work = Path(temporary)
            others["reader (update_feeds(workers=4))"] = run_reader(
                arguments.reader_python, served.urls_file, work
            )
            others["newsboat (reload-threads 4, -x reload)"] = run_newsboat(served.urls_file, work)
    size, server_name = served.total_bytes, served.server_name

    first, second = result["first_pass"], result["second_pass"]
    rows = [
        (
            "first pass (fetch+parse+import)",
            f"{first['entries_per_second']} entries/s ({first['cpu_ms_per_entry']} CPU ms each)",
            f">= {TARGETS['entries_per_second']}",
        ),
        (
            f"second pass, nothing changed (median of {arguments.second_passes})",
            f"{second['seconds']} s",
            f"<= {TARGETS['second_pass_seconds']} s",
        ),
        ("peak RSS", f"{result['peak_rss_mb']} MB", f"< {TARGETS['peak_rss_mb']} MB"),
    ]
    print(
        f"{arguments.feeds} feeds x {arguments.entries} entries, "
        f"{size / arguments.feeds / 1024:.0f} KB per feed, served by {server_name}, into SQLite; "
        f"{arguments.per_host} per host, {arguments.event_loop}; "
        f"{os.cpu_count()} CPUs, load average {load_at_start[0]}."
    )
    for name, value, target in rows:
        print(f"  {name:<48} {value:>34}   target {target}")
    for name, figures in others.items():
        if isinstance(figures, str) or not figures["entries"]:
            print(f"  {name:<48} {figures if isinstance(figures, str) else 'read no entries'}")
            continue
        faster_first = first["entries_per_second"] / figures["entries_per_second"]
        faster_again = figures["second_pass_seconds"] / max(second["seconds"], 1e-9)
        print(
            f"  {name:<48} {figures['entries_per_second']:>7.0f} entries/s, second pass "
            f"{figures['second_pass_seconds']:.3f} s: Amicus {faster_first:.1f}x as fast first, "
            f"{faster_again:.1f}x re-polling"
        )
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries_per_feed": arguments.entries,
        "bytes_per_feed": size // arguments.feeds,
        "per_host": arguments.per_host,
        "event_loop": arguments.event_loop,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "server": server_name,
        "targets": TARGETS,
        **result,
        "others": others,
    }
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
