"""The WebSub hub: a subscriber on loopback subscribes, is verified and gets signed pushes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from feeds.models import HubIntent, HubSubscription
from feeds.websub.hub import MAX_PENDING_PER_CALLBACK_HOST
from tests.helpers_feeds import make_job, make_organization
from tests.helpers_websub import SECRET, WAIT_SECONDS, subscriber_fixture  # noqa: F401


async def eventually(condition, what: str) -> None:
    for _ in range(WAIT_SECONDS * 20):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def subscription_form(live_server, subscriber, **changes: str) -> dict[str, str]:
    form = {
        "hub.mode": "subscribe",
        "hub.topic": f"{live_server.url}/jobs/feed.atom?country=US",
        "hub.callback": subscriber.url,
        "hub.secret": SECRET,
        "hub.lease_seconds": "3600",
    }
    form.update(changes)
    return form


async def test_a_subscriber_is_verified_and_receives_a_signed_delivery_after_a_job_is_posted(
    live_server, api, subscriber
):
    organization = await make_organization()
    response = await api.post("/websub/hub", data=subscription_form(live_server, subscriber))
    assert response.status_code == 202

    await eventually(HubSubscription.exists, "the subscription became active")
    verification = subscriber.verifications[0]
    assert verification["hub.mode"] == "subscribe"
    assert verification["hub.topic"] == f"{live_server.url}/jobs/feed.atom?country=US"
    assert verification["hub.lease_seconds"] == "3600"

    job = await make_job(organization, "Post-conviction Attorney")
    body, valid, link = await asyncio.wait_for(subscriber.deliveries.get(), WAIT_SECONDS)
    assert valid
    assert job.uid.encode() in body
    assert 'rel="hub"' in link and 'rel="self"' in link

    tampered = body.replace(b"Post-conviction Attorney", b"Tampered Attorney")
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            subscriber.url,
            content=tampered,
            headers={
                "X-Hub-Signature": "sha256="
                + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            },
        )
    assert answer.status_code == 403
    _body, tampered_valid, _link = await subscriber.deliveries.get()
    assert not tampered_valid


async def test_a_change_outside_the_topic_delivers_nothing(live_server, api, subscriber):
    organization = await make_organization()
    await api.post("/websub/hub", data=subscription_form(live_server, subscriber))
    await eventually(HubSubscription.exists, "the subscription became active")
    await make_job(organization, "Investigator in Argentina", country="AR")
    await make_job(organization, "Investigator in Ohio")
    body, valid, _link = await asyncio.wait_for(subscriber.deliveries.get(), WAIT_SECONDS)
    assert valid and b"Investigator in Ohio" in body and b"Argentina" not in body


async def test_unsubscribing_ends_the_subscription(live_server, api, subscriber):
    await api.post("/websub/hub", data=subscription_form(live_server, subscriber))
    await eventually(HubSubscription.exists, "the subscription became active")
    form = subscription_form(live_server, subscriber, **{"hub.mode": "unsubscribe"})
    assert (await api.post("/websub/hub", data=form)).status_code == 202

    async def gone() -> bool:
        return not await HubSubscription.exists()

    await eventually(gone, "the subscription was removed")


async def test_a_callback_that_fails_verification_gets_no_subscription(
    live_server, api, subscriber
):
    subscriber.confirm = False
    response = await api.post("/websub/hub", data=subscription_form(live_server, subscriber))
    assert response.status_code == 202

    async def settled() -> bool:
        return bool(subscriber.verifications) and not await HubIntent.exists()

    await eventually(settled, "the intent was checked")
    assert not await HubSubscription.exists()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"hub.mode": "publish"}, "hub.mode"),
        ({"hub.topic": "https://elsewhere.example.org/jobs/feed.atom"}, "hub.topic"),
        ({"hub.topic": "{base}/jobs/not-a-feed"}, "hub.topic"),
        ({"hub.topic": "{base}/jobs/feed.atom?country=XX"}, "hub.topic"),
        ({"hub.topic": "{base}/orgs/nobody/jobs.atom"}, "hub.topic"),
        ({"hub.callback": "ftp://example.org/callback"}, "hub.callback"),
        ({"hub.callback": "javascript:alert(1)"}, "hub.callback"),
        ({"hub.secret": "x" * 201}, "hub.secret"),
        ({"hub.lease_seconds": "soon"}, "hub.lease_seconds"),
        ({"hub.lease_seconds": "²"}, "hub.lease_seconds"),
        ({"hub.lease_seconds": "9" * 5000}, "hub.lease_seconds"),
    ],
)
async def test_bad_hub_requests_are_refused_and_store_nothing(
    live_server, api, subscriber, changes, reason
):
    changes = {key: value.replace("{base}", live_server.url) for key, value in changes.items()}
    response = await api.post(
        "/websub/hub", data=subscription_form(live_server, subscriber, **changes)
    )
    assert response.status_code == 400
    assert reason in response.text
    assert not await HubIntent.exists()
    assert not await HubSubscription.exists()
    assert subscriber.verifications == []


async def test_the_hub_refuses_more_pending_verifications_for_one_host_with_429(
    live_server, api, subscriber
):
    # Intents already being verified (claimed, so the worker leaves them be) for one host.
    claimed = datetime.now(UTC) + timedelta(hours=1)
    topic = f"{live_server.url}/jobs/feed.atom"
    for number in range(MAX_PENDING_PER_CALLBACK_HOST):
        await HubIntent.create(
            mode="subscribe",
            topic=topic,
            callback=f"http://victim.example.org:8080/hook/{number}",
            lease_seconds=3600,
            claimed_until=claimed,
        )
    flooding = subscription_form(
        live_server, subscriber, **{"hub.callback": "http://VICTIM.example.org:8080/another"}
    )
    response = await api.post("/websub/hub", data=flooding)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "try again later" in response.text
    assert await HubIntent.filter(callback__contains="another").count() == 0

    # Another host (even one whose name starts the same) is still served.
    for callback in ("http://victim.example.org.other.example/hook", subscriber.url):
        form = subscription_form(live_server, subscriber, **{"hub.callback": callback})
        assert (await api.post("/websub/hub", data=form)).status_code == 202
