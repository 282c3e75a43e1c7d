"""What aggregation announces to the parts of feeds that act on it, so that aggregation
imports none of them: the WebSub subscriber listens (feeds.routes connects it, for the app's
worker and routes and for `amicus fetch`); without listeners nothing happens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request

from core.settings import Settings
from feeds.models import FeedSubscription

# (subscription, the feed's own address, the pass's client, settings, now), after a
# successful fetch of a feed that names a hub.
HubNamed = Callable[[FeedSubscription, str, httpx.AsyncClient, Settings, datetime], Awaitable[None]]
# (subscription, settings) when an administrator paused or removed it: work to run once the
# response is sent, or None.
SubscriptionLeft = Callable[[FeedSubscription, Settings], BackgroundTask | None]


async def _nobody_hears(*_args: object) -> None:
    return None


def _nothing_to_do(*_args: object) -> BackgroundTask | None:
    return None


@dataclass(frozen=True)
class FeedEvents:
    hub_named: HubNamed = _nobody_hears
    subscription_left: SubscriptionLeft = _nothing_to_do


NO_LISTENERS = FeedEvents()


def feed_events(request: Request) -> FeedEvents:
    """The listeners of the request's application (app.state.feed_events)."""
    return request.app.state.feed_events
