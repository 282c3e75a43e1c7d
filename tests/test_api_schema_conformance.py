"""The JSON API answers as /api/openapi.json says, for any input schemathesis can make up:
no server error and no response outside the description, without and with an API token."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.helpers_feeds import make_job, make_organization
from tests.helpers_jobs import token_secret

# Bounded so the whole test takes about a minute on a small machine.
MAX_EXAMPLES = "15"
MAX_SECONDS = "25"


async def _schemathesis(url: str, workdir: Path, *headers: str) -> tuple[int, str]:
    arguments = [
        "-m", "schemathesis.cli", "run", f"{url}/api/openapi.json",
        "--checks", "all",
        # Left out: it takes every value the description allows to be acceptable, but some
        # rules are beyond what the description says (a language tag must name a language,
        # an on-site job needs a country, a hub topic must be one of this site's feeds).
        "--exclude-checks", "positive_data_acceptance",
        "--max-examples", MAX_EXAMPLES,
        "--max-time", MAX_SECONDS,
        "--seed", "20261202",
        "--request-timeout", "10",
        "--no-color",
        *[part for header in headers for part in ("-H", header)],
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=workdir,  # its example database stays out of the project
        env={**os.environ, "NO_COLOR": "1"},
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "api-token"])
async def test_the_api_keeps_to_its_openapi_description(live_server, tmp_path, with_token):
    organization = await make_organization("ipx", trusted=True)
    await make_job(organization)
    headers = [f"Authorization: Bearer {await token_secret(organization)}"] if with_token else []
    code, output = await _schemathesis(live_server.url, tmp_path, *headers)
    assert code == 0, output[-20000:]
    # Every operation of the description was exercised, not just the schema loaded.
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None and int(tested.group(1)) >= 20, output[-3000:]
