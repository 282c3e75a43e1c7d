"""Structured logs: JSON lines, one per request (method, route name, status, duration, request
id, also sent as X-Request-Id), with secrets scrubbed from every line.

A request line names the route, never the path or query, which can hold invitation and reset
tokens. Every line, whoever writes it, passes through scrub(): e-mail addresses keep only
their domain, long random-looking tokens, bearer credentials and password parameters are
replaced."""

from __future__ import annotations

import json
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
REQUEST_LOGGER = "amicus.request"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_SECRET_NAME = r"(?i)\b(password|passwd|secret|token|api[_-]?key|authorization)"
# name="value in quotes" (JSON) up to its closing quote, or name=value up to a separator.
_QUOTED_CREDENTIAL = re.compile(_SECRET_NAME + r'(\"\s*:\s*\")[^"]*')
_CREDENTIAL = re.compile(_SECRET_NAME + r"(\s*[=:]\s*)(bearer\s+)?[^\s&\",;]+")
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\",;]+")
# Random tokens (secrets.token_urlsafe, hex digests): 20+ characters mixing letters and digits.
_TOKEN = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}\b")


def scrub(text: str) -> str:
    """The text without secrets or full e-mail addresses."""
    for pattern in (_QUOTED_CREDENTIAL, _CREDENTIAL):
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _EMAIL.sub(r"…@\1", text)
    return _TOKEN.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return scrub(json.dumps(line, default=str, ensure_ascii=False))


def configure_logging(stream=None) -> None:
    """Send the `amicus` loggers to `stream` (standard error) as JSON lines; once per process."""
    logger = logging.getLogger("amicus")
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def route_names(routes: Iterable[BaseRoute], prefix: str = "") -> dict[object, str]:
    """Endpoint -> route name, so a request line can name what answered it."""
    names: dict[object, str] = {}
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                names.update(route_names(route.routes, f"{prefix}{route.name or ''}:"))
            if route.name:
                names.setdefault(route.app, prefix + route.name)
        elif isinstance(route, Route) and route.name:
            names.setdefault(route.endpoint, prefix + route.name)
    return names


class RequestLogMiddleware:
    """Gives each request an id (the client's X-Request-Id when well formed, else a new one),
    sends it back, and logs one line when the response has started."""

    def __init__(
        self,
        app: ASGIApp,
        routes: Iterable[BaseRoute],
        observe: Callable[[str, str, int, float], None] | None = None,
    ):
        self.app = app
        self.observe = observe
        self.names = route_names(routes)
        self.logger = logging.getLogger(REQUEST_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        # An id, not a secret (a client may name its own): Python's generator does.
        request_id = given if _REQUEST_ID.match(given) else f"{random.getrandbits(64):016x}"
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = self.names.get(scope.get("endpoint"), "")
            fields = {
                "request_id": request_id,
                "method": scope["method"],
                "route": route,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            self.logger.info("request", extra={"fields": fields})
            if self.observe is not None:
                self.observe(scope["method"], route, status, fields["duration_ms"] / 1000)
