"""Every page names its canonical address (without tracking or language parameters; an
imported job names its origin's), and job and organization pages carry link-preview tags."""

from __future__ import annotations

import lxml.html

from tests.helpers_directory import make_organization
from tests.helpers_jobs import make_job


def _head(body: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(body)


def _canonical(body: str) -> list[str]:
    return _head(body).xpath('//link[@rel="canonical"]/@href')


def _meta(body: str, attribute: str, name: str) -> list[str]:
    return _head(body).xpath(f'//meta[@{attribute}="{name}"]/@content')


async def test_the_canonical_url_leaves_out_tracking_and_language_parameters(browser, live_server):
    page = await browser.get("/jobs?q=attorney&utm_source=news&lang=es&fbclid=x&page=1")
    assert _canonical(page.text) == [f"{live_server.url}/jobs?q=attorney&page=1"]
    home = await browser.get("/?utm_campaign=spring")
    assert _canonical(home.text) == [f"{live_server.url}/"]


async def test_job_and_organization_pages_have_previews_and_an_imported_job_its_origin(
    browser, live_server
):
    organization = await make_organization("preview-clinic", description="Free <b>legal</b> aid")
    job = await make_job(organization, live_server.settings, title="Preview attorney")
    page = await browser.get(f"/jobs/{job.slug}?utm_medium=mail")
    own = f"{live_server.url}/jobs/{job.slug}"
    assert _canonical(page.text) == [own]
    assert _meta(page.text, "property", "og:title") == ["Preview attorney"]
    assert _meta(page.text, "property", "og:url") == [own]
    assert _meta(page.text, "property", "og:type") == ["article"]
    assert _meta(page.text, "property", "og:site_name") == [live_server.settings.network_name]
    description = _meta(page.text, "property", "og:description")
    assert description and description[0] and "<" not in description[0]
    assert _meta(page.text, "name", "twitter:card") == ["summary"]
    assert _meta(page.text, "name", "twitter:title") == ["Preview attorney"]

    org_page = await browser.get("/orgs/preview-clinic")
    assert _canonical(org_page.text) == [f"{live_server.url}/orgs/preview-clinic"]
    assert _meta(org_page.text, "property", "og:description") == ["Free legal aid"]
    assert _meta(org_page.text, "property", "og:title") == [organization.name]

    job.source_feed_url = "https://elsewhere.example.org/jobs.atom"
    job.origin_url = "https://elsewhere.example.org/jobs/42"
    await job.save()
    imported = await browser.get(f"/jobs/{job.slug}")
    assert _canonical(imported.text) == ["https://elsewhere.example.org/jobs/42"]
    assert _meta(imported.text, "property", "og:url") == ["https://elsewhere.example.org/jobs/42"]


async def test_an_organization_copied_from_a_sister_network_names_its_origin_as_canonical(
    browser, live_server
):
    await make_organization(
        "copied-clinic",
        origin_id="https://sister.example.org/orgs/copied-clinic",
        origin_url="https://sister.example.org/orgs/copied-clinic",
        source_feed_url="https://sister.example.org/directory.atom",
    )
    page = await browser.get("/orgs/copied-clinic?utm_source=x")
    assert _canonical(page.text) == ["https://sister.example.org/orgs/copied-clinic"]
    assert _meta(page.text, "property", "og:url") == [
        "https://sister.example.org/orgs/copied-clinic"
    ]
