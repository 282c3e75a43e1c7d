"""The WebSub subscriber: intent verification, signed content distribution imported like a
polled fetch, forged deliveries ignored, and push between two Amicus instances."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription, HubSubscription
from feeds.routes import FEED_EVENTS
from jobs.models import Job
from tests.helpers_directory import make_admin, sign_in
from tests.helpers_federation import (
    ServedFeed,
    SisterInstance,
    atom_entry,
    atom_feed,
    copy_database,
    drop_database,
)
from tests.helpers_feeds import make_organization
from tests.helpers_hostile_servers import raw_server
from tests.helpers_jobs import make_job

SECRET = "subscriber secret"
TOPIC = "http://127.0.0.1:9/careers.atom"
FEED = atom_feed(
    atom_entry(
        "urn:test:pushed-1",
        "Pushed Staff Attorney",
        link="https://clinic.example.org/jobs/pushed-1",
        summary="<p>Arrived by push.</p>",
    ),
    title="Clinic careers",
)


def signed(body: bytes, secret: str = SECRET, method: str = "sha256") -> str:
    digest = getattr(hashlib, method)
    return f"{method}=" + hmac.new(secret.encode(), body, digest).hexdigest()


async def _subscription(**fields) -> FeedSubscription:
    values = {
        "url": TOPIC,
        "name": "Clinic careers",
        "network": "Red Inocente",
        "hub_url": "http://127.0.0.1:9/hub",
        "hub_secret": SECRET,
        **fields,
    }
    return await FeedSubscription.create(**values)


def _intent(mode: str = "subscribe", topic: str = TOPIC, **extra: str) -> dict[str, str]:
    return {
        "hub.mode": mode,
        "hub.topic": topic,
        "hub.challenge": "a-challenge-123",
        "hub.lease_seconds": "3600",
        **extra,
    }


async def test_verification_echoes_the_challenge_only_for_this_subscriptions_topic(api):
    subscription = await _subscription()
    path = f"/websub/callback/{subscription.id}"
    answer = await api.get(path, params=_intent())
    assert answer.status_code == 200
    assert answer.text == "a-challenge-123"
    assert answer.headers["content-type"].startswith("text/plain")
    await subscription.refresh_from_db()
    left = subscription.hub_lease_until - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)

    refused = [
        (path, _intent(topic="http://127.0.0.1:9/other.atom")),
        (path, _intent(mode="publish")),
        (path, {k: v for k, v in _intent().items() if k != "hub.challenge"}),
        (path, _intent(**{"hub.lease_seconds": "soon"})),
        (f"/websub/callback/{subscription.id + 1}", _intent()),
        ("/websub/callback/99999999999999999999", _intent()),
    ]
    for address, params in refused:
        response = await api.get(address, params=params)
        assert response.status_code == 404, (address, params)
        assert "a-challenge-123" not in response.text

    # Nobody unsubscribes an active subscription on this instance's behalf.
    response = await api.get(path, params=_intent(mode="unsubscribe"))
    assert response.status_code == 404
    await subscription.refresh_from_db()
    assert subscription.hub_lease_until is not None

    # A subscription switched off (or never requested: no secret) does not confirm.
    await FeedSubscription.filter(id=subscription.id).update(status="paused")
    assert (await api.get(path, params=_intent())).status_code == 404
    unrequested = await _subscription(url="http://127.0.0.1:9/b.atom", hub_secret="")
    response = await api.get(
        f"/websub/callback/{unrequested.id}", params=_intent(topic=unrequested.url)
    )
    assert response.status_code == 404

    # Unsubscribing a paused subscription is confirmed and ends the lease; one that was
    # removed is confirmed too (this instance wants nothing from it).
    answer = await api.get(path, params=_intent(mode="unsubscribe"))
    assert (answer.status_code, answer.text) == (200, "a-challenge-123")
    await subscription.refresh_from_db()
    assert subscription.hub_lease_until is None
    removed = f"/websub/callback/{unrequested.id + 100}"
    answer = await api.get(removed, params=_intent(mode="unsubscribe"))
    assert (answer.status_code, answer.text) == (200, "a-challenge-123")


async def test_the_poll_after_a_delivery_of_the_same_document_parses_nothing(api, settings):
    async with raw_server({"/careers.atom": ServedFeed(FEED)}) as server:
        subscription = await _subscription(url=f"{server.url}/careers.atom")
        response = await api.post(
            f"/websub/callback/{subscription.id}",
            content=FEED,
            headers={"Content-Type": "application/atom+xml", "X-Hub-Signature": signed(FEED)},
        )
        assert response.status_code == 202
        assert await Job.filter(source_feed_url=subscription.url).count() == 1
        summary = await run_pass(settings, events=FEED_EVENTS)
    assert (summary.fetched, summary.not_modified, summary.errors) == (0, 1, 0)


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
async def test_a_signed_delivery_is_imported_like_a_fetch(api, method):
    subscription = await _subscription()
    response = await api.post(
        f"/websub/callback/{subscription.id}",
        content=FEED,
        headers={
            "Content-Type": "application/atom+xml",
            "X-Hub-Signature": signed(FEED, method=method),
        },
    )
    assert response.status_code == 202
    job = await Job.get(origin_url="https://clinic.example.org/jobs/pushed-1")
    assert job.title == "Pushed Staff Attorney"
    assert job.source_feed_url == TOPIC
    assert job.description_html == "<p>Arrived by push.</p>"
    await subscription.refresh_from_db()
    assert subscription.items_imported_total == 1 and subscription.last_success_at
    # The same delivery again changes nothing (import is idempotent).
    again = await api.post(
        f"/websub/callback/{subscription.id}",
        content=FEED,
        headers={
            "Content-Type": "application/atom+xml",
            "X-Hub-Signature": signed(FEED, method=method),
        },
    )
    assert again.status_code == 202
    assert await Job.all().count() == 1


async def test_forged_tampered_or_unsigned_deliveries_change_nothing(api, live_server):
    subscription = await _subscription()
    path = f"/websub/callback/{subscription.id}"
    tampered = FEED.replace(b"Pushed Staff Attorney", b"Forged Staff Attorney")
    attempts = [
        (tampered, signed(FEED)),  # body changed after signing
        (FEED, signed(FEED, secret="not the secret")),
        (FEED, signed(FEED, method="md5")),  # not a WebSub method
        (FEED, "sha256="),
        (FEED, "sha256=" + "0" * 64),
        (FEED, "nonsense"),
        (FEED, ""),
    ]
    for body, signature in attempts:
        headers = {"Content-Type": "application/atom+xml"}
        if signature:
            headers["X-Hub-Signature"] = signature
        response = await api.post(path, content=body, headers=headers)
        assert response.status_code == 202, signature
    # Validly signed garbage is acknowledged and imports nothing; no answer is a 500.
    garbage = b"<html><body>not a feed \xff\xfe</body></html>"
    response = await api.post(
        path,
        content=garbage,
        headers={"Content-Type": "text/html", "X-Hub-Signature": signed(garbage)},
    )
    assert response.status_code == 202
    assert await Job.all().count() == 0
    await subscription.refresh_from_db()
    assert subscription.items_imported_total == 0 and subscription.last_success_at is None

    # Unknown subscriptions are gone (410 makes the hub drop them); bodies are bounded.
    unknown = await api.post(
        "/websub/callback/424242", content=FEED, headers={"X-Hub-Signature": signed(FEED)}
    )
    assert unknown.status_code == 410
    too_big = b"x" * (live_server.settings.max_body_bytes + 1)
    response = await api.post(path, content=too_big, headers={"X-Hub-Signature": signed(too_big)})
    assert response.status_code == 413
    assert await Job.all().count() == 0


# --- two instances, each the other's subscriber ---------------------------------------------


@pytest.fixture
async def sister(migrated_template: str, tmp_path) -> AsyncIterator[SisterInstance]:
    instance = SisterInstance(
        "B", await copy_database(migrated_template, tmp_path, "b"), "Red Inocente"
    )
    try:
        await instance.start()
        yield instance
    finally:
        await instance.stop()
        await drop_database(instance.database_url)


async def _until(condition, seconds: float) -> float | None:
    """Seconds until the condition held, or None if it did not within the time."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if await condition():
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    return None


async def test_a_job_posted_on_one_instance_is_pushed_to_its_subscriber(
    live_server, sister, capsys
):
    a, b = live_server, sister
    topic = f"{a.url}/federation/jobs.atom"
    code, output = await b.command("peers", "add", topic, "--name", "Innocence Network")
    assert code == 0, output
    code, output = await b.command("fetch", "--all")
    assert code == 0, output
    # B saw A's hub and asked for a subscription; A's hub verified B's callback.
    assert await _until(lambda: HubSubscription.filter(topic=topic).exists(), 15) is not None
    hub_subscription = await HubSubscription.get(topic=topic)
    assert hub_subscription.callback.startswith(f"{b.url}/websub/callback/")
    assert hub_subscription.secret

    # And the other way round: A subscribes to B's feed and B's hub verifies A's callback.
    back = await FeedSubscription.create(url=f"{b.url}/federation/jobs.atom", name="Red Inocente")

    summary = await run_pass(a.settings, events=FEED_EVENTS)
    assert summary.errors == 0

    async def a_is_subscribed() -> bool:
        await back.refresh_from_db()
        return back.hub_lease_until is not None

    assert await _until(a_is_subscribed, 15) is not None
    assert back.hub_lease_until > datetime.now(UTC) + timedelta(days=9)

    organization = await make_organization("pushing-clinic", name="Pushing Clinic")
    async with httpx.AsyncClient(timeout=10) as client:

        async def arrived_on_b() -> bool:
            response = await client.get(f"{b.url}/api/jobs/{job.uid}")
            return response.status_code == 200

        posted = time.monotonic()
        job = await make_job(organization, a.settings, title="Pushed Federation Counsel")
        latency = await _until(arrived_on_b, 10)
        assert latency is not None, "the job did not reach B by push"
        copy = (await client.get(f"{b.url}/api/jobs/{job.uid}")).json()
    assert copy["title"] == "Pushed Federation Counsel"
    with capsys.disabled():
        print(
            f"\nWebSub push latency A -> B: {time.monotonic() - posted:.2f} s (measured {latency:.2f} s)"
        )


async def test_pausing_or_removing_a_pushed_feed_unsubscribes_from_its_hub(
    live_server, sister, browser
):
    a, b = live_server, sister
    pushed = await FeedSubscription.create(url=f"{b.url}/federation/jobs.atom", name="Red Inocente")
    assert (await run_pass(a.settings, events=FEED_EVENTS)).errors == 0

    async def lease_is(present: bool) -> bool:
        await pushed.refresh_from_db()
        return (pushed.hub_lease_until is not None) == present

    async def hub_holds(count: int) -> bool:
        return await b.count_rows("hub_subscription") == count

    assert await _until(lambda: lease_is(True), 15) is not None
    assert await _until(lambda: hub_holds(1), 15) is not None
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    token = await browser.csrf_token("/admin/feeds")
    paused = await browser.http.post(
        f"/api/admin/feeds/{pushed.id}/pause", headers={"X-CSRF-Token": token}
    )
    assert paused.status_code == 200, paused.text
    # B's hub asked A's callback to confirm the unsubscription, A confirmed it, B forgot it.
    assert await _until(lambda: lease_is(False), 15) is not None, "the hub was not told"
    assert await _until(lambda: hub_holds(0), 15) is not None

    # Resumed, the next fetch subscribes again; removed, the hub is told once more.
    resumed = await browser.http.post(
        f"/api/admin/feeds/{pushed.id}/resume", headers={"X-CSRF-Token": token}
    )
    assert resumed.status_code == 200
    assert (await run_pass(a.settings, events=FEED_EVENTS)).errors == 0
    assert await _until(lambda: lease_is(True), 15) is not None
    assert await _until(lambda: hub_holds(1), 15) is not None
    removed = await browser.http.delete(
        f"/api/admin/feeds/{pushed.id}", headers={"X-CSRF-Token": token}
    )
    assert removed.status_code == 204
    assert await _until(lambda: hub_holds(0), 15) is not None, "the hub was not told"
