"""sitemap.xml lists the active organizations and visible jobs with their last change, turns
into an index of numbered files past the per-file limit, and robots.txt points to it."""

from __future__ import annotations

from lxml import etree

import jobs.sitemap
from directory.models import OrganizationStatus
from jobs.models import JobStatus
from tests.helpers_directory import make_organization
from tests.helpers_jobs import make_job

NS = {"s": jobs.sitemap.NAMESPACE}


def _locations(body: bytes) -> list[str]:
    return etree.fromstring(body).xpath("//s:loc/text()", namespaces=NS)


async def test_the_sitemap_lists_active_organizations_and_visible_jobs_with_lastmod(
    browser, live_server
):
    settings = live_server.settings
    shown = await make_organization("mapped-clinic")
    hidden = await make_organization("suspended-clinic", status=OrganizationStatus.SUSPENDED)
    open_job = await make_job(shown, settings, title="Mapped attorney")
    draft = await make_job(shown, settings, status=JobStatus.DRAFT, title="Draft paralegal")
    await make_job(hidden, settings, title="Hidden attorney")
    response = await browser.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    entries = {
        url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
        for url in root.findall("s:url", NS)
    }
    base = live_server.url
    assert set(entries) == {f"{base}/orgs/mapped-clinic", f"{base}/jobs/{open_job.slug}"}
    assert all(entries.values())
    assert f"{base}/jobs/{draft.slug}" not in entries
    robots = await browser.get("/robots.txt")
    assert f"Sitemap: {base}/sitemap.xml" in robots.text


async def test_past_the_per_file_limit_the_sitemap_is_an_index_of_its_files(
    browser, live_server, monkeypatch
):
    monkeypatch.setattr(jobs.sitemap, "PER_FILE", 2)
    organization = await make_organization("big-clinic")
    made = [
        await make_job(organization, live_server.settings, title=f"Clerk {n}") for n in range(3)
    ]
    index = await browser.get("/sitemap.xml")
    assert etree.QName(etree.fromstring(index.content)).localname == "sitemapindex"
    files = _locations(index.content)
    assert files == [f"{live_server.url}/sitemap-1.xml", f"{live_server.url}/sitemap-2.xml"]
    listed = []
    for url in files:
        part = await browser.get(url)
        assert part.status_code == 200
        listed += _locations(part.content)
    expected = [f"{live_server.url}/orgs/big-clinic"]
    expected += [f"{live_server.url}/jobs/{job.slug}" for job in made]
    assert sorted(listed) == sorted(expected)
    assert (await browser.get("/sitemap-3.xml")).status_code == 404
    assert (await browser.get("/sitemap-0.xml")).status_code == 404
