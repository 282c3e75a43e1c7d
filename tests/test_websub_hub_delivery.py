"""The hub worker on its own: retries with backoff, leases, and outgoing address rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app import site_urls
from core.database import close_database, open_database
from core.outbound import outbound_client
from core.settings import Settings
from feeds.models import HubDelivery, HubIntent, HubMode, HubSubscription
from feeds.websub.hub import subscription_key
from feeds.websub.hub_delivery import MAX_RETRY_SECONDS, HubWorker, retry_delay, signature
from jobs.search.fulltext import SearchIndexes
from tests.helpers_feeds import make_job, make_organization
from tests.helpers_websub import SECRET, Subscriber, subscriber_fixture  # noqa: F401


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    """The test database opened in this process, with no app (and so no hub worker) running."""
    await open_database(settings.database_url)
    yield settings
    await close_database()


def hub_worker(settings: Settings, **options: float) -> HubWorker:
    """A hub worker as a process without an app runs one, with search indexes of its own."""
    return HubWorker(settings, site_urls(settings), SearchIndexes(settings.index_dir), **options)


async def subscribe(settings: Settings, subscriber: Subscriber, now: datetime) -> HubSubscription:
    topic = f"{settings.base_url}/jobs/feed.atom"
    return await HubSubscription.create(
        key=subscription_key(topic, subscriber.url),
        topic=topic,
        callback=subscriber.url,
        secret=SECRET,
        lease_seconds=3600,
        expires_at=now + timedelta(hours=1),
    )


def test_retry_delays_double_from_the_base_and_are_capped():
    assert [retry_delay(attempt, 30).total_seconds() for attempt in (1, 2, 3, 4)] == [
        30,
        60,
        120,
        240,
    ]
    assert retry_delay(40, 30).total_seconds() == MAX_RETRY_SECONDS


def test_the_signature_is_the_hmac_sha256_of_the_body():
    # The published HMAC-SHA256 test vector.
    body = b"The quick brown fox jumps over the lazy dog"
    assert signature("key", body) == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


async def test_a_failed_delivery_is_retried_after_the_backoff_and_then_delivered(
    database, subscriber
):
    now = datetime.now(UTC)
    organization = await make_organization()
    await make_job(organization, "Staff Attorney")
    subscription = await subscribe(database, subscriber, now)
    subscriber.fail_next = 1
    worker = hub_worker(database, retry_base_seconds=30)
    async with outbound_client(database) as client:
        await worker.run_once(client, now)
        delivery = await HubDelivery.get(subscription_id=subscription.id)
        assert delivery.attempts == 1
        assert delivery.next_attempt_at == now + timedelta(seconds=30)
        assert "503" in delivery.last_error

        await worker.run_once(client, now + timedelta(seconds=10))
        assert subscriber.deliveries.empty()

        await worker.run_once(client, now + timedelta(seconds=31))
    body, valid, _link = subscriber.deliveries.get_nowait()
    assert valid and b"Staff Attorney" in body
    assert not await HubDelivery.exists()
    assert (await HubSubscription.get(id=subscription.id)).delivered_etag


async def test_an_unchanged_topic_is_not_delivered_again(database, subscriber):
    now = datetime.now(UTC)
    await make_job(await make_organization())
    await subscribe(database, subscriber, now)
    worker = hub_worker(database)
    async with outbound_client(database) as client:
        await worker.run_once(client, now)
        await worker.queue_changed_topics(now, force=True)
        await worker.deliver_due(client, now)
    assert subscriber.deliveries.qsize() == 1


async def test_expired_leases_end_their_subscriptions(database, subscriber):
    now = datetime.now(UTC)
    await subscribe(database, subscriber, now - timedelta(hours=2))
    async with outbound_client(database) as client:
        await hub_worker(database).run_once(client, now)
    assert not await HubSubscription.exists()
    assert subscriber.deliveries.empty()


async def test_callbacks_on_private_addresses_are_refused_unless_allowed(database, subscriber):
    strict = database.with_changes(allow_private_addresses=False)
    await HubIntent.create(
        mode=HubMode.SUBSCRIBE,
        topic=f"{database.base_url}/jobs/feed.atom",
        callback=subscriber.url,
        lease_seconds=3600,
    )
    async with outbound_client(strict) as client:
        await hub_worker(strict).run_once(client)
    assert subscriber.verifications == []
    assert not await HubIntent.exists()
    assert not await HubSubscription.exists()
