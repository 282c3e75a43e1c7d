"""Search speed at scale: /api/jobs over HTTP against a 100,000-job database.

    .venv/bin/python bench/search_bench.py [--jobs 100000] [--organizations 500] [--page]
    .venv/bin/python bench/search_bench.py --database-url postgres://postgres@127.0.0.1/bench

Generates the jobs (bench/generate.py; with --database-url, then copied into that PostgreSQL
database, which must exist and be empty, or hold the jobs of an earlier run, and its search
index built), starts the app under
uvicorn (one worker, or --workers N) on a loopback port, and for a fixed mix of queries measures p50/p95 latency and requests per second,
sequentially and with a few concurrent clients, in three modes:

- cold: the search cache off (AMICUS_SEARCH_CACHE=off), every request computed in full;
- warm: the cache on and the same request repeated, as when many people open the same page;
- varied: the cache on, every request a different URL (another page, sort or filter), so that
  the totals, facets and pages are found in the cache only when an earlier request made them.

The same is measured for the cheapest routes of the app (the ceiling), and the word queries are
also run as LIKE '%term%' scans straight against the database (how simple job boards search).
In the cold mode, the CPU each request costs the server (all its threads) and the load client
is measured too: the two share the machine's cores, so a rate is bound by their sum.
Prints a table per mode and writes bench/results/search.json. With --page, the same mix is
measured on the HTML search page (/jobs: the rows with their salary and snippet, the page
links, the facets) and written to bench/results/search_page.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import RARE_WORD, copy_database, generate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "search.json"
PAGE_RESULTS = ROOT / "bench" / "results" / "search_page.json"

# name -> (query parameters, words for the LIKE scan or None, extra SQL filters for the scan)
QUERY_MIX: dict[str, tuple[dict[str, str], list[str] | None, dict[str, str]]] = {
    "common word": ({"q": "attorney"}, ["attorney"], {}),
    "rare word": ({"q": RARE_WORD}, [RARE_WORD], {}),
    "two words": ({"q": "post conviction"}, ["post", "conviction"], {}),
    "Japanese": ({"q": "弁護士"}, ["弁護士"], {}),
    "accented Spanish": ({"q": "defensoría"}, ["defensoría"], {}),
    "filters only": ({"country": "US", "work_mode": "remote"}, None, {}),
    "query + filters": (
        {"q": "investigator", "country": "US", "employment_type": "FULL_TIME"},
        ["investigator"],
        {"country": "US", "employment_type": "FULL_TIME"},
    ),
}
# Varied mode: each request adds one of these to the query's parameters, with a sort and a page.
VARIED_FILTERS: list[dict[str, str]] = [
    {},
    {"work_mode": "remote"},
    {"work_mode": "onsite"},
    {"employment_type": "FULL_TIME"},
    {"employment_type": "PART_TIME"},
    {"language": "en"},
    {"posted_within": "30"},
    {"salary_given": "true"},
    {"category": "attorney"},
    {"category": "investigator"},
]
VARIED_SORTS = ("", "newest", "closing")
VARIED_PAGES = (1, 2, 3, 12, 13)
MODES = {
    "cold": "search cache off: every request computed in full",
    "warm": "search cache on, the same request repeated",
    "varied": "search cache on, every request a different page, sort or filter",
}
TRIVIAL_ROUTES = {"/healthz (SELECT 1)": "/healthz", "/static/amicus.css": "/static/amicus.css"}


@dataclass
class Figures:
    p50_ms: float
    p95_ms: float
    requests_per_second: float
    requests: int


def figures(latencies: list[float], elapsed: float) -> Figures:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return Figures(
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p95_ms=round(p95 * 1000, 2),
        requests_per_second=round(len(ordered) / elapsed, 1),
        requests=len(ordered),
    )


def server_rss_mb(server: subprocess.Popen) -> float:
    """The resident memory of the server's processes (with --workers, the supervisor and
    each worker), summed: what the machine gives the site."""
    total_kb = 0
    for pid in _server_pids(server):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return round(total_kb / 1024, 1)


def _server_pids(server: subprocess.Popen) -> list[int]:
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    return pids


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """The CPU time the server's processes have used so far, every thread counted."""
    ticks = 0
    for pid in _server_pids(server):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def cost_per_request(
    base_url: str, path: str, params: dict, server: subprocess.Popen, clients: int, count: int
) -> dict[str, float]:
    """CPU per request, the server's (every thread) and the load client's (this process),
    over count requests from concurrent clients: on a machine whose cores the two share, the
    rate a route reaches is bound by the sum, and a cheap route by the client alone."""
    server_before, client_before = server_cpu_seconds(server), time.process_time()
    measured = asyncio.run(concurrent(base_url, path, [params] * count, clients, warmup=True))
    return {
        "server_cpu_ms": round((server_cpu_seconds(server) - server_before) / count * 1000, 2),
        "client_cpu_ms": round((time.process_time() - client_before) / count * 1000, 2),
        "requests_per_second": measured.requests_per_second,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_index(database_url: str) -> None:
    """Build the database's search index afresh where the servers will look for it (same
    folder, same settings): one left there by an earlier database of the same name could be
    taken as current, and a missing one would be built during the first searches."""
    env = {**os.environ, "AMICUS_DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-m", "cli", "reindex"], cwd=ROOT, env=env, check=True)


def start_server(
    database_url: str, port: int, *, cache: bool, workers: int = 1
) -> subprocess.Popen:
    env = {
        **os.environ,
        "AMICUS_DATABASE_URL": database_url,
        "AMICUS_BASE_URL": f"http://127.0.0.1:{port}",
        "AMICUS_AGGREGATOR": "off",
        "AMICUS_SECRET_KEY": "benchmark-secret-key-not-for-production",
        "AMICUS_SEARCH_CACHE": "on" if cache else "off",
        # ActivityPub's publishing pass reads every visible job at start and every minute:
        # measured here, it would show as search latency.
        "AMICUS_ACTIVITYPUB": "off",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "app:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start within 60 seconds")


def answered(response: httpx.Response, accepted: tuple[int, ...]) -> None:
    if response.status_code not in accepted:
        response.raise_for_status()
        raise RuntimeError(f"{response.url}: unexpected status {response.status_code}")


def sequential(
    client: httpx.Client,
    path: str,
    requests: list[dict],
    warmup: int,
    accepted: tuple[int, ...] = (200,),
) -> Figures:
    """The requests one after the other (after warmup times the first)."""
    for _ in range(warmup):
        client.get(path, params=requests[0]).raise_for_status()
    latencies = []
    started = time.perf_counter()
    for params in requests:
        begin = time.perf_counter()
        answered(client.get(path, params=params), accepted)
        latencies.append(time.perf_counter() - begin)
    return figures(latencies, time.perf_counter() - started)


async def concurrent(
    base_url: str,
    path: str,
    requests: list[dict],
    clients: int,
    warmup: bool,
    accepted: tuple[int, ...] = (200,),
) -> Figures:
    """The requests shared among clients sending at the same time."""
    latencies: list[float] = []
    remaining = iter(requests)

    async def client_loop(client: httpx.AsyncClient) -> None:
        for params in remaining:
            begin = time.perf_counter()
            answered(await client.get(path, params=params), accepted)
            latencies.append(time.perf_counter() - begin)

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        if warmup:
            await client.get(path, params=requests[0])
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        return figures(latencies, time.perf_counter() - started)


def varied_requests(params: dict[str, str], count: int, skip: int = 0) -> list[dict]:
    """count different requests for one query: a filter, a sort and a page each, no two alike;
    skip leaves out the first ones (used by an earlier measure)."""
    combinations = [
        {**params, **extra, **({"sort": sort} if sort else {}), "page": str(page)}
        for page in VARIED_PAGES
        for sort in VARIED_SORTS
        for extra in VARIED_FILTERS
        if not set(extra) & set(params)
    ]
    # Shuffled the same way every run, so that pages, sorts and filters come mixed.
    random.Random(0).shuffle(combinations)
    chosen = combinations[skip : skip + count]
    if len(chosen) < count:
        raise ValueError(f"only {len(combinations)} varied requests; lower --requests")
    return chosen


def like_scan(database_url: str, words: list[str], filters: dict[str, str], count: int) -> Figures:
    """The same search as a simple job board does it: every word LIKE '%word%' in the title or
    the description, one page by date and the total."""
    postgres = database_url.startswith("postgres")
    marks = (f"${number}" for number in range(1, 100)) if postgres else iter(lambda: "?", None)
    now = datetime.now(UTC)
    conditions = [
        "j.status = 'published'",
        "o.status = 'active'",
        f"(j.valid_through > {next(marks)} OR "
        f"(j.valid_through IS NULL AND j.posted_at > {next(marks)}))",
    ]
    params: list[object] = [now, now - timedelta(days=90)]
    if not postgres:
        params = [moment.isoformat(" ") for moment in params]  # type: ignore[attr-defined]
    for word in words:
        conditions.append(f"(j.title LIKE {next(marks)} OR j.description_html LIKE {next(marks)})")
        params += [f"%{word}%", f"%{word}%"]
    for column, value in filters.items():
        conditions.append(f"j.{column} = {next(marks)}")
        params.append(value)
    source = f"FROM job j JOIN organization o ON o.id = j.organization_id WHERE {' AND '.join(conditions)}"
    page = f"SELECT j.id {source} ORDER BY j.posted_at DESC, j.id DESC LIMIT 20"
    total = f"SELECT COUNT(*) {source}"
    if postgres:
        return asyncio.run(_postgres_like_scan(database_url, page, total, params, count))
    connection = sqlite3.connect(database_url.removeprefix("sqlite://"))
    try:

        def run() -> None:
            connection.execute(page, params).fetchall()
            connection.execute(total, params).fetchone()

        return timed(run, count)
    finally:
        connection.close()


async def _postgres_like_scan(
    database_url: str, page: str, total: str, params: list[object], count: int
) -> Figures:
    connection = await asyncpg.connect(database_url)
    try:
        latencies = []
        started = time.perf_counter()
        for _ in range(count + 1):
            begin = time.perf_counter()
            await connection.fetch(page, *params)
            await connection.fetchval(total, *params)
            latencies.append(time.perf_counter() - begin)
        return figures(latencies[1:], time.perf_counter() - started)
    finally:
        await connection.close()


def _jobs_in(database_url: str) -> int:
    """The jobs the database holds (none when it is not migrated yet)."""
    if database_url.startswith("sqlite://"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite://"))
        try:
            return int(connection.execute("SELECT COUNT(*) FROM job").fetchone()[0])
        finally:
            connection.close()

    async def count() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            return int(await connection.fetchval("SELECT COUNT(*) FROM job"))
        except asyncpg.UndefinedTableError:
            return 0
        finally:
            await connection.close()

    return asyncio.run(count())


def timed(run: Callable[[], None], count: int) -> Figures:
    run()
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        run()
        latencies.append(time.perf_counter() - begin)
    return figures(latencies, time.perf_counter() - started)


def machine() -> dict[str, str | int]:
    model = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count() or 0,
        "system": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        # Other work on the machine slows every figure; the load shows how busy it was.
        "load_average_1_5_15": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def print_table(result: dict) -> None:
    print(f"\n{result['jobs']:,} jobs on {result['database']}, {result['organizations']} organizations, "
          f"{result['machine']['cpu']} ({result['machine']['cores']} cores), "
          f"load average {result['machine']['load_average_1_5_15']}")  # fmt: skip
    for mode, measured in result["modes"].items():
        print(f"\n{mode}: {measured['description']} (server RSS afterwards "
              f"{measured['server_rss_mb_after']} MB)")  # fmt: skip
        header = (f"{'query':<22}{'matches':>8} | {'p50 ms':>7}{'p95 ms':>8}{'req/s':>8} | "
                  f"{'x' + str(result['clients']) + ' p95':>8}{'req/s':>8} | {'LIKE p50':>9}{'speedup':>9}")  # fmt: skip
        print(header)
        print("-" * len(header))
        for name, row in measured["queries"].items():
            like = result["like"].get(name)
            like_text = (
                f"{like['p50_ms']:>9.1f}{row['like_speedup_p50']:>8.1f}x"
                if like
                else f"{'-':>9}{'-':>9}"
            )
            print(
                f"{name:<22}{result['matches'][name]:>8} | {row['sequential']['p50_ms']:>7.1f}"
                f"{row['sequential']['p95_ms']:>8.1f}{row['sequential']['requests_per_second']:>8.0f} | "
                f"{row['concurrent']['p95_ms']:>8.1f}{row['concurrent']['requests_per_second']:>8.0f} | "
                f"{like_text}"
            )  # fmt: skip
    print("\ntrivial routes (the ceiling)")
    for name, row in result["trivial"].items():
        print(
            f"{name:<22}{'':>8} | {row['sequential']['p50_ms']:>7.1f}"
            f"{row['sequential']['p95_ms']:>8.1f}{row['sequential']['requests_per_second']:>8.0f} | "
            f"{row['concurrent']['p95_ms']:>8.1f}{row['concurrent']['requests_per_second']:>8.0f} |"
        )  # fmt: skip
    if result.get("cpu_per_request"):
        print(f"\nCPU per request, {result['clients']} clients, cold (server: every thread; client: "
              "the load generator, on the same cores)")  # fmt: skip
        for name, row in result["cpu_per_request"].items():
            print(f"{name:<22} server {row['server_cpu_ms']:>6.2f} ms  client "
                  f"{row['client_cpu_ms']:>5.2f} ms  {row['requests_per_second']:>6.0f} req/s")  # fmt: skip
    print("\nTargets:")
    for mode, targets in result["targets"].items():
        for target, met in targets.items():
            print(f"  {'met   ' if met['met'] else 'MISSED'} {mode:<7} {target}: {met['measured']}")


def evaluate(queries: dict, trivial: dict) -> dict:
    """The targets of the search-at-scale issue: p95 per query, one client and several."""
    worst_p95 = max(row["sequential"]["p95_ms"] for row in queries.values())
    worst_concurrent_p95 = max(row["concurrent"]["p95_ms"] for row in queries.values())
    speedups = [row["like_speedup_p50"] for row in queries.values() if "like_speedup_p50" in row]
    ceiling = max(row["concurrent"]["requests_per_second"] for row in trivial.values())
    slowest = min(row["concurrent"]["requests_per_second"] for row in queries.values())
    return {
        "p95 at most 20 ms for every query, 1 client": {
            "met": worst_p95 <= 20, "measured": f"worst p95 {worst_p95:.1f} ms"},
        "p95 at most 60 ms for every query, concurrent clients": {
            "met": worst_concurrent_p95 <= 60,
            "measured": f"worst p95 {worst_concurrent_p95:.1f} ms"},
        "50x faster than LIKE for word queries": {
            "met": min(speedups) >= 50, "measured": f"smallest speedup {min(speedups):.1f}x"},
        "search throughput at least 40% of the trivial route's": {
            "met": slowest >= 0.4 * ceiling,
            "measured": f"slowest query {slowest:.0f} req/s = {100 * slowest / ceiling:.0f}% "
                        f"of {ceiling:.0f} req/s"},
    }  # fmt: skip


def measure_mode(mode: str, base_url: str, arguments: argparse.Namespace, like: dict) -> dict:
    """Every query of the mix in one mode, against the running server."""
    queries: dict = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for name, (params, _words, _filters) in QUERY_MIX.items():
            print(f"  {mode}: {name} …", flush=True)
            if mode == "varied":
                first = varied_requests(params, arguments.requests)
                second = varied_requests(params, arguments.requests, skip=arguments.requests)
                # A later page of a query with few matches is past its last: a 404 the
                # server works out as it does a page.
                accepted = (200, 404)
                row: dict = {
                    "example_params": first[1],
                    "sequential": asdict(sequential(
                        client, arguments.endpoint, first, 0, accepted)),
                    "concurrent": asdict(asyncio.run(concurrent(
                        base_url, arguments.endpoint, second, arguments.clients, warmup=False,
                        accepted=accepted))),
                }  # fmt: skip
            else:
                repeated = [params] * arguments.requests
                row = {
                    "params": params,
                    "sequential": asdict(sequential(client, arguments.endpoint, repeated, 10)),
                    "concurrent": asdict(asyncio.run(concurrent(
                        base_url, arguments.endpoint, repeated, arguments.clients, warmup=True))),
                }  # fmt: skip
            if name in like:
                row["like_speedup_p50"] = round(
                    like[name]["p50_ms"] / row["sequential"]["p50_ms"], 1
                )
            queries[name] = row
    return {"description": MODES[mode], "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=500)
    parser.add_argument("--requests", type=int, default=60, help="per query and mode")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--like-runs", type=int, default=10)
    parser.add_argument(
        "--cost-requests", type=int, default=400, help="per route, for the CPU per request"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes (docs/production.md runs one per core: 2 here)",
    )
    parser.add_argument("--database", type=Path, help="reuse (or create) this SQLite file")
    parser.add_argument(
        "--database-url",
        help="search this database instead (e.g. PostgreSQL), filled from the SQLite file "
        "when it holds no jobs",
    )
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated: cold,warm,varied"
    )
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--page", action="store_true", help="measure the HTML page /jobs instead of /api/jobs"
    )
    arguments = parser.parse_args()
    arguments.endpoint = "/jobs" if arguments.page else "/api/jobs"
    arguments.output = arguments.output or (PAGE_RESULTS if arguments.page else RESULTS)
    modes = [mode for mode in arguments.modes.split(",") if mode]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="amicus-bench-") as folder:
        database = arguments.database or Path(folder) / "jobs.sqlite3"
        started = time.perf_counter()
        generation_seconds = None
        # A database filled by an earlier run is searched as it is: at a million jobs the
        # generation and the copy take far longer than the measures.
        held = _jobs_in(arguments.database_url) if arguments.database_url else 0
        if not held and not database.exists():
            print(f"Generating {arguments.jobs:,} jobs into {database} …")
            generate_database(database, jobs=arguments.jobs, organizations=arguments.organizations,
                              progress=True)  # fmt: skip
            generation_seconds = round(time.perf_counter() - started, 1)
        database_url = arguments.database_url or f"sqlite://{database}"
        if arguments.database_url and not held:
            print(f"Copying the jobs into {database_url} …")
            copy_database(database, database_url, progress=True)
            build_index(database_url)
            generation_seconds = round(time.perf_counter() - started, 1)
        jobs = _jobs_in(database_url)
        result: dict = {
            "database": database_url.split("://")[0],
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "jobs": jobs,
            "organizations": arguments.organizations,
            "generation_seconds": generation_seconds,
            "requests_per_measure": arguments.requests,
            "clients": arguments.clients,
            "workers": arguments.workers,
            "endpoint": (
                "GET /jobs (HTML, 20 jobs per page with salary and snippet, facets)"
                if arguments.page
                else "GET /api/jobs (JSON, 20 jobs per page, with facets)"
            ),
            "matches": {},
            "like": {},
            "modes": {},
            "trivial": {},
            "targets": {},
        }
        for name, (_params, words, filters) in QUERY_MIX.items():
            if words:
                print(f"  LIKE scan: {name} …", flush=True)
                result["like"][name] = asdict(
                    like_scan(database_url, words, filters, arguments.like_runs)
                )
        for mode in modes:
            port = free_port()
            # A fresh process per mode: the cache starts empty.
            server = start_server(
                database_url, port, cache=mode != "cold", workers=arguments.workers
            )
            base_url = f"http://127.0.0.1:{port}"
            try:
                if not result["matches"]:
                    with httpx.Client(base_url=base_url, timeout=60) as client:
                        for name, (params, _words, _filters) in QUERY_MIX.items():
                            response = client.get("/api/jobs", params=params)
                            result["matches"][name] = response.json()["total"]
                result["modes"][mode] = measure_mode(mode, base_url, arguments, result["like"])
                result["modes"][mode]["server_rss_mb_after"] = server_rss_mb(server)
                if mode == "cold":
                    print("  cold: CPU per request …", flush=True)
                    routes = {
                        name: (path, {})
                        for name, path in TRIVIAL_ROUTES.items()
                        if path == "/healthz"
                    }
                    routes |= {
                        name: (arguments.endpoint, params)
                        for name, (params, _words, _filters) in QUERY_MIX.items()
                    }
                    result["cpu_per_request"] = {
                        name: cost_per_request(base_url, path, params, server,
                                               arguments.clients, arguments.cost_requests)
                        for name, (path, params) in routes.items()
                    }  # fmt: skip
                if not result["trivial"]:
                    with httpx.Client(base_url=base_url, timeout=60) as client:
                        for name, path in TRIVIAL_ROUTES.items():
                            result["trivial"][name] = {
                                "sequential": asdict(
                                    sequential(client, path, [{}] * arguments.requests, 10)),
                                "concurrent": asdict(asyncio.run(concurrent(
                                    base_url, path, [{}] * arguments.requests,
                                    arguments.clients, warmup=True))),
                            }  # fmt: skip
            finally:
                server.terminate()
                server.wait(timeout=30)
        result["machine"]["load_average_1_5_15_after"] = machine()["load_average_1_5_15"]
    for mode, measured in result["modes"].items():
        result["targets"][mode] = evaluate(measured["queries"], result["trivial"])
    print_table(result)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWrote {arguments.output}")


if __name__ == "__main__":
    main()
