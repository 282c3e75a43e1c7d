"""The WebSub hub (W3C Recommendation) for this instance's own feeds: requests and intents.

POST /websub/hub takes a subscribe/unsubscribe request, checks it and stores it as an intent
(202). The hub worker (feeds.websub.hub_delivery) then verifies the intent with a GET to the callback
carrying hub.challenge; only an echoed challenge makes the subscription active or removes it.
A request that fails a check is refused with 400 and stores nothing.

Every accepted request makes this server send a GET to a URL a stranger chose, so the queue
of unverified intents is bounded, per callback host and overall: beyond it the hub answers
429 with Retry-After, and cannot be used to flood a site with verification requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.i18n import gettext as _
from core.outbound import OutboundError
from core.security import new_secret
from core.settings import Settings
from core.urls import Urls
from core.validation import LARGEST_WHOLE_NUMBER, InvalidValue, whole_number
from feeds.models import HubIntent, HubMode, HubSubscription
from feeds.publish.catalog import FeedNotFound, FeedParameterError, resolve_url
from feeds.publish.rendered_cache import FeedCache, rendered_feed
from jobs.search.fulltext import SearchIndexes

MAX_SECRET_BYTES = 200
MAX_URL_LENGTH = 2000
DEFAULT_LEASE_SECONDS = 10 * 24 * 3600
MIN_LEASE_SECONDS = 300
MAX_LEASE_SECONDS = 30 * 24 * 3600
MAX_PENDING_PER_CALLBACK_HOST = 10
MAX_PENDING = 1000
BUSY_RETRY_SECONDS = 60


class HubRequestError(ValueError):
    """A subscription request the hub refuses; the message says why."""


class HubBusy(HubRequestError):
    """Too many intents await verification (for this callback's host, or at all)."""

    retry_after_seconds = BUSY_RETRY_SECONDS


@dataclass(frozen=True)
class HubRequest:
    mode: HubMode
    topic: str
    callback: str
    secret: str
    lease_seconds: int


def subscription_key(topic: str, callback: str) -> str:
    return hashlib.sha256(f"{topic}\n{callback}".encode()).hexdigest()


def _single(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise HubRequestError(_("'%(name)s' must be given once, as text.") % {"name": name})
    return value.strip()


def _callback(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubRequestError(_("'hub.callback' must be an absolute http or https URL."))
    if len(value) > MAX_URL_LENGTH or parts.fragment:
        raise HubRequestError(
            _("'hub.callback' must be at most 2000 characters, without a fragment.")
        )
    return value


async def _topic(
    value: str,
    settings: Settings,
    urls: Urls,
    indexes: SearchIndexes,
    feed_cache: FeedCache | None,
) -> str:
    """The topic if it is one of this instance's feeds (rendering it proves it exists)."""
    parts = urlsplit(value)
    base = urlsplit(settings.base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or len(value) > MAX_URL_LENGTH:
        raise HubRequestError(
            _("'hub.topic' must be a feed of this site (%(base)s).") % {"base": settings.base_url}
        )
    try:
        await rendered_feed(resolve_url(value, urls), settings, indexes, feed_cache)
    except FeedNotFound:
        raise HubRequestError(_("'hub.topic' is not a feed of this site.")) from None
    except FeedParameterError as error:
        raise HubRequestError(
            _("'hub.topic' has a bad parameter: %(reason)s") % {"reason": error}
        ) from None
    return value


def _lease(value: str) -> int:
    if not value:
        return DEFAULT_LEASE_SECONDS
    try:
        asked = whole_number(value, "hub.lease_seconds", minimum=0, maximum=LARGEST_WHOLE_NUMBER)
    except InvalidValue as error:
        raise HubRequestError(str(error)) from None
    # The hub chooses the lease within its bounds and tells the subscriber in verification.
    return min(max(asked, MIN_LEASE_SECONDS), MAX_LEASE_SECONDS)


async def parse_hub_request(
    form: Mapping[str, Any],
    settings: Settings,
    urls: Urls,
    indexes: SearchIndexes,
    feed_cache: FeedCache | None = None,
) -> HubRequest:
    mode_text = _single(form, "hub.mode")
    try:
        mode = HubMode(mode_text)
    except ValueError:
        raise HubRequestError(_("'hub.mode' must be subscribe or unsubscribe.")) from None
    callback = _callback(_single(form, "hub.callback"))
    secret = _single(form, "hub.secret") if mode == HubMode.SUBSCRIBE else ""
    if len(secret.encode()) > MAX_SECRET_BYTES:
        raise HubRequestError(_("'hub.secret' must be at most 200 bytes."))
    lease = _lease(_single(form, "hub.lease_seconds"))
    topic = await _topic(_single(form, "hub.topic"), settings, urls, indexes, feed_cache)
    return HubRequest(mode, topic, callback, secret, lease)


def _host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port)


async def store_intent(request: HubRequest) -> HubIntent:
    """Queue the intent for verification (HubBusy when the queue is full for its host)."""
    # At most MAX_PENDING rows (beyond it nothing is queued), so reading them all is cheap.
    pending = await HubIntent.all().values_list("callback", flat=True)
    if len(pending) >= MAX_PENDING:
        raise HubBusy(_("The hub has too many requests to verify; try again later."))
    host = _host(request.callback)
    if sum(1 for callback in pending if _host(callback) == host) >= MAX_PENDING_PER_CALLBACK_HOST:
        raise HubBusy(
            _("Too many requests for callbacks on this host await verification; try again later.")
        )
    return await HubIntent.create(
        mode=request.mode,
        topic=request.topic,
        callback=request.callback,
        secret=request.secret,
        lease_seconds=request.lease_seconds,
    )


async def intent_is_confirmed(intent: HubIntent, client: httpx.AsyncClient) -> bool:
    """Verification of intent: the subscriber must answer 2xx echoing the challenge."""
    challenge = new_secret(24)
    params = {"hub.mode": intent.mode.value, "hub.topic": intent.topic, "hub.challenge": challenge}
    if intent.mode == HubMode.SUBSCRIBE:
        params["hub.lease_seconds"] = str(intent.lease_seconds)
    try:
        response = await client.get(intent.callback, params=params)
    except (OutboundError, httpx.HTTPError):
        return False
    return response.is_success and response.text.strip() == challenge


async def apply_intent(
    intent: HubIntent,
    settings: Settings,
    urls: Urls,
    indexes: SearchIndexes,
    now: datetime,
    feed_cache: FeedCache | None = None,
) -> None:
    """Make a verified intent take effect."""
    key = subscription_key(intent.topic, intent.callback)
    if intent.mode == HubMode.UNSUBSCRIBE:
        await HubSubscription.filter(key=key).delete()
        return
    try:
        current = await rendered_feed(
            resolve_url(intent.topic, urls), settings, indexes, feed_cache
        )
    except (FeedNotFound, FeedParameterError):
        return  # the topic went away between the request and its verification
    # The subscriber fetched the topic to find the hub, so it has this content already.
    await HubSubscription.update_or_create(
        defaults={
            "topic": intent.topic,
            "callback": intent.callback,
            "secret": intent.secret,
            "lease_seconds": intent.lease_seconds,
            "expires_at": now + timedelta(seconds=intent.lease_seconds),
            "delivered_etag": current.etag,
            "last_error": "",
        },
        key=key,
    )
