"""ActivityPub fan-out: one job published by an organization with 10,000 followers spread
over 2,000 servers, delivered to 2,000 loopback shared inboxes (one small inbox server in a
separate process, 2,000 inbox paths on it).

Measures the time from the job's write to the last delivery (publishing pass, queueing, and
signed POSTs by one delivery worker, `--concurrency` in flight) and the peak memory of the
Amicus process. `--inbox-delay-ms` makes each inbox answer that much later, as a remote
server across the internet does. Writes bench/results/activitypub.json (the figures of every
run with the same options replaced). Never run by the test suite.

    .venv/bin/python bench/activitypub_bench.py [--followers 10000] [--servers 2000]
        [--concurrency 16] [--inbox-delay-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from activitypub.delivery import CONCURRENCY, DeliveryWorker  # noqa: E402
from activitypub.models import Delivery, Follower  # noqa: E402
from activitypub.publishing import publish_changes  # noqa: E402
from app import site_urls  # noqa: E402
from bench.search_bench import free_port  # noqa: E402
from core.database import apply_migrations, close_database, open_database  # noqa: E402
from core.outbound import outbound_client  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests import helpers_feeds  # noqa: E402

INBOX_SERVER = """
import asyncio, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
DELAY = float(sys.argv[2]) / 1000
async def inbox(request):
    await request.body()
    await asyncio.sleep(DELAY)
    return Response(status_code=202)
app = Starlette(routes=[Route("/{server}/inbox", inbox, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


async def run(followers: int, servers: int, concurrency: int, delay_ms: int) -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix="ap-bench-")
    settings = Settings(
        database_url=f"sqlite://{folder}/bench.sqlite3",
        base_url="http://127.0.0.1:9",
        allow_private_addresses=True,
    )
    port = free_port()
    inbox_server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", INBOX_SERVER, str(port), str(delay_ms)
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    await client.post(f"http://127.0.0.1:{port}/0/inbox")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)
        await apply_migrations(settings.database_url)
        await open_database(settings.database_url)
        urls = site_urls(settings)
        organization = await helpers_feeds.make_organization()
        await Follower.bulk_create(
            [
                Follower(
                    actor=organization.slug,
                    follower_id=f"http://127.0.0.1:{port}/{n % servers}/users/{n}",
                    inbox=f"http://127.0.0.1:{port}/{n % servers}/users/{n}/inbox",
                    shared_inbox=f"http://127.0.0.1:{port}/{n % servers}/inbox",
                )
                for n in range(followers)
            ],
            batch_size=1000,
        )
        await helpers_feeds.make_job(organization)
        started = time.perf_counter()
        await publish_changes(settings, urls)
        queued = time.perf_counter()
        worker = DeliveryWorker(settings, urls, concurrency=concurrency)
        async with outbound_client(settings) as client:
            while await worker.run_once(client):
                pass
        finished = time.perf_counter()
        delivered = await Delivery.filter(delivered_at__isnull=False).count()
        failed = await Delivery.filter(delivered_at__isnull=True).count()
        await close_database()
    finally:
        inbox_server.terminate()
        await inbox_server.wait()
    return {
        "followers": followers,
        "servers": servers,
        "concurrency": concurrency,
        "inbox_delay_ms": delay_ms,
        "deliveries_made": delivered,
        "deliveries_not_made": failed,
        "queue_seconds": round(queued - started, 3),
        "deliver_seconds": round(finished - queued, 3),
        "total_seconds": round(finished - started, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--inbox-delay-ms", type=int, default=0)
    args = parser.parse_args()
    figures = asyncio.run(run(args.followers, args.servers, args.concurrency, args.inbox_delay_ms))
    for name, value in figures.items():
        print(f"{name:>20}: {value}")
    out = ROOT / "bench" / "results" / "activitypub.json"
    runs = json.loads(out.read_text()) if out.exists() else []
    runs = runs if isinstance(runs, list) else [runs]  # one run per file before
    options = ("followers", "servers", "concurrency", "inbox_delay_ms")
    runs = [old for old in runs if any(old.get(key) != figures[key] for key in options)]
    out.write_text(json.dumps([*runs, figures], indent=2) + "\n")


if __name__ == "__main__":
    main()
