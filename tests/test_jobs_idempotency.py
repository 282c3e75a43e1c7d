"""POST /api/jobs with an Idempotency-Key: a retry gets the job already made, never a second;
closing dates more than two years ahead are refused."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from jobs.models import IdempotencyKey, Job
from tests.helpers_directory import make_organization
from tests.helpers_jobs import bearer, in_days, job_input, make_job, token_secret


@pytest.fixture
async def poster(live_server):
    organization = await make_organization("trusted-clinic", trusted=True)
    return organization, await token_secret(organization)


def headers(secret: str, key: str) -> dict[str, str]:
    return {**bearer(secret), "Idempotency-Key": key, "Content-Type": "application/json"}


async def test_a_retry_with_the_same_key_returns_the_same_job(api, poster):
    organization, secret = poster
    body = json.dumps(job_input())
    first = await api.post("/api/jobs", content=body, headers=headers(secret, "retry-1"))
    again = await api.post("/api/jobs", content=body, headers=headers(secret, "retry-1"))
    assert first.status_code == again.status_code == 201
    assert again.json()["uid"] == first.json()["uid"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await Job.filter(organization=organization).count() == 1

    other_key = await api.post("/api/jobs", content=body, headers=headers(secret, "retry-2"))
    assert other_key.status_code == 201 and other_key.json()["uid"] != first.json()["uid"]
    no_key = await api.post("/api/jobs", json=job_input(), headers=bearer(secret))
    assert no_key.status_code == 201
    assert await Job.filter(organization=organization).count() == 3


async def test_concurrent_retries_with_one_key_create_one_job(api, poster):
    organization, secret = poster
    body = json.dumps(job_input())
    responses = await asyncio.gather(
        *(api.post("/api/jobs", content=body, headers=headers(secret, "burst")) for _ in range(8))
    )
    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.json()["uid"] for response in responses}) == 1
    assert await Job.filter(organization=organization).count() == 1
    assert await IdempotencyKey.all().count() == 1


async def test_a_key_reused_for_another_job_or_malformed_is_refused(api, poster):
    organization, secret = poster
    await api.post("/api/jobs", json=job_input(), headers=headers(secret, "k"))
    changed = await api.post(
        "/api/jobs", json=job_input(title="Another job"), headers=headers(secret, "k")
    )
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    for bad in (b"", b"x" * 201, b"has space", "ü".encode()):
        response = await api.post(
            "/api/jobs", json=job_input(), headers={**bearer(secret), "Idempotency-Key": bad}
        )
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert await Job.filter(organization=organization).count() == 1


async def test_keys_belong_to_one_organization_and_are_forgotten_after_a_day(api, poster):
    organization, secret = poster
    other = await make_organization("other-clinic", trusted=True)
    other_secret = await token_secret(other)
    mine = await api.post("/api/jobs", json=job_input(), headers=headers(secret, "shared"))
    theirs = await api.post("/api/jobs", json=job_input(), headers=headers(other_secret, "shared"))
    assert theirs.status_code == 201 and theirs.json()["uid"] != mine.json()["uid"]

    await IdempotencyKey.filter(organization=organization).update(
        created_at=datetime.now(UTC) - timedelta(days=2)
    )
    later = await api.post("/api/jobs", json=job_input(), headers=headers(secret, "shared"))
    assert later.status_code == 201 and later.json()["uid"] != mine.json()["uid"]
    assert await IdempotencyKey.filter(organization=organization).count() == 1


async def test_closing_dates_more_than_two_years_ahead_are_refused(api, poster, settings):
    organization, secret = poster
    for closing in ("9999-12-31", in_days(731)):
        response = await api.post(
            "/api/jobs", json=job_input(closing_date=closing), headers=bearer(secret)
        )
        assert response.status_code == 422, closing
        assert "within two years" in response.json()["error"]["fields"]["closing_date"]
    accepted = await api.post(
        "/api/jobs", json=job_input(closing_date=in_days(729)), headers=bearer(secret)
    )
    assert accepted.status_code == 201
    job = await make_job(organization, settings)
    renewed = await api.post(
        f"/api/jobs/{job.uid}/renew", json={"closing_date": "9999-12-31"}, headers=bearer(secret)
    )
    assert renewed.status_code == 422
    assert await Job.filter(organization=organization).count() == 2
