"""The WebSub subscriber (W3C Recommendation): push from the peers whose feeds advertise a hub.

After a successful fetch of a feed that names a hub and itself (rel="hub", rel="self"), the
aggregator asks the hub for a subscription (again when the lease ends within a day). The hub
verifies the intent with a GET to /websub/callback/<subscription id>, which echoes the
challenge only for this subscription's topic, and then POSTs each new version of the feed
there, signed with the secret sent in the request (X-Hub-Signature). A delivery with a valid
signature is parsed and imported exactly as a polled fetch would be; anything else is
acknowledged (202, as the spec asks) and changes nothing. Polling continues as the fallback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from tortoise.expressions import F

from core.outbound import OutboundError, outbound_client
from core.security import new_secret
from core.settings import Settings
from core.validation import LARGEST_ROW_ID
from feeds.aggregate.fetch import FetchResult
from feeds.aggregate.passes import import_fetched
from feeds.models import FeedSubscription, SubscriptionStatus

logger = logging.getLogger("amicus.websub")

CALLBACK_PATH = "/websub/callback"
LEASE_SECONDS = 10 * 24 * 3600
RENEW_WITHIN = timedelta(days=1)
# A hub may grant any lease; one beyond a year is read as a year (and keeps datetimes sane).
MAX_LEASE_SECONDS = 365 * 24 * 3600
_DIGESTS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def callback_url(settings: Settings, subscription_id: int) -> str:
    return f"{settings.base_url}{CALLBACK_PATH}/{subscription_id}"


def needs_subscription(subscription: FeedSubscription, now: datetime) -> bool:
    lease = subscription.hub_lease_until
    return lease is None or lease - now < RENEW_WITHIN


async def request_subscription(
    subscription: FeedSubscription,
    topic: str,
    client: httpx.AsyncClient,
    settings: Settings,
) -> bool:
    """Send the subscribe request to the subscription's hub; True if the hub accepted it.

    The secret is stored before the request, so the verification and the first delivery,
    which may come at once, find it; an existing secret is kept (a renewal must not make the
    deliveries of the current subscription look forged)."""
    secret = subscription.hub_secret or new_secret(32)
    if secret != subscription.hub_secret:
        await FeedSubscription.filter(id=subscription.id).update(hub_secret=secret)
        subscription.hub_secret = secret
    form = {
        "hub.mode": "subscribe",
        "hub.topic": topic,
        "hub.callback": callback_url(settings, subscription.id),
        "hub.secret": secret,
        "hub.lease_seconds": str(LEASE_SECONDS),
    }
    return await _ask_hub(client, subscription.hub_url, form)


async def _ask_hub(client: httpx.AsyncClient, hub_url: str, form: dict[str, str]) -> bool:
    """POST a (un)subscription request to a hub; True if the hub accepted it."""
    mode, topic = form["hub.mode"], form["hub.topic"]
    try:
        response = await client.post(hub_url, data=form)
    except (OutboundError, httpx.HTTPError) as error:
        logger.warning("WebSub %s request to %s failed: %s", mode, hub_url, error)
        return False
    if not response.is_success:
        logger.warning(
            "The hub %s refused the %s request for %s: HTTP %s",
            hub_url,
            mode,
            topic,
            response.status_code,
        )
    return response.is_success


def has_push(subscription: FeedSubscription) -> bool:
    """Whether a hub holds (or was asked for) a push subscription for this feed."""
    return bool(subscription.hub_url and subscription.hub_lease_until)


async def request_unsubscription(subscription: FeedSubscription, settings: Settings) -> bool:
    """Tell the hub to stop pushing a feed that was paused or removed; True if it accepted.

    Meant to run after the response (the hub may be slow). The hub then verifies the intent,
    which verify_intent confirms because the subscription is no longer active."""
    form = {
        "hub.mode": "unsubscribe",
        "hub.topic": subscription.url,
        "hub.callback": callback_url(settings, subscription.id),
    }
    async with outbound_client(settings) as client:
        return await _ask_hub(client, subscription.hub_url, form)


def unsubscribe_after_response(
    subscription: FeedSubscription, settings: Settings
) -> BackgroundTask | None:
    """For a route that paused or removed a subscription: end its push subscription once the
    response is sent, or None when no hub pushes this feed."""
    return (
        BackgroundTask(request_unsubscription, subscription, settings)
        if has_push(subscription)
        else None
    )


async def ensure_subscription(
    subscription: FeedSubscription,
    topic: str,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
) -> None:
    """After a successful fetch: subscribe (or renew) if the feed names a hub and itself, and
    the push subscription is missing or ends within a day. Never raises: polling goes on."""
    if not subscription.hub_url or not topic or not needs_subscription(subscription, now):
        return
    if topic != subscription.url:
        # The callback accepts only the subscription's own address as the topic.
        logger.info("Not subscribing to %s: it calls itself %s", subscription.url, topic)
        return
    try:
        await request_subscription(subscription, topic, client, settings)
    except Exception:
        logger.exception("subscribing to %s at %s failed", topic, subscription.hub_url)


async def _subscription(request: Request) -> FeedSubscription | None:
    subscription_id = request.path_params["id"]
    if subscription_id > LARGEST_ROW_ID:
        return None
    return await FeedSubscription.get_or_none(id=subscription_id)


def _not_found() -> Response:
    return PlainTextResponse("Unknown subscription.", status_code=404)


async def verify_intent(request: Request) -> Response:
    """GET /websub/callback/{id}: the hub's verification of intent."""
    params = request.query_params
    mode = params.get("hub.mode", "")
    topic = params.get("hub.topic", "")
    challenge = params.get("hub.challenge", "")
    if mode not in ("subscribe", "unsubscribe") or not challenge:
        return _not_found()
    subscription = await _subscription(request)
    if mode == "unsubscribe":
        # Confirmed only when this instance no longer wants the pushes (the subscription was
        # paused, disabled or removed): an active one is never unsubscribed by a stranger.
        if subscription is None:
            return PlainTextResponse(challenge)
        if topic != subscription.url or subscription.status == SubscriptionStatus.ACTIVE:
            return _not_found()
        await FeedSubscription.filter(id=subscription.id).update(hub_lease_until=None)
        return PlainTextResponse(challenge)
    lease = params.get("hub.lease_seconds", "")
    if (
        subscription is None
        or topic != subscription.url
        or subscription.status != SubscriptionStatus.ACTIVE
        or not subscription.hub_secret
        or not lease.isascii()
        or not lease.isdigit()
    ):
        return _not_found()
    seconds = min(int(lease), MAX_LEASE_SECONDS)
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    await FeedSubscription.filter(id=subscription.id).update(hub_lease_until=until)
    return PlainTextResponse(challenge)


def signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    method, _sep, given = header.strip().partition("=")
    digest = _DIGESTS.get(method.strip().lower())
    if not secret or digest is None or not given:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def _ignored() -> Response:
    # The spec: a delivery that fails the signature check is acknowledged and ignored.
    return PlainTextResponse("Ignored.", status_code=202)


async def receive_content(request: Request) -> Response:
    """POST /websub/callback/{id}: content distribution from the hub."""
    subscription = await _subscription(request)
    if subscription is None or subscription.status == SubscriptionStatus.DISABLED:
        # 410 tells the hub that this subscription is no more.
        return PlainTextResponse("Unknown subscription.", status_code=410)
    body = await request.body()  # the app's max body size answers 413 beyond it
    header = request.headers.get("x-hub-signature", "")
    if subscription.status != SubscriptionStatus.ACTIVE or not signature_is_valid(
        subscription.hub_secret, body, header
    ):
        return _ignored()
    settings: Settings = request.app.state.settings
    now = datetime.now(UTC)
    fetched = FetchResult(
        url=subscription.url,
        final_url=subscription.url,
        status=200,
        body=body,
        content_type=request.headers.get("content-type", ""),
    )
    try:
        summary, error, _ttl, _topic = await import_fetched(subscription, fetched, settings, now)
        if summary is not None:
            await FeedSubscription.filter(id=subscription.id).update(
                last_success_at=now,
                # The next poll of this very document is then a hash skip, not a second parse.
                body_hash=hashlib.sha256(body).hexdigest(),
                items_imported_last=summary.imported,
                items_imported_total=F("items_imported_total") + summary.imported,
                hub_url=subscription.hub_url,
            )
    except Exception:
        logger.exception("importing a WebSub delivery for %s failed", subscription.url)
        return PlainTextResponse("Try again later.", status_code=503)
    if error:
        logger.info("WebSub delivery for %s not imported: %s", subscription.url, error)
    return PlainTextResponse("Received.", status_code=202)
