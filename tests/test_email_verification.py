"""E-mail address verification, with mail delivered to a real SMTP server on loopback: a new
account's address and a changed one are proved by a single-use, expiring link whose GET
confirms nothing; until then the account gets no mail but the verification."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from core.settings import Settings
from directory.models import Account, EmailVerification
from mail.models import MailOptOut
from tests.helpers_directory import (
    PASSWORD,
    application_form,
    make_account,
    make_admin,
    make_organization,
    sign_in,
)
from tests.helpers_smtp import RecordingHandler, delivered, plain_text, smtp_fixture  # noqa: F401  (the smtp fixture)

LINK = re.compile(r"https?://\S+/account/verify-email/\S+")


@pytest.fixture
def settings(settings: Settings, smtp: tuple[str, RecordingHandler]) -> Settings:
    return settings.with_changes(smtp_url=smtp[0])


def link_path(message, base_url: str) -> str:
    return LINK.search(plain_text(message)).group(0).removeprefix(base_url)


async def test_an_applicant_confirms_the_address_before_any_notice_reaches_it(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    applicant = application_form(slug="dpp")
    browser = new_browser()
    assert (await browser.submit("/apply", applicant)).status_code == 200
    [verification] = await delivered(settings, handler)
    assert verification["To"] == applicant["email"]
    assert "Confirm your e-mail address" in verification["Subject"]
    path = link_path(verification, live_server.url)

    # Until confirmed, the decision on the application is not mailed, but signing in works.
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    await admin.submit("/admin/orgs/dpp/approve", {}, form_page="/admin/orgs/dpp")
    assert await delivered(settings, handler) == []
    await sign_in(browser, applicant["email"])
    assert 'id="email-unconfirmed"' in (await browser.get("/dashboard")).text

    scanner = new_browser()  # a mail scanner opening the link confirms nothing
    assert 'method="post"' in (await scanner.get(path)).text
    assert (await Account.get(email=applicant["email"])).email_verified_at is None
    confirmed = await new_browser().submit(path, {})  # needs no sign-in
    assert confirmed.status_code == 200 and 'id="email-confirmed"' in confirmed.text
    assert (await Account.get(email=applicant["email"])).email_verified_at is not None
    again = await new_browser().submit(path, {}, form_page="/sign-in")
    assert again.status_code == 404  # single use
    assert 'id="email-unconfirmed"' not in (await browser.get("/dashboard")).text

    # Confirmed, the address is sent what the account asks for.
    reset = await new_browser().submit("/password-reset", {"email": applicant["email"]})
    assert reset.status_code == 200
    [reset_mail] = await delivered(settings, handler)
    assert reset_mail["To"] == applicant["email"] and "password" in reset_mail["Subject"]


async def test_an_unconfirmed_address_is_sent_no_password_reset(live_server, new_browser, smtp):
    settings, handler = live_server.settings, smtp[1]
    applicant = application_form(slug="dpp")
    await new_browser().submit("/apply", applicant)
    await delivered(settings, handler)  # the verification
    answer = await new_browser().submit("/password-reset", {"email": applicant["email"]})
    assert answer.status_code == 200 and applicant["email"] in answer.text  # the usual answer
    assert await delivered(settings, handler) == []


async def test_a_confirmation_link_expires(live_server, new_browser, smtp):
    settings, handler = live_server.settings, smtp[1]
    applicant = application_form(slug="dpp")
    await new_browser().submit("/apply", applicant)
    [verification] = await delivered(settings, handler)
    await EmailVerification.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    path = link_path(verification, live_server.url)
    assert (await new_browser().get(path)).status_code == 404
    assert (await new_browser().submit(path, {}, form_page="/sign-in")).status_code == 404
    assert (await Account.get(email=applicant["email"])).email_verified_at is None


async def test_the_link_can_be_sent_again_from_the_account_page(live_server, new_browser, smtp):
    settings, handler = live_server.settings, smtp[1]
    applicant = application_form(slug="dpp")
    browser = new_browser()
    await browser.submit("/apply", applicant)
    await delivered(settings, handler)
    await sign_in(browser, applicant["email"])
    again = await browser.submit("/account/email", {"action": "resend"})
    assert again.status_code == 200 and 'id="verification-sent"' in again.text
    [second] = await delivered(settings, handler)
    assert second["To"] == applicant["email"]
    await new_browser().submit(link_path(second, live_server.url), {}, form_page="/sign-in")
    assert (await Account.get(email=applicant["email"])).email_verified_at is not None


async def test_an_accepted_invitation_confirms_the_address_it_was_sent_to(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("dpp")
    await make_account("owner@dpp.example.org", organization)
    owner = new_browser()
    await sign_in(owner, "owner@dpp.example.org")
    await owner.submit(
        "/dashboard/invitations", {"email": "editor@dpp.example.org"}, form_page="/dashboard"
    )
    [invitation] = await delivered(settings, handler)
    path = re.search(r"https?://\S+/invitations/\S+", plain_text(invitation)).group(0)
    path = path.removeprefix(live_server.url)
    accepted = await new_browser().submit(path, {"display_name": "Eva", "password": PASSWORD})
    assert accepted.status_code == 303
    assert (await Account.get(email="editor@dpp.example.org")).email_verified_at is not None
    assert await delivered(settings, handler) == []  # no verification needed


async def test_a_new_address_takes_effect_only_once_it_confirms_and_the_old_one_is_told(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("dpp")
    account = await make_account("old@dpp.example.org", organization)
    await MailOptOut.create(recipient="old@dpp.example.org", kind="job_closing")
    browser = new_browser()
    await sign_in(browser, "old@dpp.example.org")

    wrong = await browser.submit(
        "/account/email", {"new_email": "new@dpp.example.org", "current_password": "nope"}
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    taken = await make_account("taken@dpp.example.org", organization)
    refused = await browser.submit(
        "/account/email", {"new_email": taken.email, "current_password": PASSWORD}
    )
    assert refused.status_code == 422 and "already exists" in refused.text
    assert await delivered(settings, handler) == []

    asked = await browser.submit(
        "/account/email", {"new_email": "New@dpp.example.org", "current_password": PASSWORD}
    )
    assert asked.status_code == 200 and "new@dpp.example.org" in asked.text
    [verification] = await delivered(settings, handler)
    assert verification["To"] == "new@dpp.example.org"
    assert (await Account.get(id=account.id)).email == "old@dpp.example.org"  # not yet

    await new_browser().submit(link_path(verification, live_server.url), {}, form_page="/sign-in")
    changed = await Account.get(id=account.id)
    assert changed.email == "new@dpp.example.org" and changed.email_verified_at is not None
    [told] = await delivered(settings, handler)
    assert told["To"] == "old@dpp.example.org" and "new@dpp.example.org" in plain_text(told)
    assert await MailOptOut.filter(recipient="new@dpp.example.org").count() == 1  # preferences move
    await sign_in(new_browser(), "new@dpp.example.org")


async def test_an_older_link_cannot_switch_the_address_back(live_server, new_browser, smtp):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("dpp")
    account = await make_account("old@dpp.example.org", organization)
    browser = new_browser()
    await sign_in(browser, "old@dpp.example.org")
    for address in ("first@dpp.example.org", "second@dpp.example.org"):
        await browser.submit("/account/email", {"new_email": address, "current_password": PASSWORD})
    first, second = await delivered(settings, handler)
    await new_browser().submit(link_path(second, live_server.url), {}, form_page="/sign-in")
    stale = await new_browser().submit(link_path(first, live_server.url), {}, form_page="/sign-in")
    assert stale.status_code == 404
    assert (await Account.get(id=account.id)).email == "second@dpp.example.org"


async def test_an_address_taken_meanwhile_is_refused_at_confirmation(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    organization = await make_organization("dpp")
    account = await make_account("old@dpp.example.org", organization)
    browser = new_browser()
    await sign_in(browser, "old@dpp.example.org")
    await browser.submit(
        "/account/email", {"new_email": "new@dpp.example.org", "current_password": PASSWORD}
    )
    [verification] = await delivered(settings, handler)
    await make_account("new@dpp.example.org", organization)
    answer = await new_browser().submit(
        link_path(verification, live_server.url), {}, form_page="/sign-in"
    )
    assert answer.status_code == 409 and "already exists" in answer.text
    assert (await Account.get(id=account.id)).email == "old@dpp.example.org"
    assert await delivered(settings, handler) == []  # the old address is told nothing
