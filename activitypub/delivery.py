"""The delivery queue: one signed POST per inbox, retried with back-off, never sent twice
at once (leases from core.work_queue), given up after about a day; a 410 drops the inbox's
followers. A worker keeps CONCURRENCY POSTs in flight; any number of processes may run one.

Delivery is at least once: a process killed after an inbox answered but before the answer
was recorded leaves that delivery to be sent again when its lease passes (receivers
deduplicate by activity id, as the fediverse does)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from activitypub.actors import key_id
from activitypub.keys import actor_key, private_key
from activitypub.models import Delivery, Follower
from activitypub.signatures import signed_headers
from core import work_queue
from core.background import BackgroundWorker, lifetime_task, repeat
from core.i18n import DIAGNOSTICS_LANGUAGE, in_language
from core.outbound import OutboundError, outbound_client
from core.settings import Settings
from core.urls import Urls

logger = logging.getLogger("amicus.activitypub")

RETRY_BASE_SECONDS = 60.0
# 60 s doubling, capped at 6 h: the 12th failure falls about a day after the first.
MAX_ATTEMPTS = 12
LEASE_SECONDS = 60
BATCH = 200
# POSTs in flight per worker: a fan-out waits on remote servers, not on this machine.
CONCURRENCY = 16
POLL_SECONDS = 1.0


async def enqueue(actor: str, inboxes: Iterable[str], activity: dict[str, Any]) -> int:
    """Queue `activity` for each distinct inbox; the number queued."""
    body = json.dumps(activity)
    now = datetime.now(UTC)
    rows = [
        Delivery(actor=actor, inbox=inbox, activity=body, next_attempt_at=now)
        for inbox in sorted(set(inboxes))
    ]
    await Delivery.bulk_create(rows, batch_size=500)
    return len(rows)


async def follower_inboxes(actor: str) -> list[str]:
    """One inbox per server: the shared inbox where a follower has one."""
    rows = await Follower.filter(actor=actor).values_list("inbox", "shared_inbox")
    return sorted({shared or inbox for inbox, shared in rows})


class DeliveryWorker:
    def __init__(
        self,
        settings: Settings,
        urls: Urls,
        retry_base_seconds: float = RETRY_BASE_SECONDS,
        concurrency: int = CONCURRENCY,
    ):
        self.settings = settings
        self.urls = urls
        self.retry_base_seconds = retry_base_seconds
        self.concurrency = concurrency
        # Decrypting and parsing a private key costs milliseconds; a fan-out signs thousands.
        # Keyed by the stored key's id, so a rotated key is used from the next delivery on.
        self._keys: dict[int, rsa.RSAPrivateKey] = {}

    async def signing_key(self, actor: str) -> rsa.RSAPrivateKey:
        stored = await actor_key(actor, self.settings.secret_key)
        if stored.id not in self._keys:
            self._keys[stored.id] = private_key(stored, self.settings.secret_key)
        return self._keys[stored.id]

    async def run_once(self, client: httpx.AsyncClient, now: datetime | None = None) -> int:
        """Deliver what is due now, `concurrency` at a time; the number attempted. Each item is
        claimed just before it is sent, so its lease counts from then (`now`, when given,
        fixes the clock for tests)."""
        due_at = now or datetime.now(UTC)
        due = await Delivery.filter(
            work_queue.claimable(due_at),
            delivered_at__isnull=True,
            gave_up_at__isnull=True,
            next_attempt_at__lte=due_at,
        ).limit(BATCH)
        slots = asyncio.Semaphore(self.concurrency)

        async def attempt(item: Delivery) -> bool:
            async with slots:
                moment = now or datetime.now(UTC)
                if not await work_queue.claim(Delivery, item.id, moment, LEASE_SECONDS):
                    return False
                await self.deliver(item, client, moment)
                return True

        return sum(await asyncio.gather(*(attempt(item) for item in due)))

    async def deliver(self, item: Delivery, client: httpx.AsyncClient, now: datetime) -> None:
        # The reason of a failure is kept for the administrators' page, in one language.
        with in_language(DIAGNOSTICS_LANGUAGE):
            await self._deliver(item, client, now)

    async def _deliver(self, item: Delivery, client: httpx.AsyncClient, now: datetime) -> None:
        body = item.activity.encode()
        headers = signed_headers(
            item.inbox, body, key_id(self.urls, item.actor), await self.signing_key(item.actor)
        )
        headers["Content-Type"] = "application/activity+json"
        try:
            response = await client.post(item.inbox, content=body, headers=headers)
            error = "" if response.is_success else f"HTTP {response.status_code}"
            gone = response.status_code == 410
        except (OutboundError, httpx.HTTPError) as problem:
            error, gone = f"{type(problem).__name__}: {problem}", False
        if not error:
            await Delivery.filter(id=item.id).update(delivered_at=now, last_error="")
            return
        attempts = item.attempts + 1
        if gone or attempts >= MAX_ATTEMPTS:
            logger.warning("Giving up delivery to %s: %s", item.inbox, error)
            await Delivery.filter(id=item.id).update(
                attempts=attempts, gave_up_at=now, last_error=error, claimed_until=None
            )
            if gone:  # the server says the inbox is no more: stop delivering to it
                await Follower.filter(inbox=item.inbox).delete()
                await Follower.filter(shared_inbox=item.inbox).delete()
            return
        await Delivery.filter(id=item.id).update(
            attempts=attempts,
            last_error=error,
            claimed_until=None,
            next_attempt_at=now + work_queue.retry_delay(attempts, self.retry_base_seconds),
        )

    async def run_forever(self) -> None:
        async with outbound_client(self.settings) as client:
            await repeat(
                lambda: self.run_once(client), POLL_SECONDS, logger, "ActivityPub delivery failed"
            )


async def deliver_due(settings: Settings, urls: Urls) -> int:
    """Deliver until nothing is due (what others hold is theirs); the number attempted. This is
    `amicus activitypub deliver`, for a delivery process run beside or instead of the site's."""
    worker = DeliveryWorker(settings, urls)
    total = 0
    async with outbound_client(settings) as client:
        while attempted := await worker.run_once(client):
            total += attempted
    return total


def delivery_worker(settings: Settings, urls: Urls) -> BackgroundWorker:
    @asynccontextmanager
    async def worker(app: Starlette) -> AsyncIterator[None]:
        async with lifetime_task(DeliveryWorker(settings, urls).run_forever)(app):
            yield

    return worker
