"""Adding a subscription: only a reachable feed on an allowed address is stored; a web page
leads to its feed; every refusal says why and stores nothing. Through the admin page, the
admin API and `amicus peers add`."""

from __future__ import annotations

import asyncio
import sys

import pytest

from core.settings import PROJECT_ROOT
from core.validation import ValidationError
from directory.models import Role
from feeds.aggregate.passes import run_pass
from feeds.aggregate.subscriptions import add_subscription
from feeds.models import FeedSubscription, SubscriptionStatus
from jobs.models import Job
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed
from tests.helpers_hostile_servers import raw_server, replying

FEED = atom_feed(atom_entry("tag:s,1", "Staff Attorney", link="https://s.example.org/1"))
PAGE_WITH_FEED = (
    b'<!doctype html><html><head><link rel="alternate" type="application/atom+xml" '
    b'href="/careers.atom"></head><body>Careers</body></html>'
)
PAGE_WITHOUT_FEED = b"<!doctype html><html><head></head><body>Nothing here</body></html>"


def _routes() -> dict:
    return {
        "/careers.atom": ServedFeed(FEED),
        "/careers": replying(200, PAGE_WITH_FEED, {"Content-Type": "text/html"}),
        "/about": replying(200, PAGE_WITHOUT_FEED, {"Content-Type": "text/html"}),
    }


async def _refused(settings, url: str) -> str:
    with pytest.raises(ValidationError) as raised:
        await add_subscription(settings, url)
    assert await FeedSubscription.all().count() == 0
    return raised.value.errors["url"]


async def test_a_feed_address_is_subscribed_with_its_title(live_server):
    async with raw_server(_routes()) as server:
        subscription = await add_subscription(live_server.settings, f"{server.url}/careers.atom")
    assert subscription.url == f"{server.url}/careers.atom"
    assert subscription.name == "Careers"
    assert subscription.status == SubscriptionStatus.ACTIVE


async def test_a_web_page_leads_to_the_feed_it_announces(live_server):
    async with raw_server(_routes()) as server:
        subscription = await add_subscription(live_server.settings, f"{server.url}/careers")
    assert subscription.url == f"{server.url}/careers.atom"


async def test_addresses_that_are_not_feeds_are_refused_with_a_reason_and_nothing_stored(
    live_server,
):
    settings = live_server.settings
    async with raw_server(_routes()) as server:
        assert "http" in await _refused(settings, "ftp://example.org/feed.xml")
        assert "http" in await _refused(settings, "javascript:alert(1)")
        assert "No feed" in await _refused(settings, f"{server.url}/about")
        assert await _refused(settings, f"{server.url}/missing")  # 404
        closed_port = "http://127.0.0.1:9/feed"
        assert "reached" in await _refused(settings, closed_port)
        strict = settings.with_changes(allow_private_addresses=False)
        for private in (
            f"{server.url}/careers.atom",
            "http://10.0.0.1/feed",
            "http://169.254.169.254/",
        ):
            assert await _refused(strict, private)


async def test_the_same_feed_twice_is_refused(live_server):
    async with raw_server(_routes()) as server:
        await add_subscription(live_server.settings, f"{server.url}/careers.atom")
        with pytest.raises(ValidationError):
            await add_subscription(live_server.settings, f"{server.url}/careers")
    assert await FeedSubscription.all().count() == 1


async def test_administrators_add_pause_resume_and_remove_feeds_on_the_admin_page(
    live_server, browser
):
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    async with raw_server(_routes()) as server:
        bad = await browser.submit("/admin/feeds", {"url": f"{server.url}/about", "kind": "jobs"})
        assert bad.status_code == 422 and "No feed found" in bad.text
        assert f'value="{server.url}/about"' in bad.text
        added = await browser.submit(
            "/admin/feeds",
            {"url": f"{server.url}/careers", "name": "Clinic", "network": "Red", "kind": "jobs"},
        )
        assert added.status_code == 303
        await run_pass(live_server.settings)
    page = await browser.get("/admin/feeds")
    assert page.status_code == 200
    assert f"{server.url}/careers.atom" in page.text and "Clinic" in page.text
    subscription = await FeedSubscription.get(url=f"{server.url}/careers.atom")
    assert subscription.items_imported_total == 1 and subscription.last_status == 200
    for action, status in (("pause", "paused"), ("resume", "active")):
        done = await browser.submit(
            f"/admin/feeds/{subscription.id}/{action}", {}, form_page="/admin/feeds"
        )
        assert done.status_code == 303
        assert (await FeedSubscription.get(id=subscription.id)).status == status
    removed = await browser.submit(
        f"/admin/feeds/{subscription.id}/remove", {}, form_page="/admin/feeds"
    )
    assert removed.status_code == 303
    assert await FeedSubscription.all().count() == 0
    assert await Job.all().count() == 1  # imported jobs stay, attributed to their source


async def test_the_feed_pages_are_for_administrators_only(live_server, browser, new_browser):
    assert (await browser.get("/admin/feeds")).status_code in (302, 303, 307)
    organization = await make_organization("member-clinic")
    await make_account("owner@member.example.org", organization, Role.OWNER)
    member = new_browser()
    await sign_in(member, "owner@member.example.org")
    assert (await member.get("/admin/feeds")).status_code == 403
    assert (await member.http.get("/api/admin/feeds")).status_code == 403


async def test_the_admin_api_lists_adds_pauses_and_removes_with_the_csrf_header(
    live_server, browser
):
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    token = await browser.csrf_token("/admin/feeds")
    async with raw_server(_routes()) as server:
        body = {"url": f"{server.url}/careers.atom", "name": "Clinic", "kind": "jobs"}
        refused = await browser.http.post("/api/admin/feeds", json=body)
        assert refused.status_code == 403
        created = await browser.http.post(
            "/api/admin/feeds", json=body, headers={"X-CSRF-Token": token}
        )
        assert created.status_code == 201, created.text
        invalid = await browser.http.post(
            "/api/admin/feeds",
            json={"url": f"{server.url}/about"},
            headers={"X-CSRF-Token": token},
        )
        assert invalid.status_code == 422
        assert "url" in invalid.json()["error"]["fields"]
    identifier = created.json()["id"]
    listing = (await browser.http.get("/api/admin/feeds")).json()["items"]
    assert [item["url"] for item in listing] == [f"{server.url}/careers.atom"]
    paused = await browser.http.post(
        f"/api/admin/feeds/{identifier}/pause", headers={"X-CSRF-Token": token}
    )
    assert paused.json()["status"] == "paused"
    gone = await browser.http.delete(
        f"/api/admin/feeds/{identifier}", headers={"X-CSRF-Token": token}
    )
    assert gone.status_code == 204
    missing = await browser.http.delete(
        f"/api/admin/feeds/{identifier}", headers={"X-CSRF-Token": token}
    )
    assert missing.status_code == 404


async def test_a_members_own_feed_is_approved_and_its_jobs_imported_under_the_member(
    live_server, browser
):
    async with raw_server(_routes()) as server:
        organization = await make_organization(
            "feed-clinic", jobs_feed_url=f"{server.url}/careers.atom"
        )
        await make_admin()
        await sign_in(browser, "admin@network.example.org")
        page = await browser.get("/admin/feeds")
        assert organization.jobs_feed_url in page.text
        approved = await browser.submit(
            "/admin/feeds/members/feed-clinic/approve", {}, form_page="/admin/feeds"
        )
        assert approved.status_code == 303
        await run_pass(live_server.settings)
    job = await Job.get(origin_url="https://s.example.org/1")
    assert job.organization_id == organization.id
    await organization.refresh_from_db()
    assert organization.jobs_feed_approved


async def _amicus(settings, *args: str) -> tuple[int, str]:
    env = {
        "AMICUS_DATABASE_URL": settings.database_url,
        "AMICUS_SECRET_KEY": settings.secret_key,
        "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
        "PATH": "/usr/bin:/bin",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_amicus_peers_add_subscribes_or_explains_and_fetch_prints_a_summary(live_server):
    settings = live_server.settings
    async with raw_server(_routes()) as server:
        code, output = await _amicus(settings, "peers", "add", f"{server.url}/about")
        assert code == 1 and "No feed found" in output
        code, output = await _amicus(
            settings,
            "peers",
            "add",
            f"{server.url}/careers",
            "--name",
            "Clinic",
            "--network",
            "Red Inocente",
        )
        assert code == 0, output
        code, output = await _amicus(settings, "fetch")
        assert code == 0 and "items imported: 1" in output, output
    code, output = await _amicus(settings, "peers", "list")
    assert f"{server.url}/careers.atom" in output and "Clinic" in output
    subscription = await FeedSubscription.get(url=f"{server.url}/careers.atom")
    assert subscription.network == "Red Inocente"


async def test_the_admin_feed_api_is_documented_in_the_openapi_schema(api):
    document = (await api.get("/api/openapi.json")).json()
    assert {"/api/admin/feeds", "/api/admin/feeds/{id}", "/api/admin/feeds/{id}/pause"} <= set(
        document["paths"]
    )
    assert "/websub/hub" in document["paths"]
    assert "FeedSubscription" in document["components"]["schemas"]
