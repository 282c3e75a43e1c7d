"""A WebSub subscriber served by the tests themselves on a loopback port."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.conftest import free_socket

SECRET = "a shared secret"
WAIT_SECONDS = 20


class Subscriber:
    """Confirms the intents it expects, checks every delivery's signature, and can be told to
    fail the next deliveries (to exercise the hub's retries)."""

    def __init__(self) -> None:
        self.confirm = True
        self.fail_next = 0
        self.verifications: list[dict[str, str]] = []
        self.deliveries: asyncio.Queue[tuple[bytes, bool, str]] = asyncio.Queue()
        self.app = Starlette(routes=[Route("/callback", self.callback, methods=["GET", "POST"])])
        self.url = ""

    async def callback(self, request: Request) -> Response:
        if request.method == "GET":
            self.verifications.append(dict(request.query_params))
            if not self.confirm:
                return PlainTextResponse("not mine", status_code=404)
            return PlainTextResponse(request.query_params["hub.challenge"])
        body = await request.body()
        if self.fail_next:
            self.fail_next -= 1
            return Response(status_code=503)
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, request.headers.get("x-hub-signature", ""))
        await self.deliveries.put((body, valid, request.headers.get("link", "")))
        return Response(status_code=200 if valid else 403)


@pytest.fixture(name="subscriber")
async def subscriber_fixture() -> AsyncIterator[Subscriber]:
    subscriber = Subscriber()
    sock = free_socket()
    server = uvicorn.Server(uvicorn.Config(subscriber.app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(WAIT_SECONDS * 100):
        if server.started:
            break
        await asyncio.sleep(0.01)
    subscriber.url = f"http://127.0.0.1:{sock.getsockname()[1]}/callback"
    yield subscriber
    server.should_exit = True
    await task
    sock.close()
