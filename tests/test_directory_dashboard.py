"""The member dashboard: who may see and change what, API tokens and editor invitations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core.security import sha256_hex
from directory.models import (
    Account,
    ApiToken,
    Invitation,
    Organization,
    OrganizationStatus,
    Role,
)
from directory.tokens import create_token
from mail.models import OutboxMessage
from tests.helpers_directory import (
    PASSWORD,
    make_account,
    make_admin,
    make_organization,
    sign_in,
)


def profile_form(organization: Organization, **changes) -> dict:
    form = {
        "name": organization.name,
        "kind": organization.kind.value,
        "contact_email": organization.contact_email,
        "country": organization.country,
        "languages": "en",
    }
    form.update(changes)
    return form


async def signed_in(new_browser, email: str):
    browser = new_browser()
    await sign_in(browser, email)
    return browser


async def test_owners_and_editors_edit_their_profile_but_not_its_status_slug_or_trust(
    new_browser, live_server
):
    organization = await make_organization("ipx", jobs_feed_url="https://ipx.example.org/feed")
    organization.jobs_feed_approved = True
    await organization.save()
    await make_account("owner@ipx.example.org", organization)
    await make_account("editor@ipx.example.org", organization, Role.EDITOR)
    for email, city in (("owner@ipx.example.org", "Austin"), ("editor@ipx.example.org", "Waco")):
        browser = await signed_in(new_browser, email)
        response = await browser.submit(
            "/dashboard",
            profile_form(
                organization,
                city=city,
                jobs_feed_url="https://ipx.example.org/jobs.atom",
                slug="stolen",
                status="suspended",
                trusted="yes",
            ),
        )
        assert response.status_code == 303, response.text
        assert "The profile has been saved." in (await browser.get("/dashboard")).text
        saved = await Organization.get(id=organization.id)
        assert saved.city == city
        assert (saved.slug, saved.status, saved.trusted) == (
            "ipx",
            OrganizationStatus.ACTIVE,
            False,
        )
        # A feed URL an administrator approved must be approved again once changed.
        assert not saved.jobs_feed_approved


async def test_an_invalid_profile_edit_is_refused_field_by_field_and_nothing_changes(
    new_browser, live_server
):
    organization = await make_organization("ipx", city="Austin")
    await make_account("owner@ipx.example.org", organization)
    browser = await signed_in(new_browser, "owner@ipx.example.org")
    response = await browser.submit(
        "/dashboard", profile_form(organization, city="Waco", country="ZZ")
    )
    assert response.status_code == 422
    assert 'aria-describedby="e-country"' in response.text
    assert 'value="Waco"' in response.text
    assert (await Organization.get(id=organization.id)).city == "Austin"


async def test_a_member_sees_only_their_own_organization(new_browser, live_server):
    mine = await make_organization("mine", name="Mine Project")
    theirs = await make_organization("theirs", name="Theirs Project")
    await make_account("owner@mine.example.org", mine)
    await make_account("owner@theirs.example.org", theirs)
    await create_token(theirs, "their website", None)
    await Invitation.create(
        organization=theirs,
        email="friend@theirs.example.org",
        role=Role.EDITOR,
        token_hash=sha256_hex("x"),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    browser = await signed_in(new_browser, "owner@mine.example.org")
    page = (await browser.get("/dashboard")).text
    assert "Mine Project" in page
    for private in ("Theirs Project", "their website", "friend@theirs", "owner@theirs"):
        assert private not in page


async def test_tokens_of_another_organization_cannot_be_revoked(new_browser, live_server):
    mine = await make_organization("mine")
    theirs = await make_organization("theirs")
    await make_account("owner@mine.example.org", mine)
    token, _secret = await create_token(theirs, "their website", None)
    browser = await signed_in(new_browser, "owner@mine.example.org")
    for token_id in (token.id, 99999, 2**40):
        response = await browser.submit(
            f"/dashboard/tokens/{token_id}/revoke", {}, form_page="/dashboard"
        )
        assert response.status_code == 404
    assert not (await ApiToken.get(id=token.id)).is_revoked


async def test_a_new_token_secret_is_shown_once_stored_hashed_and_revocable(
    new_browser, live_server
):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    browser = await signed_in(new_browser, "owner@ipx.example.org")
    created = await browser.submit(
        "/dashboard/tokens", {"token_name": "website"}, form_page="/dashboard"
    )
    assert created.status_code == 200
    secret = re.search(r'<code id="new-token-secret">([^<]+)</code>', created.text).group(1)
    token = await ApiToken.get(organization=organization)
    assert token.secret_hash == sha256_hex(secret) and token.name == "website"
    assert secret.startswith(token.prefix)

    later = (await browser.get("/dashboard")).text
    assert secret not in later
    assert token.prefix in later and "never" in later

    revoked = await browser.submit(
        f"/dashboard/tokens/{token.id}/revoke", {}, form_page="/dashboard"
    )
    assert revoked.status_code == 303
    assert (await ApiToken.get(id=token.id)).is_revoked
    assert "revoked" in (await browser.get("/dashboard")).text


async def test_a_token_needs_a_name(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    browser = await signed_in(new_browser, "owner@ipx.example.org")
    response = await browser.submit(
        "/dashboard/tokens", {"token_name": " "}, form_page="/dashboard"
    )
    assert response.status_code == 422
    assert 'aria-describedby="e-token_name"' in response.text
    assert not await ApiToken.exists()


async def test_applicants_edit_their_application_but_get_no_tokens_or_invitations(
    new_browser, live_server
):
    organization = await make_organization("ipx", status=OrganizationStatus.APPLIED)
    await make_account("owner@ipx.example.org", organization)
    browser = await signed_in(new_browser, "owner@ipx.example.org")
    page = (await browser.get("/dashboard")).text
    assert "awaiting review" in page
    assert 'action="/dashboard/tokens"' not in page
    assert 'action="/dashboard/invitations"' not in page
    token = await browser.submit("/dashboard/tokens", {"token_name": "x"}, form_page="/dashboard")
    invite = await browser.submit(
        "/dashboard/invitations", {"email": "a@b.example.org"}, form_page="/dashboard"
    )
    assert token.status_code == invite.status_code == 403
    assert not await ApiToken.exists() and not await Invitation.exists()
    edited = await browser.submit("/dashboard", profile_form(organization, city="Reno"))
    assert edited.status_code == 303


async def test_suspended_members_can_no_longer_edit_or_create_tokens(new_browser, live_server):
    organization = await make_organization(
        "ipx", status=OrganizationStatus.SUSPENDED, status_reason="Dues unpaid"
    )
    await make_account("owner@ipx.example.org", organization)
    browser = await signed_in(new_browser, "owner@ipx.example.org")
    page = (await browser.get("/dashboard")).text
    assert "Dues unpaid" in page and 'action="/dashboard"' not in page
    edited = await browser.submit("/dashboard", profile_form(organization, city="Reno"))
    token = await browser.submit("/dashboard/tokens", {"token_name": "x"}, form_page="/dashboard")
    assert edited.status_code == token.status_code == 403


async def test_editors_cannot_invite_or_hold_api_tokens(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("editor@ipx.example.org", organization, Role.EDITOR)
    token, _secret = await create_token(organization, "ATS", None)
    browser = await signed_in(new_browser, "editor@ipx.example.org")
    page = (await browser.get("/dashboard")).text
    assert 'action="/dashboard/invitations"' not in page
    assert 'action="/dashboard/tokens"' not in page
    response = await browser.submit(
        "/dashboard/invitations", {"email": "a@b.example.org"}, form_page="/dashboard"
    )
    assert response.status_code == 403
    assert not await Invitation.exists()
    created = await browser.submit(
        "/dashboard/tokens", {"token_name": "mine"}, form_page="/dashboard"
    )
    revoked = await browser.submit(
        f"/dashboard/tokens/{token.id}/revoke", {}, form_page="/dashboard"
    )
    assert created.status_code == revoked.status_code == 403
    assert await ApiToken.filter(revoked_at=None).count() == 1


async def test_anonymous_visitors_are_sent_to_sign_in(api):
    for path in ("/dashboard", "/admin", "/admin/applications", "/admin/members"):
        response = await api.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=")


async def test_members_cannot_reach_administration(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    browser = await signed_in(new_browser, "owner@ipx.example.org")
    for path in ("/admin", "/admin/applications", "/admin/members", "/admin/orgs/ipx"):
        assert (await browser.get(path)).status_code == 403
    response = await browser.submit("/admin/orgs/ipx/suspend", {}, form_page="/dashboard")
    assert response.status_code == 403
    assert (await Organization.get(slug="ipx")).status == OrganizationStatus.ACTIVE


async def test_an_owner_invites_an_editor_who_joins_through_the_link_once(new_browser, live_server):
    organization = await make_organization("ipx", name="IPX Project")
    await make_account("owner@ipx.example.org", organization)
    owner = await signed_in(new_browser, "owner@ipx.example.org")
    response = await owner.submit(
        "/dashboard/invitations", {"email": "Friend@IPX.example.org"}, form_page="/dashboard"
    )
    assert response.status_code == 200
    link = re.search(r'<code id="invitation-link">([^<]+)</code>', response.text).group(1)
    assert link.startswith(f"{live_server.url}/invitations/")
    [mail] = await OutboxMessage.filter(kind="invitation")
    assert mail.recipient == "friend@ipx.example.org" and link in mail.text_body
    token = link.rsplit("/", 1)[1]
    invitation = await Invitation.get(organization=organization)
    assert invitation.token_hash == sha256_hex(token) and token not in invitation.token_hash
    assert invitation.email == "friend@ipx.example.org"
    assert invitation.expires_at - datetime.now(UTC) > timedelta(days=6, hours=23)

    guest = new_browser()
    path = f"/invitations/{token}"
    form = await guest.get(path)
    assert "IPX Project" in form.text and "friend@ipx.example.org" in form.text
    joined = await guest.submit(path, {"display_name": "Friend", "password": PASSWORD})
    assert joined.status_code == 303
    editor = await Account.get(email="friend@ipx.example.org")
    assert editor.role == Role.EDITOR and editor.organization_id == organization.id
    assert "IPX Project" in (await guest.get("/dashboard")).text

    again = new_browser()
    assert (await again.get(path)).status_code == 404
    assert "already been used" in (await again.get(path)).text


async def test_expired_or_unknown_invitations_do_not_work(new_browser, live_server):
    organization = await make_organization("ipx")
    await Invitation.create(
        organization=organization,
        email="late@ipx.example.org",
        role=Role.EDITOR,
        token_hash=sha256_hex("late-token"),
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    browser = new_browser()
    expired = await browser.get("/invitations/late-token")
    assert expired.status_code == 404 and "expired" in expired.text
    assert (await browser.get("/invitations/made-up")).status_code == 404
    assert not await Account.filter(email="late@ipx.example.org").exists()


async def test_inviting_an_existing_account_is_refused_on_the_field(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    await make_admin()
    owner = await signed_in(new_browser, "owner@ipx.example.org")
    response = await owner.submit(
        "/dashboard/invitations", {"email": "admin@network.example.org"}, form_page="/dashboard"
    )
    assert response.status_code == 422
    assert 'aria-describedby="e-email"' in response.text
    assert not await Invitation.exists()
