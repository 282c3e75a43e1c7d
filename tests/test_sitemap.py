"""sitemap.xml names every public page, visible job and listed organization with its last
change, never a page that answers 404, and becomes an index of pages past the protocol's
limit; robots.txt points to it."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from jobs import sitemap
from jobs.models import JobStatus
from tests.helpers_feeds import make_job, make_organization

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _locations(document: bytes, item: str = "url") -> dict[str, str | None]:
    root = etree.fromstring(document)
    return {
        node.findtext(f"{NS}loc"): node.findtext(f"{NS}lastmod")
        for node in root.iter(f"{NS}{item}")
    }


async def test_the_sitemap_lists_what_is_public_and_every_entry_answers(live_server, api):
    organization = await make_organization("sitemap-clinic", name="Sitemap Clinic")
    shown = await make_job(organization, "Staff Attorney")
    closed = await make_job(organization, "Closed Investigator", status=JobStatus.CLOSED)
    response = await api.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/xml"
    )
    entries = _locations(response.content)
    base = live_server.url
    assert f"{base}/jobs/{shown.slug}" in entries and entries[f"{base}/jobs/{shown.slug}"]
    assert f"{base}/orgs/sitemap-clinic" in entries
    assert f"{base}/jobs/{closed.slug}" not in entries
    async with httpx.AsyncClient() as client:
        for location in entries:
            assert (await client.get(location)).status_code == 200, location
    robots = await api.get("/robots.txt")
    assert f"Sitemap: {base}/sitemap.xml" in robots.text


async def test_past_the_limit_the_sitemap_is_an_index_of_pages_holding_everything(
    live_server, api, monkeypatch: pytest.MonkeyPatch
):
    organization = await make_organization("many-jobs", name="Many Jobs")
    for n in range(5):
        await make_job(organization, f"Fellow {n}")
    whole = _locations((await api.get("/sitemap.xml")).content)
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 3)
    index = _locations((await api.get("/sitemap.xml")).content, item="sitemap")
    assert len(index) == -(-len(whole) // 3) > 1
    pages: dict[str, str | None] = {}
    async with httpx.AsyncClient() as client:
        for location in index:
            part = _locations((await client.get(location)).content)
            assert 0 < len(part) <= 3
            pages |= part
        past = await client.get(f"{live_server.url}/sitemap.xml", params={"page": len(index) + 1})
    assert pages == whole
    assert past.status_code == 404
