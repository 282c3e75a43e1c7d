"""Runs one aggregator pass and kills its own process (SIGKILL, no clean-up of any kind) once
the import has saved `AMICUS_CRASH_AFTER_SAVES` jobs: the transaction is open at that moment.

Used by tests/test_import_crash.py as `python -m tests.crash_during_import`; settings come
from the AMICUS_* environment variables like every Amicus command.
"""

from __future__ import annotations

import asyncio
import os
import signal

from tortoise.signals import post_save

from core.database import close_database, open_database
from core.settings import Settings
from feeds.aggregator import run_pass
from jobs.models import Job

saves = 0


@post_save(Job)
async def _count(*args: object) -> None:
    global saves
    saves += 1
    if saves >= int(os.environ["AMICUS_CRASH_AFTER_SAVES"]):
        os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    settings = Settings.from_env()
    await open_database(settings.database_url)
    try:
        await run_pass(settings)
    finally:
        await close_database()


if __name__ == "__main__":
    asyncio.run(main())
