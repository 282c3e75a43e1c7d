"""Prometheus metrics at /metrics (prometheus-client), governed by AMICUS_METRICS: `off`
(the default: 404), `on`, or a comma-separated list of addresses and networks allowed to read
them (others get 403).

Each app has its own registry (app.state.metrics). The request log middleware counts requests
and their duration per route; packages add gauges with Metrics.gauge(name, help, labels,
read), where `read` is an async function returning {label values: number}, called at each
scrape, so a gauge is as fresh as the database."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from tortoise.queryset import QuerySet

GaugeReader = Callable[[], Awaitable[dict[tuple[str, ...], float]]]


def metrics_readers(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    """The networks allowed to read /metrics; [] for everyone ("on"); None for "off".
    Raises ValueError for a setting that is none of these."""
    value = setting.strip().lower()
    if value in ("", "off"):
        return None
    if value == "on":
        return []
    return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",")]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "amicus_requests",
            "HTTP requests answered, per route name, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.durations = Histogram(
            "amicus_request_duration_seconds",
            "Time to answer HTTP requests, per route name",
            ["route"],
            registry=self.registry,
        )
        self.readers: list[tuple[Gauge, GaugeReader]] = []

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route or "none", method, str(status)).inc()
        self.durations.labels(route or "none").observe(seconds)

    def gauge(self, name: str, help_text: str, labels: Sequence[str], read: GaugeReader) -> None:
        gauge = Gauge(name, help_text, list(labels), registry=self.registry)
        self.readers.append((gauge, read))

    async def exposition(self) -> bytes:
        for gauge, read in self.readers:
            gauge.clear()
            for label_values, value in (await read()).items():
                (gauge.labels(*label_values) if label_values else gauge).set(value)
        return generate_latest(self.registry)


def add_queue_gauges(
    metrics: Metrics, name: str, what: str, waiting: Callable[[], QuerySet[Any]]
) -> None:
    """The depth of a work queue (core.work_queue) and the age of its oldest item: the
    `<name>` and `<name>_age_seconds` gauges, `waiting()` being the items not done yet."""

    async def depth() -> dict[tuple[str, ...], float]:
        return {(): await waiting().count()}

    async def age() -> dict[tuple[str, ...], float]:
        oldest = await waiting().order_by("created_at").first().values_list("created_at", flat=True)
        seconds = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        return {(): max(0.0, seconds)}

    metrics.gauge(name, f"{what} waiting", [], depth)
    metrics.gauge(f"{name}_age_seconds", f"Age of the oldest {what} waiting", [], age)


async def metrics_endpoint(request: Request) -> Response:
    readers = metrics_readers(request.app.state.settings.metrics)
    if readers is None:
        raise HTTPException(404)
    client = ipaddress.ip_address(request.client.host) if request.client else None
    if readers and (client is None or not any(client in network for network in readers)):
        raise HTTPException(403, "This address may not read the metrics.")
    body = await request.app.state.metrics.exposition()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
