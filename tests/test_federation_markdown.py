"""A description written here in Markdown reaches another instance with the same HTML, through
every feed format: one HTML policy for local Markdown and imported markup."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.helpers_directory import make_organization
from tests.helpers_federation import SisterInstance, copy_database, drop_database
from tests.helpers_jobs import bearer, job_input, token_secret

FORMATS = ("atom", "rss", "json")
DESCRIPTION = """# Staff Attorney

We review **claims of innocence** across three states.

## Caseload

| Stage | Cases | Share |
|:------|------:|:-----:|
| Screening | 120 | 60% |
| Litigation | 12 | 6% |

---

The ~~unpaid~~ position is paid. Read [our annual report](https://example.org/report "Annual report 2026")
before applying, or write to <https://example.org/contact>.

1. Cover letter
2. Writing sample
"""


@pytest.fixture
async def sisters(migrated_template: str, tmp_path) -> AsyncIterator[dict[str, SisterInstance]]:
    instances = {
        fmt: SisterInstance(
            fmt.upper(), await copy_database(migrated_template, tmp_path, fmt), "Red Inocente"
        )
        for fmt in FORMATS
    }
    try:
        await asyncio.gather(*(instance.start() for instance in instances.values()))
        yield instances
    finally:
        for instance in instances.values():
            await instance.stop()
            await drop_database(instance.database_url)


async def test_markdown_structure_survives_every_feed_format_into_another_instance(
    live_server, sisters, api
):
    organization = await make_organization("ipx", trusted=True)
    secret = await token_secret(organization)
    created = await api.post(
        "/api/jobs", json=job_input(description=DESCRIPTION), headers=bearer(secret)
    )
    assert created.status_code == 201, created.text
    original = created.json()
    assert original["status"] == "published"
    html = original["description_html"]
    for element in ("<h1>", "<h2>", "<table>", "<th", "<hr>", "<s>", "<ol>"):
        assert element in html, element
    assert 'title="Annual report 2026"' in html

    async def import_through(fmt: str) -> str:
        sister = sisters[fmt]
        feed_url = f"{live_server.url}/jobs/feed.{fmt}"
        code, output = await sister.command(
            "peers", "add", feed_url, "--name", "Amicus A", "--network", "Amicus A"
        )
        assert code == 0, output
        code, output = await sister.command("fetch", "--all")
        assert code == 0, output
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.get(f"{sister.url}/api/jobs/{original['uid']}")
        assert response.status_code == 200, (fmt, output)
        return response.json()["description_html"]

    imported = await asyncio.gather(*(import_through(fmt) for fmt in FORMATS))
    assert dict(zip(FORMATS, imported, strict=True)) == {fmt: html for fmt in FORMATS}
