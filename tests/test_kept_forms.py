"""Forms sent after their session ended, or with a stale token, over HTTP: a long form comes
back filled in after signing in again, saving nothing until it is sent once more; a short
form is shown again with a notice saying what was not done."""

from __future__ import annotations

import lxml.html
import pytest

from directory.auth import end_all_sessions
from directory.models import Account, ApiToken, Organization, Role
from jobs.models import Job
from tests.helpers_directory import PASSWORD, make_account, make_organization, sign_in
from tests.helpers_jobs import job_input


def job_form(**overrides) -> dict:
    data = job_input(**overrides)
    return {key: "" if value is None else value for key, value in data.items()}


@pytest.fixture
async def editor(browser, live_server):
    organization = await make_organization("kept-clinic")
    account = await make_account("editor@kept.example.org", organization, role=Role.OWNER)
    await sign_in(browser, "editor@kept.example.org")
    return browser, organization, account


def _form_fields(form: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    return [(field.get("name"), field.get("value")) for field in form.xpath(".//input")]


def _as_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields as httpx sends them, a field given several times as a list."""
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


async def _sign_in_again(browser, page: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Fills in the sign-in form shown in page and sends it; the page it answers with."""
    form = page.xpath('//form[@action="/sign-in"]')[0]
    data = [
        (name, value) for name, value in _form_fields(form) if name not in ("email", "password")
    ]
    data += [("email", "editor@kept.example.org"), ("password", PASSWORD)]
    answer = await browser.http.post("/sign-in", data=_as_data(data))
    assert answer.status_code == 200, answer.text
    return lxml.html.fromstring(answer.text)


async def test_a_job_form_sent_after_the_session_ended_comes_back_filled_in_after_signing_in(
    editor,
):
    browser, organization, account = editor
    token = await browser.csrf_token("/dashboard/jobs/new")
    await end_all_sessions(account)  # signed out on another device, or the session expired
    typed = job_form(
        title="Investigadora de casos",
        description="Un texto largo que costó **escribir**.",
        remote_countries=["AR", "UY"],
        work_mode="remote",
        intent="publish",
    )
    sent = await browser.http.post(
        "/dashboard/jobs/new",
        data={**typed, "csrf_token": token},
        headers={"Referer": f"{browser.http.base_url}/dashboard/jobs/new"},
    )
    assert sent.status_code == 401
    page = lxml.html.fromstring(sent.text)
    assert "nothing was saved" in page.xpath('//*[@id="sign-in-notice"]')[0].text_content()
    assert await Job.filter(organization_id=organization.id).count() == 0

    back = await _sign_in_again(browser, page)
    form = back.xpath('//form[@action="/dashboard/jobs/new"]')[0]
    fields = _form_fields(form)
    assert ("title", "Investigadora de casos") in fields
    assert ("remote_countries", "AR") in fields and ("remote_countries", "UY") in fields
    assert await Job.filter(organization_id=organization.id).count() == 0

    shown = await browser.http.post("/dashboard/jobs/new", data=_as_data(fields))
    assert shown.status_code == 200
    form_page = lxml.html.fromstring(shown.text)
    assert "Nothing was saved yet" in form_page.xpath('//*[@role="status"]')[0].text_content()
    assert form_page.xpath('//input[@name="title"]/@value') == ["Investigadora de casos"]
    assert form_page.xpath('//textarea[@name="description"]')[0].text == typed["description"]
    chosen = form_page.xpath('//input[@name="remote_countries"][@checked]/@value')
    chosen += form_page.xpath('//select[@name="remote_countries"]/option[@selected]/@value')
    assert sorted(chosen) == ["AR", "UY"]
    assert await Job.filter(organization_id=organization.id).count() == 0

    # Sending the form as shown saves it, once.
    token = form_page.xpath('//input[@name="csrf_token"]/@value')[0]
    saved = await browser.http.post("/dashboard/jobs/new", data={**typed, "csrf_token": token})
    assert saved.status_code == 303
    assert await Job.filter(organization_id=organization.id).count() == 1


async def test_the_profile_form_sent_after_signing_out_comes_back_in_the_page_language(
    editor,
):
    browser, organization, account = editor
    token = await browser.csrf_token("/dashboard")
    await end_all_sessions(account)
    profile = {
        "name": "Clínica con otro nombre",
        "kind": organization.kind.value,
        "contact_email": organization.contact_email,
        "country": organization.country,
        "languages": ["es", "en"],
        "csrf_token": token,
    }
    sent = await browser.http.post("/dashboard?lang=es", data=profile)
    assert sent.status_code == 401
    page = lxml.html.fromstring(sent.text)
    assert "no se guardó nada" in page.xpath('//*[@id="sign-in-notice"]')[0].text_content()
    back = await _sign_in_again(browser, page)
    fields = _form_fields(back.xpath('//form[@action="/dashboard"]')[0])
    shown = await browser.http.post("/dashboard?lang=es", data=_as_data(fields))
    assert shown.status_code == 200
    form_page = lxml.html.fromstring(shown.text)
    assert form_page.xpath('//input[@name="name"]/@value') == ["Clínica con otro nombre"]
    assert "Todavía no se guardó nada" in shown.text
    assert (await Organization.get(id=organization.id)).name == organization.name


async def test_a_short_form_sent_after_the_session_ended_leads_back_to_its_page(editor):
    browser, organization, account = editor
    token = await browser.csrf_token("/dashboard")
    await end_all_sessions(account)
    sent = await browser.http.post(
        "/dashboard/tokens",
        data={"token_name": "ATS", "csrf_token": token},
        headers={"Referer": f"{browser.http.base_url}/dashboard"},
    )
    assert sent.status_code == 401
    page = lxml.html.fromstring(sent.text)
    assert "nothing was done" in page.xpath('//*[@id="sign-in-notice"]')[0].text_content()
    form = page.xpath('//form[@action="/sign-in"]')[0]
    data = [
        (name, value) for name, value in _form_fields(form) if name not in ("email", "password")
    ]
    assert ("next", "/dashboard") in data and not any(name == "kept_action" for name, _ in data)
    data += [("email", "editor@kept.example.org"), ("password", PASSWORD)]
    signed_in = await browser.http.post("/sign-in", data=_as_data(data))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
    assert await ApiToken.filter(organization_id=organization.id).count() == 0


async def test_a_short_form_with_a_stale_token_is_shown_again_with_what_was_not_done(editor):
    browser, organization, _account = editor
    answer = await browser.http.post(
        "/dashboard/tokens?lang=ja",
        data={"token_name": "ATS", "csrf_token": "from-another-session"},
        headers={"Referer": f"{browser.http.base_url}/dashboard?lang=ja"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard?lang=ja"
    page = await browser.get(answer.headers["location"])
    notice = lxml.html.fromstring(page.text).xpath('//p[contains(@class, "flash")]')[0]
    assert "APIトークンは作成されませんでした" in notice.text_content()
    assert lxml.html.fromstring(page.text).xpath('//form[@action="/dashboard/tokens"]')
    assert await ApiToken.filter(organization_id=organization.id).count() == 0
    # Without a page of this site to go back to (a forged post), it stays a plain 403.
    forged = await browser.http.post(
        "/dashboard/tokens",
        data={"token_name": "ATS", "csrf_token": "forged"},
        headers={"Referer": "https://attacker.example/page"},
    )
    assert forged.status_code == 403


async def test_the_sign_in_form_with_a_stale_token_asks_again_and_keeps_where_it_leads(
    new_browser,
):
    organization = await make_organization("stale-sign-in")
    await make_account("owner@stale.example.org", organization, role=Role.OWNER)
    browser = new_browser()
    sign_in_form = {
        "email": "owner@stale.example.org",
        "password": PASSWORD,
        "next": "/dashboard/jobs",
    }
    answer = await browser.http.post(
        "/sign-in?lang=es", data={**sign_in_form, "csrf_token": "expired"}
    )
    assert answer.status_code == 403
    page = lxml.html.fromstring(answer.text)
    assert "todavía no inició sesión" in page.xpath('//*[@role="alert"]')[0].text_content()
    assert page.xpath('//input[@name="email"]/@value') == ["owner@stale.example.org"]
    assert page.xpath('//input[@name="next"]/@value') == ["/dashboard/jobs"]
    assert not await Account.filter(
        email="owner@stale.example.org", last_sign_in_at__isnull=False
    ).exists()
    token = page.xpath('//input[@name="csrf_token"]/@value')[0]
    again = await browser.http.post("/sign-in", data={**sign_in_form, "csrf_token": token})
    assert again.status_code == 303 and again.headers["location"] == "/dashboard/jobs"


async def test_signing_out_with_a_stale_token_says_nothing_was_done(editor):
    browser, _organization, _account = editor
    answer = await browser.http.post(
        "/sign-out",
        data={"csrf_token": "from-an-old-page"},
        headers={"Referer": f"{browser.http.base_url}/dashboard"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    page = await browser.get("/dashboard")
    assert "sign out again" in page.text
    # The session was not ended by a post that did not come from one of its pages.
    assert page.status_code == 200
