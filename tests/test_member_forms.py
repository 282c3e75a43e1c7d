"""The member's forms over HTTP: choosers instead of codes, a form sent after its token
expired shown again as typed, the description previewed, and a job duplicated."""

from __future__ import annotations

import re

import lxml.html
import pytest

from directory.models import Organization, Role
from jobs.forms import clean_job
from jobs.models import Job, JobStatus
from tests.helpers_directory import application_form, make_account, make_organization, sign_in
from tests.helpers_jobs import job_input, make_job, remote_job_input


def form(**overrides) -> dict:
    data = job_input(**overrides)
    return {key: "" if value is None else value for key, value in data.items()}


def _select(body: str, name: str) -> lxml.html.HtmlElement:
    found = lxml.html.fromstring(body).xpath(f'//select[@name="{name}"]')
    assert found, f"no <select name={name}> on the page"
    return found[0]


def _checkbox_group(body: str, name: str) -> lxml.html.HtmlElement:
    found = lxml.html.fromstring(body).xpath(f'//fieldset[@id="f-{name}"]')
    assert found, f"no checkbox group {name} on the page"
    return found[0]


def _chosen(body: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of what a chooser has chosen: a <select>'s selected option, or the
    ticked boxes of a checkbox group."""
    page = lxml.html.fromstring(body)
    if page.xpath(f'//select[@name="{name}"]'):
        return [
            (option.get("value"), option.text_content())
            for option in _select(body, name).xpath(".//option[@selected]")
        ]
    return [
        (box.get("value"), box.getparent().text_content().strip())
        for box in _checkbox_group(body, name).xpath(f'.//input[@name="{name}"][@checked]')
    ]


def _labelled(body: str, name: str) -> str:
    page = lxml.html.fromstring(body)
    if not page.xpath(f'//select[@name="{name}"]'):
        return _checkbox_group(body, name).xpath("./legend")[0].text_content()
    field_id = _select(body, name).get("id")
    labels = page.xpath(f'//label[@for="{field_id}"]')
    assert labels, f"the {name} chooser has no label"
    return labels[0].text_content()


def _checkbox_labels(body: str, name: str) -> list[str]:
    """Every box of a checkbox group is labelled by the label around it."""
    return [
        box.getparent().text_content().strip()
        for box in _checkbox_group(body, name).xpath(f'.//input[@name="{name}"]')
        if box.getparent().tag == "label" and box.get("type") == "checkbox"
    ]


@pytest.fixture
async def poster(browser, live_server):
    organization = await make_organization("forms-clinic", country="AR")
    await make_account("editor@forms.example.org", organization, role=Role.EDITOR)
    await sign_in(browser, "editor@forms.example.org")
    return browser, organization


async def test_the_job_form_chooses_country_language_and_currency_by_name_in_the_page_language(
    poster,
):
    browser, _organization = poster
    page = await browser.get("/dashboard/jobs/new?lang=es")
    body = page.text
    for name in ("country", "language", "salary_currency", "remote_countries"):
        assert _labelled(body, name)
    for name in ("country", "language", "salary_currency"):
        assert not lxml.html.fromstring(body).xpath(f'//input[@name="{name}"]'), name
    assert _chosen(body, "country") == [("AR", "Argentina")]
    assert _chosen(body, "language") == [("en", "inglés")]
    currencies = dict(
        (option.get("value"), option.text_content())
        for option in _select(body, "salary_currency").xpath(".//option")
    )
    assert currencies["USD"] == "dólar estadounidense (USD)"
    assert currencies["JPY"] == "yen japonés (JPY)"
    # Several countries are ticked, not Ctrl-clicked: one labelled checkbox each.
    assert "Argentina" in _checkbox_labels(body, "remote_countries")
    assert not lxml.html.fromstring(body).xpath("//select[@multiple]")
    japanese = await browser.get("/dashboard/jobs/new?lang=ja")
    assert _chosen(japanese.text, "country") == [("AR", "アルゼンチン")]


async def test_a_remote_job_takes_several_countries_and_the_edit_form_shows_them_chosen(poster):
    browser, organization = poster
    data = {**form(**remote_job_input()), "remote_countries": ["US", "CA"], "intent": "draft"}
    response = await browser.submit("/dashboard/jobs/new", data)
    assert response.status_code == 303, response.text
    job = await Job.get(organization_id=organization.id)
    assert job.remote_countries == ",US,CA,"
    edit = await browser.get(f"/dashboard/jobs/{job.id}/edit?lang=en")
    assert {code for code, _name in _chosen(edit.text, "remote_countries")} == {"US", "CA"}


async def test_a_stored_regional_language_stays_chosen_when_the_job_is_edited(poster, live_server):
    browser, organization = poster
    job = await make_job(organization, live_server.settings, JobStatus.DRAFT, language="pt-BR")
    edit = await browser.get(f"/dashboard/jobs/{job.id}/edit?lang=en")
    assert _chosen(edit.text, "language") == [("pt-BR", "Portuguese (Brazil)")]


async def test_currency_codes_are_taken_in_any_case_on_the_form_and_in_the_api(poster):
    browser, organization = poster
    response = await browser.submit("/dashboard/jobs/new", form(salary_currency="usd"))
    assert response.status_code == 303, response.text
    assert (await Job.get(organization_id=organization.id)).salary_currency == "USD"
    # The API cleans postings with the same rule.
    today = (await Job.get(organization_id=organization.id)).created_at.date()
    assert clean_job(job_input(salary_currency="eur"), today=today)["salary_currency"] == "EUR"


async def test_the_profile_form_chooses_working_languages_and_keeps_them(new_browser, live_server):
    organization = await make_organization("lang-clinic")
    await make_account("owner@lang.example.org", organization, role=Role.OWNER)
    browser = new_browser()
    await sign_in(browser, "owner@lang.example.org")
    page = await browser.get("/dashboard?lang=es")
    assert "español" in _checkbox_labels(page.text, "languages")
    assert _chosen(page.text, "languages") == [("en", "inglés")]
    profile = {
        "name": organization.name,
        "kind": organization.kind.value,
        "contact_email": organization.contact_email,
        "country": organization.country,
        "languages": ["es", "pt-BR"],
    }
    response = await browser.submit("/dashboard", profile)
    assert response.status_code == 303, response.text
    assert (await Organization.get(id=organization.id)).languages == ",es,pt-BR,"
    page = await browser.get("/dashboard?lang=en")
    assert {tag for tag, _name in _chosen(page.text, "languages")} == {"es", "pt-BR"}


async def test_a_job_form_sent_after_its_token_expired_is_shown_again_as_typed(poster):
    browser, organization = poster
    typed = form(
        title="Investigadora de casos",
        description="Texto largo que costó **escribir**.",
        remote_countries="",
        intent="publish",
    )
    response = await browser.http.post(
        "/dashboard/jobs/new?lang=en", data={**typed, "csrf_token": "from-an-ended-session"}
    )
    assert response.status_code == 403
    assert await Job.filter(organization_id=organization.id).count() == 0
    page = lxml.html.fromstring(response.text)
    assert "nothing was saved" in page.xpath('//*[@role="status"]')[0].text_content()
    assert page.xpath('//input[@name="title"]/@value') == ["Investigadora de casos"]
    assert page.xpath('//textarea[@name="description"]')[0].text == typed["description"]
    assert _chosen(response.text, "salary_currency") == [("USD", "US Dollar (USD)")]
    # The page carries a good token: sending it as shown saves the job.
    token = page.xpath('//input[@name="csrf_token"]/@value')[0]
    again = await browser.http.post("/dashboard/jobs/new", data={**typed, "csrf_token": token})
    assert again.status_code == 303
    assert await Job.filter(organization_id=organization.id).count() == 1


async def test_an_edit_sent_with_an_expired_token_is_shown_again_and_saves_nothing(
    poster, live_server
):
    browser, organization = poster
    job = await make_job(organization, live_server.settings, JobStatus.DRAFT, title="Old title")
    response = await browser.http.post(
        f"/dashboard/jobs/{job.id}/edit",
        data={**form(title="New title"), "csrf_token": "stale"},
    )
    assert response.status_code == 403
    assert 'value="New title"' in response.text
    assert (await Job.get(id=job.id)).title == "Old title"


async def test_an_application_sent_after_its_token_expired_keeps_all_but_the_password(
    new_browser, live_server
):
    browser = new_browser()
    response = await browser.http.post(
        "/apply?lang=es",
        data={**application_form(languages=["es", "en"]), "csrf_token": "stale"},
    )
    assert response.status_code == 403
    assert await Organization.filter(name="Defensoría Penal de Prueba").count() == 0
    page = lxml.html.fromstring(response.text)
    assert page.xpath('//input[@name="name"]/@value') == ["Defensoría Penal de Prueba"]
    assert page.xpath('//input[@name="password"]/@value') in ([], [""])
    assert page.xpath('//*[@role="status"]')
    assert {tag for tag, _name in _chosen(response.text, "languages")} == {"es", "en"}


async def test_preview_shows_the_description_through_the_html_policy_and_saves_nothing(poster):
    browser, organization = poster
    description = "We **need** you.\n\n<script>alert(1)</script><a href='javascript:x'>x</a>"
    response = await browser.submit(
        "/dashboard/jobs/new", form(description=description, title="", intent="preview")
    )
    assert response.status_code == 200
    assert await Job.filter(organization_id=organization.id).count() == 0
    preview = lxml.html.fromstring(response.text).xpath('//section[@class="preview"]')[0]
    assert preview.xpath(".//strong")[0].text == "need"
    assert (
        not preview.xpath(".//script") and "javascript:" not in lxml.html.tostring(preview).decode()
    )
    # The form is shown again as typed, without complaining about the empty title yet.
    assert 'aria-invalid="true"' not in response.text
    assert "We **need** you." in response.text


async def test_preview_on_the_edit_form_changes_nothing(poster, live_server):
    browser, organization = poster
    job = await make_job(organization, live_server.settings, JobStatus.DRAFT)
    before = job.description_markdown
    response = await browser.submit(
        f"/dashboard/jobs/{job.id}/edit", form(description="*New* text", intent="preview")
    )
    assert response.status_code == 200 and "<em>New</em>" in response.text
    assert (await Job.get(id=job.id)).description_markdown == before


async def test_duplicating_a_job_opens_the_form_filled_in_and_saves_a_new_draft(
    poster, live_server
):
    browser, organization = poster
    job = await make_job(
        organization, live_server.settings, JobStatus.FILLED, title="Intake paralegal"
    )
    dashboard = await browser.get("/dashboard/jobs")
    assert f'href="/dashboard/jobs/{job.id}/duplicate"' in dashboard.text
    page = await browser.get(f"/dashboard/jobs/{job.id}/duplicate")
    assert page.status_code == 200
    document = lxml.html.fromstring(page.text)
    assert document.xpath('//main//form[@method="post"]/@action')[0] == "/dashboard/jobs/new"
    assert document.xpath('//input[@name="title"]/@value') == ["Intake paralegal"]
    assert document.xpath('//input[@name="closing_date"]/@value') == [""]
    values = {
        element.get("name"): element.get("value") or element.text or ""
        for element in document.xpath("//main//form[@method='post']//input|//main//textarea")
        if element.get("name") and element.get("type") != "hidden"
    }
    for select in document.xpath("//main//form[@method='post']//select"):
        chosen = select.xpath(".//option[@selected]/@value")
        values[select.get("name")] = (
            chosen if select.get("multiple") is not None else (chosen[0] if chosen else "")
        )
    response = await browser.submit(
        "/dashboard/jobs/new", {**values, "intent": "draft"}, form_page="/dashboard/jobs"
    )
    assert response.status_code == 303, response.text
    copies = await Job.filter(organization_id=organization.id, title="Intake paralegal")
    assert sorted(copy.status for copy in copies) == sorted([JobStatus.FILLED, JobStatus.DRAFT])
    original, copy = sorted(copies, key=lambda j: j.id)
    assert copy.description_markdown == original.description_markdown
    assert copy.salary_min == original.salary_min and copy.uid != original.uid


async def test_another_organizations_job_cannot_be_duplicated(poster, live_server):
    browser, _organization = poster
    other = await make_organization("other-forms-clinic")
    job = await make_job(other, live_server.settings, JobStatus.PUBLISHED)
    response = await browser.get(f"/dashboard/jobs/{job.id}/duplicate")
    assert response.status_code == 404
    assert not re.search(re.escape(job.title), response.text)
