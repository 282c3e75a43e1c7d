"""The `amicus` command in a process of its own, on a test's database (for the ActivityPub
delivery and key commands)."""

from __future__ import annotations

import asyncio
import sys

from core.settings import PROJECT_ROOT, Settings


async def amicus_process(settings: Settings, *arguments: str) -> asyncio.subprocess.Process:
    env = {
        "AMICUS_DATABASE_URL": settings.database_url,
        "AMICUS_SECRET_KEY": settings.secret_key,
        "AMICUS_BASE_URL": settings.base_url,
        "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *arguments,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
