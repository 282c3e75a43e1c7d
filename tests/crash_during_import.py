"""Runs one aggregator pass and kills its own process (SIGKILL, no clean-up of any kind) just
after the import has written its new jobs, while their transaction is still open.

Used by tests/test_import_crash.py as `python -m tests.crash_during_import`; settings come
from the AMICUS_* environment variables like every Amicus command.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from core.database import close_database, open_database
from core.settings import Settings
from feeds.aggregate.passes import run_pass
from jobs.models import Job

_write_jobs = Job.bulk_create


async def _write_then_die(*args: Any, **kwargs: Any) -> Any:
    await _write_jobs(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    settings = Settings.from_env()
    Job.bulk_create = _write_then_die  # type: ignore[method-assign]
    await open_database(settings.database_url)
    try:
        await run_pass(settings)
    finally:
        await close_database()


if __name__ == "__main__":
    asyncio.run(main())
