"""The membership workflow's e-mail, delivered to a real SMTP server on loopback: the
administrators hear of an application, the applicant of the decision (with its reason)."""

from __future__ import annotations

import pytest

from core.settings import Settings
from mail.delivery import send_due
from tests.helpers_directory import application_form, make_admin, sign_in
from tests.helpers_smtp import RecordingHandler, smtp_fixture, smtp_server  # noqa: F401  (the smtp fixture)


@pytest.fixture
def settings(settings: Settings, smtp: tuple[str, RecordingHandler]) -> Settings:
    return settings.with_changes(smtp_url=smtp[0])


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


async def delivered(settings: Settings, handler: RecordingHandler) -> list:
    await send_due(settings)
    return handler.take_new()


async def test_administrators_hear_of_applications_and_applicants_of_decisions(
    live_server, new_browser, smtp
):
    settings, handler = live_server.settings, smtp[1]
    await make_admin()
    applicant = application_form(slug="dpp")
    assert (await new_browser().submit("/apply", applicant)).status_code == 200
    [notice] = await delivered(settings, handler)
    assert notice["To"] == "admin@network.example.org"
    assert f"{live_server.url}/admin/orgs/dpp" in text(notice)

    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    declined = await admin.submit(
        "/admin/orgs/dpp/decline", {"reason": "Outside our region"}, form_page="/admin/orgs/dpp"
    )
    assert declined.status_code == 303
    [decision] = await delivered(settings, handler)
    assert decision["To"] == applicant["email"]
    assert "declined" in decision["Subject"] and "Outside our region" in text(decision)


async def test_an_approval_mails_the_applicant(live_server, new_browser, smtp):
    settings, handler = live_server.settings, smtp[1]
    applicant = application_form(slug="dpp")
    await new_browser().submit("/apply", applicant)
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    assert await delivered(settings, handler) == []  # no administrator when it applied
    approved = await admin.submit("/admin/orgs/dpp/approve", {}, form_page="/admin/orgs/dpp")
    assert approved.status_code == 303
    [decision] = await delivered(settings, handler)
    assert decision["To"] == applicant["email"] and "now a member" in decision["Subject"]
