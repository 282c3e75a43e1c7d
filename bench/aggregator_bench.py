"""Aggregator benchmark: fetch and parse many feeds served on loopback, beside other aggregators.

Writes N Atom feeds of M job entries each (default 500 x 50, about 110 KB a feed, realistic
job texts, plain Atom any reader understands) to a temporary folder, serves them from a
separate process (Starlette's StaticFiles under uvicorn: ETag, Last-Modified, 304), and
measures for each parser backend, in a fresh process of its own:

- the first pass: fetch + parse + sanitize of every feed, in entries per second, with at
  most --in-flight fetches at once and at most --per-host to one host;
- the second pass with nothing changed: conditional GETs answered 304 (or skipped by body
  hash), nothing parsed, in seconds;
- the peak resident memory of that process (VmHWM), and of any parser worker process.

Here "first pass" is fetch, parse and sanitize only, to compare parser backends;
bench/import_bench.py measures the whole pipeline into the database. When `reader` (PyPI, in the virtualenv given by --reader-python)
and `newsboat` (Debian) are installed, they read the very same feeds in the same run and
their figures are printed beside ours as ratios.

    .venv/bin/python bench/aggregator_bench.py            # prints a table, writes JSON
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import html
import json
import os
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.outbound import outbound_client  # noqa: E402
from core.settings import Settings  # noqa: E402
from feeds.aggregate.fetch import FetchLimiter, FetchResult, fetch_feed  # noqa: E402
from feeds.aggregate.parse import parse_feed  # noqa: E402
from feeds.aggregate.parsed import ParsedFeed  # noqa: E402
from feeds.aggregate.sanitize import clean_html, clean_text  # noqa: E402

try:  # the event loop uvicorn runs `amicus serve` on, when installed
    import uvloop

    EVENT_LOOP = "uvloop"
except ImportError:
    EVENT_LOOP = "asyncio"

DATA = ROOT.parent / "shared" / "data" / "job_postings.csv"
RESULTS = ROOT / "bench" / "results" / "aggregator.json"
TARGETS = {"entries_per_second": 1200, "second_pass_seconds": 0.5, "peak_rss_mb": 100}

PARAGRAPHS = [
    "The {org} seeks a {title} to join a small team that investigates and litigates claims "
    "of innocence on behalf of people convicted of crimes they did not commit. The work "
    "combines careful review of trial records with new investigation and forensic testing.",
    "You will screen incoming case applications, interview clients and witnesses, gather "
    "police reports, lab notes and court transcripts, and keep meticulous case files. You "
    "will work with staff attorneys, law students and volunteer investigators.",
    "Successful candidates show sound judgment, discretion with sensitive information, and "
    "respect for the people we serve and their families. Spanish is a plus. Some travel to "
    "prisons and courthouses across the region is required.",
    "We offer a salary within the posted range, health, dental and vision coverage, a "
    "retirement plan with employer contribution, generous paid leave and a flexible schedule "
    "after the first three months.",
    "To apply, send a cover letter, a resume and a short writing sample. Applications are "
    "reviewed on a rolling basis until the position is filled. People who have been "
    "incarcerated or wrongly convicted are strongly encouraged to apply.",
]
RESPONSIBILITIES = [
    "Review trial transcripts and appellate briefs",
    "Locate and interview witnesses",
    "Coordinate DNA testing with accredited laboratories",
    "Draft post-conviction motions and memoranda",
    "Prepare exhibits and evidentiary hearing binders",
    "Maintain the case management database",
    "Support exonerees during re-entry",
    "Track public records requests and deadlines",
]


# --- feeds ------------------------------------------------------------------------------


def job_titles() -> list[tuple[str, str, str]]:
    if not DATA.exists():
        return [("Staff Attorney", "Innocence Project", "New York, NY")]
    with DATA.open(newline="", encoding="utf-8") as handle:
        return [(r["title"], r["organization"], r["location"]) for r in csv.DictReader(handle)]


def entry_xml(rng: random.Random, feed: int, number: int, titles: list, now: datetime) -> str:
    title, org, location = rng.choice(titles)
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{feed}/{number}")
    moment = (now - timedelta(hours=feed + number * 7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    paragraphs = [p.format(org=org, title=title) for p in rng.sample(PARAGRAPHS, 4)]
    items = "".join(f"<li>{html.escape(r)}</li>" for r in rng.sample(RESPONSIBILITIES, 5))
    body = (
        f"<h2>About the role</h2><p>{html.escape(paragraphs[0])}</p>"
        f"<p>{html.escape(paragraphs[1])}</p><h3>Responsibilities</h3><ul>{items}</ul>"
        f"<p>{html.escape(paragraphs[2])}</p><p>{html.escape(paragraphs[3])}</p>"
        f"<p>Location: {html.escape(location or 'Remote')}. "
        f'<a href="https://jobs.example.org/{feed}/{number}">Apply online</a>.</p>'
    )
    return (
        f"<entry><title>{html.escape(title)}</title><id>urn:uuid:{ident}</id>"
        f'<link rel="alternate" href="https://jobs.example.org/{feed}/{number}"/>'
        f"<published>{moment}</published><updated>{moment}</updated>"
        f"<author><name>{html.escape(org)}</name></author>"
        f'<category term="{rng.choice(["attorney", "investigator", "paralegal", "policy"])}"/>'
        f"<summary>{html.escape(paragraphs[0][:240])}</summary>"
        f'<content type="html">{html.escape(body)}</content></entry>'
    )


def write_feeds(folder: Path, count: int, entries: int) -> int:
    rng = random.Random(20260301)
    titles = job_titles()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    total = 0
    for feed in range(count):
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            f"<title>Member {feed} openings</title><id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, str(feed))}</id>",
            f"<updated>{now:%Y-%m-%dT%H:%M:%SZ}</updated>",
            f'<link rel="alternate" href="https://jobs.example.org/{feed}/"/>',
        ]
        parts += [entry_xml(rng, feed, number, titles, now) for number in range(entries)]
        parts.append("</feed>")
        data = "\n".join(parts).encode()
        (folder / f"feed-{feed:04d}.atom").write_bytes(data)
        total += len(data)
    return total


# --- the static file server (a separate process) ----------------------------------------

NGINX_CONFIG = """daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  types {{ application/atom+xml atom; }}
  keepalive_requests 100000;
  sendfile on;
  server {{ listen 127.0.0.1:{port}; root {folder}; etag on; }}
}}
"""


def start_server(kind: str, folder: Path, work: Path, port: int) -> tuple[str, subprocess.Popen]:
    """nginx when installed (light, so the machine's CPUs go to the aggregators measured),
    else Starlette's StaticFiles under uvicorn. Both send ETag and Last-Modified and 304."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if kind in ("auto", "nginx") and nginx:
        # nginx workers run as an unprivileged user; the temporary folder is private by default.
        work.chmod(0o755)
        folder.chmod(0o755)
        config = work / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(work=work, port=port, folder=folder))
        command = [nginx, "-c", str(config), "-p", str(work)]
        return "nginx", subprocess.Popen(command, stderr=subprocess.DEVNULL)
    if kind == "nginx":
        raise SystemExit("nginx is not installed")
    command = [sys.executable, __file__, "--serve", str(folder), str(port)]
    return "starlette-staticfiles", subprocess.Popen(command)


def serve(folder: str, port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    app = Starlette(routes=[Mount("/", StaticFiles(directory=folder))])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass
class ServedFeeds:
    urls_file: Path
    total_bytes: int
    server_name: str


@contextmanager
def served_feeds(work: Path, count: int, entries: int, server_kind: str) -> Iterator[ServedFeeds]:
    """Generated feeds served on a loopback port, with a file listing their URLs."""
    feeds = work / "feeds"
    feeds.mkdir()
    size = write_feeds(feeds, count, entries)
    port = free_port()
    server_name, server = start_server(server_kind, feeds, work, port)
    try:
        wait_for(port, server)
        urls = [f"http://127.0.0.1:{port}/{path.name}" for path in sorted(feeds.iterdir())]
        urls_file = work / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n")
        yield ServedFeeds(urls_file, size, server_name)
    finally:
        server.terminate()
        server.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(500):
        if process.poll() is not None:
            raise RuntimeError("the static file server stopped while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the static file server did not start")


# --- our pipeline (run in a process of its own per backend) ------------------------------


def parse_and_clean(body: bytes, url: str, content_type: str, backend: str) -> int:
    """Parse one feed and sanitize every string the importer will store; the entry count."""
    parsed: ParsedFeed = parse_feed(body, url, content_type, backend=backend)
    for entry in parsed.entries:
        clean_text(entry.title)
        clean_text(entry.author)
        base = entry.link or url
        clean_html(entry.summary_html, base_url=base)
        clean_html(entry.content_html, base_url=base)
    return len(parsed.entries)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(
    urls: list[str], backend: str, executor_kind: str, in_flight: int, per_host: int
) -> dict[str, Any]:
    settings = Settings(allow_private_addresses=True)
    loop = asyncio.get_running_loop()
    executor: Executor | None = None
    if executor_kind == "process":
        executor = ProcessPoolExecutor(max_workers=os.cpu_count() or 2)
    state: dict[str, FetchResult] = {}
    limiter = FetchLimiter(total=in_flight, per_host=per_host)
    # Bodies fetched but not yet parsed are bounded too, or a slow parser lets them pile up.
    backlog = asyncio.Semaphore(2 * in_flight)
    errors = 0

    async with outbound_client(settings, max_connections=in_flight) as client:

        async def first(url: str) -> int:
            nonlocal errors
            async with backlog:
                async with limiter.slot(url):
                    result = await fetch_feed(client, url)
                body, result.body = result.body, None
                state[url] = result
                if not result.ok or body is None:
                    errors += 1
                    return 0
                return await loop.run_in_executor(
                    executor, parse_and_clean, body, result.final_url, result.content_type, backend
                )

        async def second(url: str) -> bool:
            previous = state[url]
            async with limiter.slot(url):
                result = await fetch_feed(
                    client,
                    url,
                    etag=previous.etag,
                    last_modified=previous.last_modified,
                    previous_body_hash=previous.body_hash,
                )
            return result.not_modified

        start = time.perf_counter()
        counts = await asyncio.gather(*(first(url) for url in urls))
        first_seconds = time.perf_counter() - start

        start, cpu_start = time.perf_counter(), time.process_time()
        unchanged = await asyncio.gather(*(second(url) for url in urls))
        second_seconds = time.perf_counter() - start
        # CPU time of this process alone: less swayed than wall time by other work on the
        # machine (the server and any neighbours share the same CPUs).
        second_cpu_seconds = time.process_time() - cpu_start

    if executor is not None:
        executor.shutdown()
    entries = sum(counts)
    return {
        "backend": backend,
        "executor": executor_kind,
        "entries": entries,
        "fetch_errors": errors,
        "first_pass_seconds": round(first_seconds, 3),
        "entries_per_second": round(entries / first_seconds, 1),
        "second_pass_seconds": round(second_seconds, 3),
        "second_pass_cpu_seconds": round(second_cpu_seconds, 3),
        "second_pass_not_modified": sum(unchanged),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        )
        if executor_kind == "process"
        else None,
    }


def run_ours(
    urls_file: Path, backend: str, executor_kind: str, in_flight: int, per_host: int
) -> dict[str, Any]:
    """One measurement in a fresh interpreter, so that its peak memory is its own."""
    command = [
        sys.executable,
        __file__,
        "--measure",
        str(urls_file),
        backend,
        executor_kind,
        str(in_flight),
        str(per_host),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- established aggregators for comparison ----------------------------------------------

READER_SCRIPT = """
import json, sys, time
from reader import make_reader
db, urls = sys.argv[1], open(sys.argv[2]).read().split()
reader = make_reader(db)
for url in urls:
    reader.add_feed(url)
start = time.perf_counter(); reader.update_feeds(workers=4, scheduled=False); first = time.perf_counter() - start
entries = reader.get_entry_counts().total
start = time.perf_counter(); reader.update_feeds(workers=4, scheduled=False); second = time.perf_counter() - start
print(json.dumps({"entries": entries, "first_pass_seconds": first, "second_pass_seconds": second}))
"""


def run_reader(python: str, urls_file: Path, work: Path) -> dict[str, Any] | str:
    if not Path(python).exists():
        return "not installed"
    check = subprocess.run([python, "-c", "import reader"], capture_output=True)
    if check.returncode != 0:
        return "not installed"
    script = work / "reader_run.py"
    script.write_text(READER_SCRIPT)
    done = subprocess.run(
        [python, str(script), str(work / "reader.sqlite"), str(urls_file)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1:]}"
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["entries_per_second"] = round(figures["entries"] / figures["first_pass_seconds"], 1)
    return figures


def run_newsboat(urls_file: Path, work: Path) -> dict[str, Any] | str:
    binary = shutil.which("newsboat")
    if binary is None:
        return "not installed"
    home = work / "newsboat"
    home.mkdir(exist_ok=True)
    config = home / "config"
    config.write_text("reload-threads 4\nshow-read-feeds yes\n")
    cache = home / "cache.db"
    command = [binary, "-u", str(urls_file), "-c", str(cache), "-C", str(config), "-x", "reload"]
    environment = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "XDG_DATA_HOME": str(home),
    }
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
        timings.append(time.perf_counter() - start)
        if done.returncode != 0:
            return f"failed: {done.stderr.strip()[-200:]}"
    with sqlite3.connect(cache) as connection:
        entries = connection.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    return {
        "entries": entries,
        "first_pass_seconds": round(timings[0], 3),
        "entries_per_second": round(entries / timings[0], 1),
        "second_pass_seconds": round(timings[1], 3),
    }


# --- report -------------------------------------------------------------------------------


def table(ours: list[dict[str, Any]], others: dict[str, Any]) -> str:
    best = max(ours, key=lambda row: row["entries_per_second"])
    lines = [
        f"{'run':38} {'entries':>8} {'entries/s':>10} {'2nd pass s':>11} {'(cpu s)':>8} "
        f"{'peak MB':>8}",
    ]
    for row in ours:
        workers = f" (+workers {row['worker_peak_rss_mb']})" if row["worker_peak_rss_mb"] else ""
        lines.append(
            f"{'amicus ' + row['backend'] + ' / ' + row['executor']:38} {row['entries']:>8} "
            f"{row['entries_per_second']:>10} {row['second_pass_seconds']:>11} "
            f"{row['second_pass_cpu_seconds']:>8} {row['peak_rss_mb']:>8}{workers}"
        )
    for name, figures in others.items():
        if isinstance(figures, str) or not figures["entries"]:
            lines.append(f"{name:38} {figures if isinstance(figures, str) else 'read no entries'}")
            continue
        speed = best["entries_per_second"] / figures["entries_per_second"]
        repoll = figures["second_pass_seconds"] / max(best["second_pass_seconds"], 1e-9)
        lines.append(
            f"{name:38} {figures['entries']:>8} {figures['entries_per_second']:>10} "
            f"{figures['second_pass_seconds']:>11.3f}   amicus is {speed:.1f}x faster first, "
            f"{repoll:.1f}x faster re-polling"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=50)
    # The aggregator's own limits (imported here, not at the top: the measuring processes
    # would carry the importer and the ORM in their peak memory).
    from feeds.aggregate.passes import DEFAULT_PER_HOST, MAX_IN_FLIGHT

    parser.add_argument("--in-flight", type=int, default=MAX_IN_FLIGHT)
    parser.add_argument("--per-host", type=int, default=DEFAULT_PER_HOST)
    parser.add_argument(
        "--runs",
        nargs="+",
        default=[
            "feedparser-rs+fallback:thread",
            "feedparser-rs+fallback:process",
            "feedparser-rs:thread",
            "feedparser:thread",
            "feedparser:process",
        ],
        help="backend:executor pairs (executor: thread or process)",
    )
    parser.add_argument("--server", choices=["auto", "nginx", "starlette"], default="auto")
    parser.add_argument("--reader-python", default="/tmp/reader-venv/bin/python")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip reader and newsboat (quicker runs)"
    )
    parser.add_argument("--json", type=Path, default=RESULTS)
    arguments = parser.parse_args()
    load_at_start = [round(value, 2) for value in os.getloadavg()]

    with (
        tempfile.TemporaryDirectory(prefix="amicus-bench-") as temporary,
        served_feeds(
            Path(temporary), arguments.feeds, arguments.entries, arguments.server
        ) as served,
    ):
        work, urls_file = Path(temporary), served.urls_file
        size, server_name = served.total_bytes, served.server_name
        print(
            f"{arguments.feeds} feeds x {arguments.entries} entries, "
            f"{size / arguments.feeds / 1024:.0f} KB per feed, served by {server_name}; "
            f"at most {arguments.in_flight} in flight, {arguments.per_host} per host; "
            f"{os.cpu_count()} CPUs, load average {load_at_start[0]}. "
            "First pass = fetch + parse + sanitize (bench/import_bench.py adds the import).",
            flush=True,
        )
        ours = []
        for run in arguments.runs:
            backend, executor_kind = run.split(":")
            ours.append(
                run_ours(urls_file, backend, executor_kind, arguments.in_flight, arguments.per_host)
            )
            print(f"  measured {run}", flush=True)
        others: dict[str, Any] = {}
        if not arguments.no_compare:
            others["reader (update_feeds(workers=4))"] = run_reader(
                arguments.reader_python, urls_file, work
            )
            others["newsboat (reload-threads 4, -x reload)"] = run_newsboat(urls_file, work)

    print(table(ours, others))
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "feeds": arguments.feeds,
        "entries_per_feed": arguments.entries,
        "bytes_per_feed": size // arguments.feeds,
        "in_flight": arguments.in_flight,
        "per_host": arguments.per_host,
        "cpus": os.cpu_count(),
        # Other work on the machine skews every figure; the load when the run began says how much.
        "load_average_at_start": load_at_start,
        "server": server_name,
        "event_loop": EVENT_LOOP,
        "first_pass_includes": "fetch, parse, sanitize (bench/import_bench.py measures the import too)",
        "targets": TARGETS,
        "amicus": ours,
        "others": others,
    }
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {arguments.json}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--measure":
        urls_path, backend_name, executor_name, flight, host_limit = sys.argv[2:7]
        if EVENT_LOOP == "uvloop":
            uvloop.install()
        figures = asyncio.run(
            measure(
                Path(urls_path).read_text().split(),
                backend_name,
                executor_name,
                int(flight),
                int(host_limit),
            )
        )
        print(json.dumps(figures))
    else:
        main()
