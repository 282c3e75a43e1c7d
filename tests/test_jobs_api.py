"""The jobs write API: token-authenticated posting, editing, closing; public reads."""

from __future__ import annotations

import pytest

from directory.models import AuditEvent, OrganizationStatus
from directory.tokens import revoke_token
from jobs.models import Job, JobStatus
from tests.helpers_directory import make_organization
from tests.helpers_jobs import bearer, in_days, job_input, make_job, remote_job_input, token_secret


@pytest.fixture
async def trusted(live_server):
    organization = await make_organization("trusted-clinic", trusted=True)
    return organization, await token_secret(organization)


async def test_a_token_posts_a_published_job_for_its_organization(api, trusted):
    organization, secret = trusted
    response = await api.post("/api/jobs", json=job_input(), headers=bearer(secret))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["uid"].startswith("urn:uuid:")
    assert body["status"] == "published"
    assert body["organization"]["slug"] == "trusted-clinic"
    assert body["description_html"] == (
        "<p>Represent <strong>innocent</strong> clients in post-conviction litigation.</p>"
    )
    assert body["salary_min"] == 85000 and body["salary_currency"] == "USD"
    assert response.headers["location"] == f"/api/jobs/{body['uid']}"
    assert body["posted_at"] is not None
    event = await AuditEvent.get(subject_type="job", action="publish")
    assert event.actor_label.startswith("api-token:amt_")


async def test_an_untrusted_organization_s_posting_waits_for_review(api, live_server):
    organization = await make_organization("new-clinic", trusted=False)
    secret = await token_secret(organization)
    response = await api.post("/api/jobs", json=job_input(), headers=bearer(secret))
    assert response.status_code == 201
    assert response.json()["status"] == "pending_review"
    assert response.json()["posted_at"] is None


async def test_a_draft_is_private_to_its_own_token(api, trusted, live_server):
    organization, secret = trusted
    draft = (
        await api.post("/api/jobs", json=job_input(status="draft"), headers=bearer(secret))
    ).json()
    assert draft["status"] == "draft"
    path = f"/api/jobs/{draft['uid']}"
    assert (await api.get(path)).status_code == 404
    assert (await api.get(path, headers=bearer(secret))).status_code == 200
    other = await token_secret(await make_organization("other-clinic"))
    assert (await api.get(path, headers=bearer(other))).status_code == 404

    published = await api.post(f"{path}/publish", headers=bearer(secret))
    assert published.json()["status"] == "published"
    public = await api.get(path)
    assert public.status_code == 200 and public.json()["title"] == draft["title"]


async def test_patch_changes_only_the_given_fields_and_validates_the_whole(api, trusted):
    _organization, secret = trusted
    uid = (await api.post("/api/jobs", json=job_input(), headers=bearer(secret))).json()["uid"]
    response = await api.patch(
        f"/api/jobs/{uid}", json={"title": "Senior Staff Attorney"}, headers=bearer(secret)
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Senior Staff Attorney"
    assert response.json()["salary_max"] == 110000

    inverted = await api.patch(
        f"/api/jobs/{uid}", json={"salary_min": 200000}, headers=bearer(secret)
    )
    assert inverted.status_code == 422
    assert "salary_max" in inverted.json()["error"]["fields"]
    assert (await Job.get(uid=uid)).salary_min == 85000


async def test_close_marks_closed_or_filled_with_the_reason(api, trusted):
    _organization, secret = trusted
    first = (await api.post("/api/jobs", json=job_input(), headers=bearer(secret))).json()["uid"]
    second = (await api.post("/api/jobs", json=job_input(), headers=bearer(secret))).json()["uid"]
    closed = await api.post(
        f"/api/jobs/{first}/close", json={"reason": "Funding ended"}, headers=bearer(secret)
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["status_reason"] == "Funding ended"
    filled = await api.post(
        f"/api/jobs/{second}/close", json={"filled": True}, headers=bearer(secret)
    )
    assert filled.json()["status"] == "filled"

    again = await api.post(f"/api/jobs/{first}/close", headers=bearer(secret))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert "closed" in again.json()["error"]["message"]

    renewed = await api.post(
        f"/api/jobs/{first}/renew", json={"closing_date": in_days(20)}, headers=bearer(secret)
    )
    assert renewed.json()["status"] == "published"
    assert renewed.json()["closing_date"] == in_days(20)


async def test_a_closed_job_stays_readable_through_the_api(api, trusted, live_server):
    organization, _secret = trusted
    job = await make_job(organization, live_server.settings, JobStatus.CLOSED)
    response = await api.get(f"/api/jobs/{job.uid}")
    assert response.status_code == 200 and response.json()["status"] == "closed"


async def test_another_organization_s_token_cannot_touch_the_job(api, trusted):
    _organization, secret = trusted
    uid = (await api.post("/api/jobs", json=job_input(), headers=bearer(secret))).json()["uid"]
    intruder = await token_secret(await make_organization("intruder"))
    patch = await api.patch(f"/api/jobs/{uid}", json={"title": "Mine"}, headers=bearer(intruder))
    close = await api.post(f"/api/jobs/{uid}/close", headers=bearer(intruder))
    assert patch.status_code == 403 and close.status_code == 403
    assert patch.json()["error"]["code"] == "forbidden"
    job = await Job.get(uid=uid)
    assert job.title == job_input()["title"] and job.status == JobStatus.PUBLISHED


async def test_revoked_and_unknown_tokens_are_refused(api, live_server):
    organization = await make_organization("revoking-clinic", trusted=True)
    from directory.tokens import create_token

    token, secret = await create_token(organization, "old", None)
    await revoke_token(token)
    revoked = await api.post("/api/jobs", json=job_input(), headers=bearer(secret))
    unknown = await api.post("/api/jobs", json=job_input(), headers=bearer("amt_nonsense"))
    missing = await api.post("/api/jobs", json=job_input())
    assert [revoked.status_code, unknown.status_code, missing.status_code] == [401, 401, 401]
    assert revoked.json()["error"]["code"] == "invalid_token"
    assert await Job.all().count() == 0


async def test_a_suspended_organization_cannot_post(api, live_server):
    organization = await make_organization("paused-clinic", status=OrganizationStatus.SUSPENDED)
    secret = await token_secret(organization)
    response = await api.post("/api/jobs", json=job_input(), headers=bearer(secret))
    assert response.status_code == 403
    assert await Job.all().count() == 0


async def test_remote_jobs_are_posted_with_their_applicant_countries(api, trusted):
    _organization, secret = trusted
    response = await api.post("/api/jobs", json=remote_job_input(), headers=bearer(secret))
    assert response.status_code == 201, response.text
    assert response.json()["remote_countries"] == ["US", "CA"]
    assert response.json()["country"] == ""


async def test_the_write_api_is_described_in_openapi(api):
    document = (await api.get("/api/openapi.json")).json()
    assert {"get", "post"} <= set(document["paths"]["/api/jobs"])
    assert {"get", "patch"} <= set(document["paths"]["/api/jobs/{uid}"])
    assert "/api/jobs/{uid}/close" in document["paths"]
    schemas = document["components"]["schemas"]
    assert {"Job", "JobInput"} <= set(schemas)
    assert schemas["JobInput"]["properties"]["title"]["maxLength"] == 200
