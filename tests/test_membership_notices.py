"""The membership workflow's e-mail, delivered to a real SMTP server on loopback: the
administrators hear of an application, the applicant of the decision (with its reason)."""

from __future__ import annotations

import re

import pytest

from core.settings import Settings
from tests.helpers_directory import application_form, make_admin, sign_in
from tests.helpers_smtp import RecordingHandler, delivered, plain_text, smtp_fixture, smtp_server  # noqa: F401  (the smtp fixture)


@pytest.fixture
def settings(settings: Settings, smtp: tuple[str, RecordingHandler]) -> Settings:
    return settings.with_changes(smtp_url=smtp[0])


async def confirm_address(live_server, browser, message) -> None:
    """Follows the verification link in `message`, as the applicant would."""
    link = re.search(r"https?://\S+/account/verify-email/\S+", plain_text(message)).group(0)
    confirmed = await browser.submit(link.removeprefix(live_server.url), {})
    assert confirmed.status_code == 200


async def test_administrators_hear_of_applications_and_applicants_of_decisions(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    await make_admin()
    applicant = application_form(slug="dpp")
    assert (await new_browser().submit("/apply", applicant)).status_code == 200
    mails = {message["To"]: message for message in await delivered(settings, handler)}
    assert mails.keys() == {"admin@network.example.org", applicant["email"]}
    notice = mails["admin@network.example.org"]
    await confirm_address(live_server, new_browser(), mails[applicant["email"]])
    assert f"{live_server.url}/admin/orgs/dpp" in plain_text(notice)

    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    declined = await admin.submit(
        "/admin/orgs/dpp/decline", {"reason": "Outside our region"}, form_page="/admin/orgs/dpp"
    )
    assert declined.status_code == 303
    [decision] = await delivered(settings, handler)
    assert decision["To"] == applicant["email"]
    assert "declined" in decision["Subject"] and "Outside our region" in plain_text(decision)


async def test_an_approval_mails_the_applicant(live_server, new_browser, smtp):
    settings, handler = live_server.settings, smtp[1]
    applicant = application_form(slug="dpp")
    await new_browser().submit("/apply", applicant)
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    [verification] = await delivered(settings, handler)  # no administrator when it applied
    await confirm_address(live_server, new_browser(), verification)
    approved = await admin.submit("/admin/orgs/dpp/approve", {}, form_page="/admin/orgs/dpp")
    assert approved.status_code == 303
    [decision] = await delivered(settings, handler)
    assert decision["To"] == applicant["email"] and "now a member" in decision["Subject"]


async def test_notices_are_multipart_in_the_language_the_recipient_last_signed_in_with(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    await make_admin()
    admin = new_browser()
    admin.http.headers["Accept-Language"] = "es"
    await sign_in(admin, "admin@network.example.org")
    applicant = new_browser()
    applicant.http.headers["Accept-Language"] = "ja"
    await applicant.submit("/apply", application_form(slug="dpp"))
    mails = {message["To"]: message for message in await delivered(settings, handler)}
    notice = mails["admin@network.example.org"]
    assert notice["Subject"].startswith("Nueva solicitud de membresía")
    link = f"{live_server.url}/admin/orgs/dpp"
    assert f'<a href="{link}">' in notice.get_body(("html",)).get_content()
    verification = mails[application_form()["email"]]  # in the language it applied in
    assert verification["Subject"] == "Amicus のメールアドレスを確認してください"
