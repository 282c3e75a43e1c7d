"""Every log line is JSON and holds no secret: a test plants a password, a token and an e-mail
address in requests and greps every line; each request gets one line and an X-Request-Id.
/readyz says whether the database answers with the schema this code expects."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from tortoise import connections

from core.logs import JsonFormatter
from core.security import new_secret

PASSWORD = "Planted-password-horse-battery"
EMAIL = "planted.person@secret-domain.example"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the `amicus` loggers write, formatted as in production."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("amicus")
    logger.addHandler(handler)
    yield out
    logger.removeHandler(handler)


async def test_log_lines_are_json_and_never_hold_a_password_token_or_email(
    live_server, browser, log_lines: io.StringIO
):
    token = new_secret()
    await browser.submit("/sign-in", {"email": EMAIL, "password": PASSWORD})
    await browser.get(f"/invitations/{token}")
    await browser.get(f"/password-reset/{token}")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await client.get("/api/organizations", headers={"Authorization": f"Bearer {token}"})
        answered = await client.get("/healthz", headers={"X-Request-Id": "probe-1"})
    # A line another module writes with the secrets in it is scrubbed too.
    logging.getLogger("amicus.test").warning(
        "mail to %s failed; password=%s token %s", EMAIL, PASSWORD, token
    )

    lines = log_lines.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is valid JSON
    assert len([r for r in records if r["message"] == "request"]) >= 6
    for line in lines:
        for secret in (PASSWORD, token, EMAIL, "planted.person"):
            assert secret not in line
    assert answered.headers["x-request-id"] == "probe-1"
    healthz = [r for r in records if r.get("request_id") == "probe-1"]
    assert healthz == [
        {**healthz[0], "method": "GET", "route": "healthz", "status": 200, "message": "request"}
    ]
    assert isinstance(healthz[0]["duration_ms"], float)
    assert {"directory:sign_in"} <= {r.get("route") for r in records}


async def test_a_malformed_request_id_is_replaced(api: httpx.AsyncClient):
    answered = await api.get("/healthz", headers={"X-Request-Id": 'no spaces; or quotes"'})
    assert answered.headers["x-request-id"] not in ("", 'no spaces; or quotes"')


async def test_readyz_is_ready_on_a_migrated_database_and_not_on_a_newer_one(api, live_server):
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["migrations"] == "ok"
    await connections.get("default").execute_query(
        "INSERT INTO tortoise_migrations (app, name, applied_at) "
        "VALUES ('jobs', '0099_from_a_newer_release', '2030-01-01 00:00:00+00:00')"
    )
    refused = await api.get("/readyz")
    assert refused.status_code == 503
    assert refused.json()["unknown"] == ["jobs.0099_from_a_newer_release"]


async def test_readyz_shows_the_search_index_catching_up_with_a_new_job(api, live_server):
    from tests.conftest import uses_postgres
    from tests.helpers_feeds import make_job, make_organization

    await api.get("/jobs", params={"q": "anything"})  # the index exists once searched
    assert (await api.get("/readyz")).json()["search_index"]["unapplied_changes"] == 0
    await make_job(await make_organization("lagging"), "Investigator")
    behind = (await api.get("/readyz")).json()["search_index"]["unapplied_changes"]
    await api.get("/jobs", params={"q": "investigator"})  # a search applies the log
    # On PostgreSQL a worker also applies it every quarter second, so it may be done already.
    assert behind >= (0 if uses_postgres() else 1)
    assert (await api.get("/readyz")).json()["search_index"]["unapplied_changes"] == 0


async def test_metrics_parse_and_count_requests_per_route(database_url, server_socket, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    from tests.conftest import server_settings, start_server, stop_server

    settings = server_settings(database_url, server_socket, tmp_path).with_changes(
        metrics="127.0.0.1"
    )
    server, task = await start_server(settings, server_socket)
    try:
        async with httpx.AsyncClient(base_url=settings.base_url) as client:

            async def healthz_count() -> float:
                answer = await client.get("/metrics")
                assert answer.status_code == 200
                families = {f.name: f for f in text_string_to_metric_families(answer.text)}
                assert "amicus_aggregator_lag_seconds" in families
                assert "amicus_search_index_lag_changes" in families
                for queue in ("hub_delivery_queue", "mail_outbox", "activitypub_delivery_queue"):
                    assert (
                        f"amicus_{queue}" in families and f"amicus_{queue}_age_seconds" in families
                    )
                return sum(
                    sample.value
                    for sample in families["amicus_requests"].samples
                    if sample.name == "amicus_requests_total"
                    and sample.labels["route"] == "healthz"
                )

            before = await healthz_count()
            for _ in range(3):
                await client.get("/healthz")
            assert await healthz_count() == before + 3
    finally:
        await stop_server(server, task)


async def test_metrics_are_off_by_default_and_refused_to_other_addresses(
    api: httpx.AsyncClient, live_server
):
    assert (await api.get("/metrics")).status_code == 404
    live_server.app.state.settings = live_server.settings.with_changes(metrics="10.0.0.0/8")
    assert (await api.get("/metrics")).status_code == 403
