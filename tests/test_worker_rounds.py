"""Every background worker's round is one structured log line, a failed round included."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import pytest

from core.background import repeat


async def test_each_round_is_logged_with_its_outcome_and_duration(caplog: pytest.LogCaptureFixture):
    logger = logging.getLogger("amicus.test-worker")
    calls = 0
    three_rounds_logged = asyncio.Event()

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away")
        if calls == 4:  # the third round's line is written before the fourth round starts
            three_rounds_logged.set()

    with caplog.at_level(logging.DEBUG, logger="amicus.test-worker"):
        task = asyncio.create_task(repeat(step, 0.01, logger, "the test pass failed"))
        await asyncio.wait_for(three_rounds_logged.wait(), timeout=10)
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
    rounds = [record for record in caplog.records if record.getMessage() == "worker round"]
    assert [r.fields["outcome"] for r in rounds[:3]] == ["ok", "failed", "ok"]
    assert all(r.fields["worker"] == "amicus.test-worker" for r in rounds)
    assert all(r.fields["duration_ms"] >= 0 for r in rounds)
    # The failed round is also visible at the default level, with the error.
    assert rounds[1].levelno == logging.INFO
    assert any(r.getMessage() == "the test pass failed" and r.exc_info for r in caplog.records)
