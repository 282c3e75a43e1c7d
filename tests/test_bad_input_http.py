"""Bad input over real HTTP on either database: identifiers longer than their column, ids
beyond 64 bits, JSON nested deeper than any record. Each is a clear 4xx and changes nothing."""

from __future__ import annotations

import pytest

from directory.models import AuditEvent, Role
from feeds.models import FeedSubscription
from jobs.models import Job
from tests.helpers_directory import make_account, make_admin, sign_in
from tests.helpers_feeds import make_job, make_organization
from tests.helpers_jobs import bearer, job_input, token_secret

LONG = "a" * 81
TOO_BIG = str(2**64)

LONG_IDENTIFIERS = [
    f"/orgs/{LONG}/jobs.atom",
    f"/orgs/{LONG}/jobs.json",
    f"/orgs/{LONG}",
    f"/api/organizations/{LONG}",
    f"/jobs/{'a' * 121}",
    f"/api/jobs/{'a' * 201}",
    f"/api/jobs/urn:uuid:{'a' * 201}",
    f"/jobs/urn:{'a' * 201}",
]
LONG_FILTERS = ["/jobs", "/api/jobs", "/jobs/feed.atom", "/jobs/feed.json", "/orgs/ipx/jobs.rss"]


async def _counts() -> tuple[int, int, int]:
    return (
        await Job.all().count(),
        await AuditEvent.all().count(),
        await FeedSubscription.all().count(),
    )


@pytest.fixture
async def board(live_server):
    organization = await make_organization("ipx")
    await make_job(organization)
    await FeedSubscription.create(url="https://feeds.example.org/jobs.atom", name="Feeds")
    return organization


@pytest.mark.parametrize("path", LONG_IDENTIFIERS)
async def test_an_identifier_longer_than_its_column_is_not_found(board, api, path):
    response = await api.get(path)
    assert response.status_code == 404, (path, response.status_code, response.text[:200])


@pytest.mark.parametrize("path", LONG_FILTERS)
async def test_an_organization_filter_longer_than_a_slug_is_refused(board, api, path):
    response = await api.get(path, params={"organization": LONG})
    assert response.status_code == 400, (path, response.status_code, response.text[:200])


async def test_ids_beyond_64_bits_are_not_found_and_change_nothing(board, browser, live_server):
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    before = await _counts()
    token = await browser.csrf_token("/admin")
    for path in (f"/admin/jobs/{TOO_BIG}/approve", f"/admin/feeds/{TOO_BIG}/pause"):
        response = await browser.submit(path, {}, form_page="/admin")
        assert response.status_code == 404, (path, response.status_code)
    for method, path in (
        ("DELETE", f"/api/admin/feeds/{TOO_BIG}"),
        ("POST", f"/api/admin/feeds/{TOO_BIG}/pause"),
    ):
        response = await browser.http.request(method, path, headers={"X-CSRF-Token": token})
        assert response.status_code == 404, (path, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert await _counts() == before


async def test_a_posters_ids_beyond_64_bits_are_not_found(board, browser, live_server):
    await make_account("owner@ipx.example.org", board, Role.OWNER)
    await sign_in(browser, "owner@ipx.example.org")
    before = await _counts()
    assert (await browser.get(f"/dashboard/jobs/{TOO_BIG}/edit")).status_code == 404
    for path in (f"/dashboard/jobs/{TOO_BIG}/edit", f"/dashboard/jobs/{TOO_BIG}/close"):
        response = await browser.submit(path, {}, form_page="/dashboard/jobs")
        assert response.status_code == 404, (path, response.status_code)
    assert await _counts() == before


def _nested(depth: int) -> bytes:
    return b'{"title":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [30_000, 50_000])
async def test_json_nested_deeper_than_any_record_is_refused(board, api, browser, depth):
    secret = await token_secret(board)
    job = await Job.first()
    before = await _counts()
    headers = {**bearer(secret), "Content-Type": "application/json"}
    body = _nested(depth)
    for method, path in (
        ("POST", "/api/jobs"),
        ("PATCH", f"/api/jobs/{job.uid}"),
        ("POST", f"/api/jobs/{job.uid}/close"),
    ):
        response = await api.request(method, path, content=body, headers=headers)
        assert response.status_code == 400, (method, path, response.status_code)
        assert response.json()["error"]["code"] == "invalid_json"
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    token = await browser.csrf_token("/admin")
    response = await browser.http.post(
        "/api/admin/feeds",
        content=body,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert await _counts() == before
    # The server is still answering, and a normal body still works.
    created = await api.post("/api/jobs", json=job_input(), headers=bearer(secret))
    assert created.status_code == 201, created.text
