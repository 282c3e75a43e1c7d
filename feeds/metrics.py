"""The feeds package's gauges on /metrics (core.metrics): the aggregator's fetch outcomes and
lag, and the WebSub hub's delivery queue, read from the database at each scrape."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.functions import Count, Min

from core.metrics import Metrics, add_queue_gauges
from feeds.models import FeedSubscription, HubDelivery, SubscriptionStatus


async def fetch_outcomes() -> dict[tuple[str, ...], float]:
    """Active subscriptions by the HTTP status of their last fetch ("none": not fetched yet,
    "0": the fetch failed before an answer)."""
    rows = (
        await FeedSubscription.filter(status=SubscriptionStatus.ACTIVE)
        .annotate(count=Count("id"))
        .group_by("last_status")
        .values("last_status", "count")
    )
    return {(str(row["last_status"] or "none"),): row["count"] for row in rows}


async def fetch_lag() -> dict[tuple[str, ...], float]:
    """Seconds the most overdue active subscription has waited past its poll time."""
    row = (
        await FeedSubscription.filter(status=SubscriptionStatus.ACTIVE)
        .annotate(due=Min("next_poll_at"))
        .first()
        .values("due")
    )
    return {(): _seconds_since(row["due"] if row else None)}


def _seconds_since(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


def add_gauges(metrics: Metrics) -> None:
    metrics.gauge(
        "amicus_feed_subscriptions",
        "Active feed subscriptions by the HTTP status of their last fetch",
        ["last_status"],
        fetch_outcomes,
    )
    metrics.gauge(
        "amicus_aggregator_lag_seconds",
        "How long the most overdue feed has waited past its poll time",
        [],
        fetch_lag,
    )
    add_queue_gauges(metrics, "amicus_hub_delivery_queue", "WebSub deliveries", HubDelivery.all)
