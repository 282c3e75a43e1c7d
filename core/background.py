"""Work that runs for the app's lifetime: a task started with the app and cancelled with it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

from starlette.applications import Starlette

# What a domain module's background_workers(settings) returns a list of (see app.py).
BackgroundWorker = Callable[[Starlette], AbstractAsyncContextManager[None]]


def lifetime_task(run: Callable[[], Awaitable[None]]) -> BackgroundWorker:
    """A worker that runs `run()` as a task from the app's start until its shutdown."""
    return app_task(lambda app: run())


def app_task(run: Callable[[Starlette], Awaitable[None]]) -> BackgroundWorker:
    """A worker that runs `run(app)` as a task from the app's start until its shutdown, for
    work that needs what the app holds (app.state): workers are made before the app is."""

    @asynccontextmanager
    async def worker(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(run(app))
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return worker


# A round slower than this is worth an operator's attention; quicker ones are logged at
# DEBUG, since the busiest workers run a round every second or so.
SLOW_ROUND_SECONDS = 1.0


async def repeat(
    step: Callable[[], Awaitable[object]],
    period_seconds: float,
    logger: logging.Logger,
    failure: str,
) -> None:
    """Run `step` forever, `period_seconds` apart. A step that fails is logged with `failure`
    and tried again next time: a database hiccup must not end the worker for good. Each round
    is one log line (`worker round`: the worker's logger, outcome and duration)."""
    while True:
        started = time.monotonic()
        try:
            await step()
        except Exception:
            logger.exception(failure)
            outcome = "failed"
        else:
            outcome = "ok"
        seconds = time.monotonic() - started
        level = (
            logging.INFO if outcome == "failed" or seconds >= SLOW_ROUND_SECONDS else logging.DEBUG
        )
        fields = {
            "worker": logger.name,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 1),
        }
        logger.log(level, "worker round", extra={"fields": fields})
        await asyncio.sleep(period_seconds)
