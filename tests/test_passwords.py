"""Passwords: a policy against common ones, changing a password, and resetting a forgotten
one by e-mail; each ends the account's other sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from directory.accounts import common_passwords, password_problem
from directory.models import Account, PasswordReset
from directory.throttle import PASSWORD_RESET_PER_EMAIL
from mail.models import OutboxMessage
from tests.helpers_directory import (
    PASSWORD,
    application_form,
    make_account,
    make_organization,
    sign_in,
)

NEW_PASSWORD = "otter lamp september"


@pytest.mark.parametrize(
    "password",
    ["password1234", "Password2024!", "1234567890", "qwertyuiop", "  iloveyou!!  ", "aaaaaaaaaaaa"],
)
def test_common_and_trivial_passwords_are_refused(password):
    assert password_problem(password) is not None


def test_length_not_composition_decides_and_personal_details_are_refused():
    assert password_problem("short1!") is not None
    assert password_problem("x" * 201) is not None
    assert password_problem("all lower case words here") is None
    assert password_problem("ñandú árbol 木漏れ日") is None
    assert password_problem("ana.perez2024", personal=("ana.perez@dpp.example.org",)) is not None
    assert password_problem("Ana Pérez 1990", personal=("Ana Pérez",)) is not None
    assert "password" in common_passwords() and PASSWORD not in common_passwords()


async def test_the_application_form_refuses_a_common_password(browser, live_server):
    response = await browser.submit("/apply", application_form(password="Password123!"))
    assert response.status_code == 422
    assert "most common" in response.text
    assert not await Account.exists()


async def test_changing_the_password_ends_the_other_sessions(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    laptop, phone = new_browser(), new_browser()
    await sign_in(laptop, "owner@ipx.example.org")
    await sign_in(phone, "owner@ipx.example.org")
    assert 'href="/account/password"' in (await laptop.get("/dashboard")).text

    wrong = await laptop.submit(
        "/account/password", {"current_password": "not it at all", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    weak = await laptop.submit(
        "/account/password", {"current_password": PASSWORD, "new_password": "password1234"}
    )
    assert weak.status_code == 422

    changed = await laptop.submit(
        "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 303
    dashboard = await laptop.get("/dashboard")
    assert dashboard.status_code == 200 and "signed out everywhere else" in dashboard.text
    assert (await phone.get("/dashboard")).status_code == 303
    old = await phone.submit("/sign-in", {"email": "owner@ipx.example.org", "password": PASSWORD})
    assert old.status_code == 400
    await sign_in(phone, "owner@ipx.example.org", NEW_PASSWORD)


async def reset_link() -> str:
    [mail] = await OutboxMessage.filter(kind="password_reset")
    match = re.search(r"https?://[^\s]+/password-reset/[\w-]+", mail.text_body)
    assert match, mail.text_body
    return match.group(0)


async def test_a_reset_link_sets_a_new_password_once_and_ends_other_sessions(
    new_browser, live_server
):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    signed_in, forgetful, stranger = new_browser(), new_browser(), new_browser()
    await sign_in(signed_in, "owner@ipx.example.org")
    assert 'href="/password-reset"' in (await forgetful.get("/sign-in")).text

    asked = await forgetful.submit("/password-reset", {"email": "Owner@IPX.example.org"})
    unknown = await stranger.submit("/password-reset", {"email": "nobody@ipx.example.org"})
    assert asked.status_code == unknown.status_code == 200
    assert 'id="reset-sent"' in asked.text and 'id="reset-sent"' in unknown.text
    assert await PasswordReset.all().count() == 1
    link = await reset_link()
    path = link.removeprefix(live_server.url)

    form = await forgetful.get(path)
    assert form.status_code == 200
    weak = await forgetful.submit(path, {"new_password": "qwertyuiop1"})
    assert weak.status_code == 422
    done = await forgetful.submit(path, {"new_password": NEW_PASSWORD})
    assert done.status_code == 303
    assert (await forgetful.get("/dashboard")).status_code == 200
    assert (await signed_in.get("/dashboard")).status_code == 303
    await sign_in(stranger, "owner@ipx.example.org", NEW_PASSWORD)

    again = await new_browser().get(path)
    assert again.status_code == 404
    reused = await stranger.submit(path, {"new_password": "another fine phrase"}, form_page="/")
    assert reused.status_code == 404


async def test_an_expired_or_unknown_reset_link_is_refused(new_browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    browser = new_browser()
    await browser.submit("/password-reset", {"email": "owner@ipx.example.org"})
    path = (await reset_link()).removeprefix(live_server.url)
    await PasswordReset.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await browser.get(path)).status_code == 404
    assert (await browser.get("/password-reset/not-a-token")).status_code == 404
    assert (await browser.get("/password-reset/" + "x" * 5000)).status_code == 404


async def test_reset_requests_for_one_address_are_limited(browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    for _attempt in range(PASSWORD_RESET_PER_EMAIL.max_hits):
        response = await browser.submit("/password-reset", {"email": "owner@ipx.example.org"})
        assert response.status_code == 200
    refused = await browser.submit("/password-reset", {"email": "owner@ipx.example.org"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert await PasswordReset.all().count() == PASSWORD_RESET_PER_EMAIL.max_hits
