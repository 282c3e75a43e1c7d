"""The hub worker: verifies intents and distributes content, off the request path.

Runs in every app process. Work lives in database tables (hub_intent, hub_delivery), and a
process takes an item by a conditional UPDATE of its `claimed_until`, so several processes
share the work without doing anything twice. The worker polls the change counter
(the jobs data generation, bumped by triggers in the writing transaction) every second: a job
edit only commits, and whatever process notices the new generation re-renders each
subscribed topic and queues a delivery where the ETag differs from the one delivered last.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette
from tortoise.exceptions import IntegrityError

from core import work_queue
from core.background import BackgroundWorker, lifetime_task, repeat
from core.outbound import OutboundError, outbound_client
from core.settings import Settings
from core.urls import Urls
from feeds.models import HubDelivery, HubIntent, HubSubscription
from feeds.publish.catalog import FeedNotFound, FeedParameterError, resolve_url
from feeds.publish.job_feed import feed_moment
from feeds.publish.rendered_cache import FeedCache, RenderedFeed, data_generation, rendered_feed
from feeds.websub.hub import apply_intent, intent_is_confirmed
from jobs.search.fulltext import SearchIndexes

logger = logging.getLogger("amicus.websub")

POLL_SECONDS = 1.0
CLAIM_SECONDS = 120
RETRY_BASE_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
MAX_ATTEMPTS = 10


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int, base_seconds: float = RETRY_BASE_SECONDS) -> timedelta:
    """Exponential backoff: base, 2x base, 4x base ... capped at six hours."""
    return work_queue.retry_delay(attempts, base_seconds, MAX_RETRY_SECONDS)


async def _topic_feed(
    topic: str,
    settings: Settings,
    urls: Urls,
    indexes: SearchIndexes,
    feed_cache: FeedCache | None,
    now: datetime,
) -> RenderedFeed | None:
    try:
        return await rendered_feed(resolve_url(topic, urls), settings, indexes, feed_cache, now)
    except (FeedNotFound, FeedParameterError):
        return None


class HubWorker:
    """One process's share of the hub's work; `run_once` is one pass over everything due."""

    def __init__(
        self,
        settings: Settings,
        urls: Urls,
        indexes: SearchIndexes,
        feed_cache: FeedCache | None = None,
        retry_base_seconds: float = RETRY_BASE_SECONDS,
    ):
        self.settings = settings
        self.urls = urls
        self.indexes = indexes
        # The application's rendered feeds: what is delivered is what subscribers would fetch.
        self.feed_cache = feed_cache
        self.retry_base_seconds = retry_base_seconds
        self._seen: tuple[int, datetime] | None = None

    async def run_once(self, client: httpx.AsyncClient, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        await self.verify_intents(client, now)
        await self.queue_changed_topics(now)
        await self.deliver_due(client, now)

    async def verify_intents(self, client: httpx.AsyncClient, now: datetime) -> None:
        for intent in await HubIntent.filter(work_queue.claimable(now)).limit(50):
            if not await work_queue.claim(HubIntent, intent.id, now, CLAIM_SECONDS):
                continue
            if await intent_is_confirmed(intent, client):
                await apply_intent(
                    intent, self.settings, self.urls, self.indexes, now, self.feed_cache
                )
            await intent.delete()

    async def queue_changed_topics(self, now: datetime, force: bool = False) -> None:
        seen = (await data_generation(), feed_moment(now))
        if seen == self._seen and not force:
            return
        await HubSubscription.filter(expires_at__lte=now).delete()
        renderings: dict[str, RenderedFeed | None] = {}
        for subscription in await HubSubscription.all():
            if subscription.topic not in renderings:
                renderings[subscription.topic] = await _topic_feed(
                    subscription.topic, self.settings, self.urls, self.indexes, self.feed_cache, now
                )
            feed = renderings[subscription.topic]
            if feed is None:
                await subscription.delete()  # the topic is gone (organization suspended)
            elif feed.etag != subscription.delivered_etag:
                # Another process may queue the same delivery at the same moment.
                with suppress(IntegrityError):
                    await HubDelivery.get_or_create(
                        subscription=subscription, defaults={"next_attempt_at": now}
                    )
        self._seen = seen

    async def deliver_due(self, client: httpx.AsyncClient, now: datetime) -> None:
        due = (
            await HubDelivery.filter(work_queue.claimable(now), next_attempt_at__lte=now)
            .select_related("subscription")
            .limit(100)
        )
        for delivery in due:
            if await work_queue.claim(HubDelivery, delivery.id, now, CLAIM_SECONDS):
                await self.deliver(delivery, client, now)

    async def deliver(self, delivery: HubDelivery, client: httpx.AsyncClient, now: datetime):
        subscription = delivery.subscription
        feed = await _topic_feed(
            subscription.topic, self.settings, self.urls, self.indexes, self.feed_cache, now
        )
        if feed is None:
            await subscription.delete()
            return
        hub = self.urls.url("feeds:hub")
        headers = {
            "Content-Type": f"{feed.media_type}; charset=utf-8",
            "Link": f'<{hub}>; rel="hub", <{subscription.topic}>; rel="self"',
        }
        if subscription.secret:
            headers["X-Hub-Signature"] = signature(subscription.secret, feed.body)
        try:
            response = await client.post(subscription.callback, content=feed.body, headers=headers)
            error = "" if response.is_success else f"HTTP {response.status_code}"
            gone = response.status_code == 410
        except (OutboundError, httpx.HTTPError) as problem:
            error, gone = f"{type(problem).__name__}: {problem}", False
        if gone:
            await subscription.delete()  # the subscriber says the subscription is no more
            return
        if not error:
            await HubSubscription.filter(id=subscription.id).update(
                delivered_etag=feed.etag, last_error=""
            )
            await delivery.delete()
            return
        attempts = delivery.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            logger.warning("Giving up delivery to %s: %s", subscription.callback, error)
            # The next change of the topic queues a fresh delivery of the then-current content.
            await HubSubscription.filter(id=subscription.id).update(
                delivered_etag=feed.etag, last_error=error
            )
            await delivery.delete()
            return
        await HubSubscription.filter(id=subscription.id).update(last_error=error)
        await HubDelivery.filter(id=delivery.id).update(
            attempts=attempts,
            last_error=error,
            claimed_until=None,
            next_attempt_at=now + retry_delay(attempts, self.retry_base_seconds),
        )

    async def run_forever(self, poll_seconds: float = POLL_SECONDS) -> None:
        async with outbound_client(self.settings) as client:
            await repeat(
                lambda: self.run_once(client), poll_seconds, logger, "WebSub hub pass failed"
            )


def hub_worker(settings: Settings, urls: Urls) -> BackgroundWorker:
    """A background worker for create_app: the hub runs for the app's lifetime."""

    @asynccontextmanager
    async def worker(app: Starlette) -> AsyncIterator[None]:
        hub = HubWorker(settings, urls, app.state.search_indexes, app.state.feed_cache)
        async with lifetime_task(hub.run_forever)(app):
            yield

    return worker
