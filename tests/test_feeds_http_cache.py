"""Feeds answer conditional requests, and a change reaches exactly the feeds that hold it."""

from __future__ import annotations

import gzip

from jobs.models import Job, JobStatus
from tests.helpers_feeds import make_job, make_organization

FEEDS = [
    "/jobs/feed.atom",
    "/jobs/feed.rss",
    "/jobs/feed.json",
    "/jobs/feed.atom?country=AR",
    "/orgs/ohio-innocence-project/jobs.atom",
    "/orgs/red-inocente/jobs.atom",
]


async def test_feeds_carry_validators_cache_control_media_type_and_hub_links(live_server, api):
    await make_organization()
    response = await api.get("/jobs/feed.atom", headers={"Accept-Encoding": "identity"})
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert 'rel="hub"' in response.headers["link"] and 'rel="self"' in response.headers["link"]


async def test_a_second_request_with_the_validators_gets_304_without_a_body(live_server, api):
    await make_job(await make_organization())
    first = await api.get("/jobs/feed.atom")
    again = await api.get("/jobs/feed.atom", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    since = await api.get(
        "/jobs/feed.atom", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304 and since.content == b""


async def test_gzip_is_a_separate_representation_with_its_own_etag(live_server, api):
    await make_job(await make_organization(), description_html="<p>" + "x " * 2000 + "</p>")
    plain = await api.get("/jobs/feed.atom", headers={"Accept-Encoding": "identity"})
    raw = await api.get("/jobs/feed.atom", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["etag"] != plain.headers["etag"]
    assert "accept-encoding" in raw.headers["vary"].lower()
    assert raw.content == plain.content  # httpx decodes the gzip body
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content


async def test_a_change_to_one_job_changes_the_etag_of_exactly_the_feeds_holding_it(
    live_server, api
):
    ohio = await make_organization()
    red = await make_organization("red-inocente", name="Red Inocente", country="AR")
    await make_job(red, "Abogada", country="AR")
    job = await make_job(ohio, "Staff Attorney")
    before = {path: (await api.get(path)).headers["etag"] for path in FEEDS}
    job.title = "Senior Staff Attorney"
    await job.save()
    after = {path: (await api.get(path)).headers["etag"] for path in FEEDS}
    changed = {path for path in FEEDS if before[path] != after[path]}
    assert changed == {
        "/jobs/feed.atom",
        "/jobs/feed.rss",
        "/jobs/feed.json",
        "/orgs/ohio-innocence-project/jobs.atom",
    }


async def test_a_state_change_made_by_bulk_update_also_reaches_the_feeds(live_server, api):
    job = await make_job(await make_organization())
    before = (await api.get("/jobs/feed.atom")).headers["etag"]
    await Job.filter(id=job.id).update(status=JobStatus.CLOSED)
    assert (await api.get("/jobs/feed.atom")).headers["etag"] != before


async def test_the_link_header_names_the_same_self_url_as_the_document(live_server, api):
    await make_job(await make_organization())
    response = await api.get("/jobs/feed.json?per_page=5&country=US&lang=es&page=1")
    document = response.json()
    assert f'<{document["feed_url"]}>; rel="self"' in response.headers["link"]
    assert f'<{document["hubs"][0]["url"]}>; rel="hub"' in response.headers["link"]
