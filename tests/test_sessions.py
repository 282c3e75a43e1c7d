"""Ending sessions: sign-out, suspension and removal end an account's sessions everywhere,
including cookies copied before; API tokens expire and fail at once when revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from directory.models import Account, ApiToken, AuditEvent, Role
from directory.tokens import TOKEN_LIFETIMES, create_token
from tests.conftest import Browser
from tests.helpers_directory import PASSWORD, make_account, make_admin, make_organization, sign_in
from tests.helpers_jobs import bearer


def copy_of(browser: Browser, base_url: str) -> httpx.AsyncClient:
    """Another client holding the same session cookie, as a thief would."""
    return httpx.AsyncClient(base_url=base_url, cookies=dict(browser.http.cookies))


async def test_a_cookie_captured_before_sign_out_no_longer_opens_the_dashboard(
    browser, live_server
):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    await sign_in(browser, "owner@ipx.example.org")
    async with copy_of(browser, live_server.url) as thief:
        assert (await thief.get("/dashboard")).status_code == 200
        signed_out = await browser.submit("/sign-out", {}, form_page="/dashboard")
        assert signed_out.status_code == 303
        assert (await thief.get("/dashboard")).status_code == 303
        assert (await browser.get("/dashboard")).status_code == 303


async def test_signing_out_on_one_device_signs_out_the_others(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    laptop, phone = new_browser(), new_browser()
    await sign_in(laptop, "owner@ipx.example.org")
    await sign_in(phone, "owner@ipx.example.org")
    sign_in_form_token = await phone.csrf_token("/sign-in")
    await laptop.submit("/sign-out", {}, form_page="/dashboard")
    assert (await phone.get("/dashboard")).status_code == 303
    # The sign-in form the phone already had open still works.
    again = await phone.http.post(
        "/sign-in",
        data={
            "email": "owner@ipx.example.org",
            "password": PASSWORD,
            "csrf_token": sign_in_form_token,
        },
    )
    assert again.status_code == 303
    assert (await phone.get("/dashboard")).status_code == 200


async def test_suspending_an_organization_ends_its_members_sessions(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    await make_admin()
    member, admin = new_browser(), new_browser()
    await sign_in(member, "owner@ipx.example.org")
    await sign_in(admin, "admin@network.example.org")
    response = await admin.submit("/admin/orgs/ipx/suspend", {}, form_page="/admin/orgs/ipx")
    assert response.status_code == 303
    assert (await member.get("/dashboard")).status_code == 303
    assert (await admin.get("/admin")).status_code == 200


async def test_an_administrator_suspends_and_reinstates_one_account(new_browser, live_server):
    organization = await make_organization("ipx")
    person = await make_account("owner@ipx.example.org", organization)
    await make_admin()
    member, admin = new_browser(), new_browser()
    await sign_in(member, "owner@ipx.example.org")
    await sign_in(admin, "admin@network.example.org")
    page = (await admin.get("/admin/orgs/ipx")).text
    assert f'action="/admin/accounts/{person.id}/suspend"' in page

    suspended = await admin.submit(
        f"/admin/accounts/{person.id}/suspend", {}, form_page="/admin/orgs/ipx"
    )
    assert suspended.status_code == 303
    assert (await member.get("/dashboard")).status_code == 303
    refused = await member.submit(
        "/sign-in", {"email": "owner@ipx.example.org", "password": PASSWORD}
    )
    assert refused.status_code == 400
    again = await admin.submit(
        f"/admin/accounts/{person.id}/suspend", {}, form_page="/admin/orgs/ipx"
    )
    assert again.status_code == 409

    reinstated = await admin.submit(
        f"/admin/accounts/{person.id}/reinstate", {}, form_page="/admin/orgs/ipx"
    )
    assert reinstated.status_code == 303
    await sign_in(member, "owner@ipx.example.org")
    actions = await AuditEvent.filter(subject_id=organization.id).values_list("action", flat=True)
    assert set(actions) == {"suspend_account", "reinstate_account"}

    for path in (f"/admin/accounts/{person.id}/delete", "/admin/accounts/99999999999/suspend"):
        response = await admin.submit(path, {}, form_page="/admin/orgs/ipx")
        assert response.status_code == 404, path


async def test_an_owner_removes_an_editor_whose_sessions_end(new_browser, live_server):
    organization = await make_organization("ipx")
    owner = await make_account("owner@ipx.example.org", organization)
    editor = await make_account("editor@ipx.example.org", organization, Role.EDITOR)
    other_organization = await make_organization("other")
    outsider = await make_account("editor@other.example.org", other_organization, Role.EDITOR)
    owner_browser, editor_browser = new_browser(), new_browser()
    await sign_in(owner_browser, "owner@ipx.example.org")
    await sign_in(editor_browser, "editor@ipx.example.org")

    # Editors remove nobody; owners only their own editors, never an owner.
    refused = await editor_browser.submit(
        f"/dashboard/editors/{owner.id}/remove", {}, form_page="/dashboard"
    )
    assert refused.status_code == 403
    for target in (owner.id, outsider.id, 2**40):
        response = await owner_browser.submit(
            f"/dashboard/editors/{target}/remove", {}, form_page="/dashboard"
        )
        assert response.status_code == 404, target

    page = (await owner_browser.get("/dashboard")).text
    assert f'action="/dashboard/editors/{editor.id}/remove"' in page
    removed = await owner_browser.submit(
        f"/dashboard/editors/{editor.id}/remove", {}, form_page="/dashboard"
    )
    assert removed.status_code == 303
    assert "is no longer an editor" in (await owner_browser.get("/dashboard")).text
    assert (await editor_browser.get("/dashboard")).status_code == 303
    assert not await Account.filter(id=editor.id).exists()
    assert await Account.filter(id__in=[owner.id, outsider.id]).count() == 2


async def test_a_token_made_with_a_lifetime_expires_and_a_revoked_one_fails_at_once(
    browser, api, live_server
):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    await sign_in(browser, "owner@ipx.example.org")
    created = await browser.submit(
        "/dashboard/tokens", {"token_name": "ATS", "token_lifetime": "30"}, form_page="/dashboard"
    )
    assert created.status_code == 200
    token = await ApiToken.get(organization=organization)
    expected = datetime.now(UTC) + TOKEN_LIFETIMES["30"]
    assert abs((token.expires_at - expected).total_seconds()) < 60
    assert token.expires_at.strftime("%Y-%m-%d") in created.text

    bad = await browser.submit(
        "/dashboard/tokens",
        {"token_name": "x", "token_lifetime": "forever"},
        form_page="/dashboard",
    )
    assert bad.status_code == 422
    assert await ApiToken.all().count() == 1

    _token, secret = await create_token(organization, "feed", None, timedelta(days=1))
    assert (await api.post("/api/jobs", headers=bearer(secret), json={})).status_code == 422
    used = await ApiToken.get(name="feed")
    assert used.last_used_at is not None
    assert used.last_used_at.strftime("%Y-%m-%d %H:%M") in (await browser.get("/dashboard")).text

    await ApiToken.filter(id=used.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    expired = await api.post("/api/jobs", headers=bearer(secret), json={})
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]
    assert "expired" in (await browser.get("/dashboard")).text

    _token, other = await create_token(organization, "other", None)
    assert (await api.post("/api/jobs", headers=bearer(other), json={})).status_code == 422
    await ApiToken.filter(name="other").update(revoked_at=datetime.now(UTC))
    assert (await api.post("/api/jobs", headers=bearer(other), json={})).status_code == 401
