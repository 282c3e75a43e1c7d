"""Sign-in under attack: does a burst of password checks stall the rest of the site, and
does the throttle hold when attempts arrive all at once?

Starts the app under uvicorn as bench/search_bench.py does (one worker, SQLite, a fresh
database) and measures:

1. `/healthz` latency idle (p50/p99 of sequential requests);
2. `/healthz` latency while 40 sign-ins with unknown e-mails and wrong passwords are sent
   at once, each from its own loopback address (so the per-client limit does not spare the
   server any hashing), as a ratio to idle; target: p99 within 5x of idle;
3. the number of password checks made for 60 attempts at once on one account, from 60
   addresses: a 400 answer means the password was checked, 429 that it was refused before;
   target: the per-account limit, not 60.

Prints the figures and writes bench/results/signin.json. Never run by the test suite.

    .venv/bin/python bench/signin_bench.py [--burst 40] [--attempts 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import free_port, start_server  # noqa: E402
from core.security import PASSWORD_THREADS  # noqa: E402
from directory.throttle import SIGN_IN_PER_ACCOUNT  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "signin.json"
ACCOUNT_EMAIL = "admin@bench.example.org"
ACCOUNT_PASSWORD = "a benchmark passphrase of my own"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def prepare_database(database: Path) -> None:
    """A migrated database holding the one account the attempts aim at."""
    env = {
        **os.environ,
        "AMICUS_DATABASE_URL": f"sqlite://{database}",
        "AMICUS_ADMIN_PASSWORD": ACCOUNT_PASSWORD,
    }
    amicus = str(Path(sys.executable).with_name("amicus"))
    subprocess.run([amicus, "migrate"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [amicus, "create-admin", ACCOUNT_EMAIL, "--password-from-env"],
        env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def healthz_latencies(
    client: httpx.AsyncClient, count: int | None, stop: asyncio.Event
) -> list[float]:
    """Sequential /healthz requests: `count` of them, or until `stop` is set."""
    latencies: list[float] = []
    while (count is None and not stop.is_set()) or (count is not None and len(latencies) < count):
        started = time.perf_counter()
        response = await client.get("/healthz")
        assert response.status_code == 200
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


class Attacker:
    """One browser on its own loopback address, with its session cookie and CSRF token."""

    def __init__(self, base_url: str, address: str):
        transport = httpx.AsyncHTTPTransport(local_address=address)
        self.client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=120)
        self.token = ""

    async def prepare(self) -> None:
        page = await self.client.get("/sign-in")
        match = CSRF_INPUT.search(page.text)
        assert match, page.status_code
        self.token = match.group(1)

    async def sign_in(self, email: str, password: str) -> int:
        response = await self.client.post(
            "/sign-in", data={"email": email, "password": password, "csrf_token": self.token}
        )
        return response.status_code

    async def close(self) -> None:
        await self.client.aclose()


async def attackers(base_url: str, count: int, first: int) -> list[Attacker]:
    made = [
        Attacker(base_url, f"127.0.{(first + n) // 250}.{(first + n) % 250 + 2}")
        for n in range(count)
    ]
    await asyncio.gather(*(attacker.prepare() for attacker in made))
    return made


async def measure(base_url: str, burst: int, attempts: int) -> dict:
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as health:
        await healthz_latencies(health, 50, asyncio.Event())  # warm up
        idle = await healthz_latencies(health, 300, asyncio.Event())

        crowd = await attackers(base_url, burst, 0)
        stop = asyncio.Event()
        poller = asyncio.create_task(healthz_latencies(health, None, stop))
        started = time.perf_counter()
        statuses = await asyncio.gather(
            *(
                attacker.sign_in(f"nobody-{number}@bench.example.org", "a wrong password")
                for number, attacker in enumerate(crowd)
            )
        )
        burst_seconds = time.perf_counter() - started
        stop.set()
        during = await poller
        await asyncio.gather(*(attacker.close() for attacker in crowd))

        one_account = await attackers(base_url, attempts, burst)
        answers = await asyncio.gather(
            *(
                attacker.sign_in(ACCOUNT_EMAIL, f"wrong password {number}")
                for number, attacker in enumerate(one_account)
            )
        )
        await asyncio.gather(*(attacker.close() for attacker in one_account))

    idle_p50, idle_p99 = statistics.median(idle), percentile(idle, 0.99)
    during_p50, during_p99 = statistics.median(during), percentile(during, 0.99)
    return {
        "password_threads": PASSWORD_THREADS,
        "idle_ms": {"p50": round(idle_p50, 2), "p99": round(idle_p99, 2), "requests": len(idle)},
        "burst": {
            "sign_ins": burst,
            "answers": {str(code): statuses.count(code) for code in sorted(set(statuses))},
            "seconds": round(burst_seconds, 2),
            "healthz_ms": {"p50": round(during_p50, 2), "p99": round(during_p99, 2), "max": round(max(during), 2), "requests": len(during)},
            "ratio_to_idle": {"p50": round(during_p50 / idle_p50, 2), "p99": round(during_p99 / idle_p99, 2)},
            "target_p99_within_5x_met": during_p99 <= 5 * idle_p99,
        },
        "one_account": {
            "attempts": attempts,
            "password_checks": answers.count(400),
            "refused_before_checking": answers.count(429),
            "limit": SIGN_IN_PER_ACCOUNT.max_hits,
            "target_met": answers.count(400) <= SIGN_IN_PER_ACCOUNT.max_hits,
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--attempts", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        prepare_database(database)
        port = free_port()
        server = start_server(database, port, cache=True)
        try:
            figures = asyncio.run(measure(f"http://127.0.0.1:{port}", args.burst, args.attempts))
        finally:
            server.terminate()
            server.wait(timeout=30)
    burst, account = figures["burst"], figures["one_account"]
    print(f"password hashing threads: {figures['password_threads']}")
    print(f"/healthz idle: p50 {figures['idle_ms']['p50']} ms, p99 {figures['idle_ms']['p99']} ms")
    print(
        f"/healthz during {burst['sign_ins']} concurrent sign-ins ({burst['seconds']} s, answers "
        f"{burst['answers']}): p50 {burst['healthz_ms']['p50']} ms "
        f"({burst['ratio_to_idle']['p50']}x idle), p99 {burst['healthz_ms']['p99']} ms "
        f"({burst['ratio_to_idle']['p99']}x idle), max {burst['healthz_ms']['max']} ms; "
        f"target p99 within 5x: {'met' if burst['target_p99_within_5x_met'] else 'missed'}"
    )
    print(
        f"{account['attempts']} concurrent attempts on one account: {account['password_checks']} "
        f"password checks, {account['refused_before_checking']} refused with 429 "
        f"(limit {account['limit']}): {'met' if account['target_met'] else 'missed'}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
