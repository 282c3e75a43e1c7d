"""Applying for membership: one transaction, field-by-field errors, nothing half-saved."""

from __future__ import annotations

import re

import pytest

from directory.models import Account, AuditEvent, Organization, OrganizationStatus, Role
from mail.models import OutboxMessage
from tests.helpers_directory import application_form, make_account, make_organization, sign_in


def input_tag(page: str, element_id: str) -> str:
    match = re.search(rf'<input id="{element_id}"[^>]*>', page)
    assert match, element_id
    return match.group(0)


async def nothing_was_created() -> bool:
    return not await Organization.exists() and not await Account.exists()


async def test_an_application_creates_the_organization_and_its_owner_who_then_signs_in(
    browser, live_server
):
    response = await browser.submit("/apply", application_form())
    assert response.status_code == 200
    assert "Application received" in response.text
    assert (await browser.get("/dashboard")).status_code == 303

    organization = await Organization.get(slug="defensoria-penal-de-prueba")
    assert organization.status == OrganizationStatus.APPLIED
    assert organization.network == live_server.settings.network_name
    assert organization.country == "AR"
    assert organization.languages == ",es,en,"
    assert organization.focus_areas == ",non_dna,false_confessions,"
    assert organization.accepts_cases and not organization.trusted
    assert organization.member_since is None
    owner = await Account.get(email="ana@dpp.example.org")
    assert owner.role == Role.OWNER and owner.organization_id == organization.id
    assert owner.password_hash.startswith("$argon2")

    await sign_in(browser, "ana@dpp.example.org")
    dashboard = await browser.get("/dashboard")
    assert "Defensoría Penal de Prueba" in dashboard.text
    assert "awaiting review" in dashboard.text


async def test_the_generated_address_is_numbered_when_the_name_is_taken(browser, live_server):
    await make_organization("defensoria-penal-de-prueba")
    await browser.submit("/apply", application_form())
    assert await Organization.exists(slug="defensoria-penal-de-prueba-2")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"country": "XX"}, "country", "two-letter ISO 3166-1 country code"),
        ({"languages": "es, klingon"}, "languages", "Unknown language tags: klingon"),
        ({"languages": ""}, "languages", "Give at least one language"),
        ({"name": "N" * 201}, "name", "at most 200 characters"),
        ({"kind": "cult"}, "kind", "Must be one of"),
        ({"focus_areas": ["dna", "astrology"]}, "focus_areas", "Unknown values: astrology"),
        ({"website": "ftp://dpp.example.org"}, "website", "starting with http"),
        ({"contact_email": "nobody"}, "contact_email", "valid e-mail"),
        ({"email": ""}, "email", "required"),
        ({"password": "short"}, "password", "at least 10 characters"),
        ({"slug": "Not A Slug!"}, "slug", "lowercase letters"),
        ({"case_application_info": ""}, "case_application_info", "Say how people can apply"),
        ({"description": "x" * 5001}, "description", "at most 5000 characters"),
    ],
)
async def test_each_invalid_field_is_named_beside_it_and_nothing_is_saved(
    browser, live_server, changes, field, message
):
    response = await browser.submit("/apply", application_form(**changes))
    assert response.status_code == 422
    # The field (or group of boxes) is described by its error, and perhaps its help.
    assert re.search(rf'aria-describedby="(?:[\w-]+ )*e-{field}(?: [\w-]+)*"', response.text)
    error_start = response.text.index(f'id="e-{field}"')
    assert message in response.text[error_start : error_start + 300]
    assert await nothing_was_created()


async def test_a_refused_application_keeps_what_was_typed_except_the_password(browser, live_server):
    response = await browser.submit("/apply", application_form(country="XX"))
    assert 'value="Córdoba"' in response.text
    assert 'value="ana@dpp.example.org"' in response.text
    assert 'false_confessions"\n          checked' in response.text or (
        'value="false_confessions"' in response.text
        and response.text.count(" checked") >= 3  # two focus areas and accepts_cases
    )
    assert "correct horse battery" not in response.text


async def test_a_taken_address_is_refused_on_its_field(browser, live_server):
    await make_organization("dpp")
    response = await browser.submit("/apply", application_form(slug="dpp"))
    assert response.status_code == 422
    assert 'aria-describedby="e-slug"' in response.text
    assert await Organization.all().count() == 1
    assert not await Account.exists()


async def test_applying_with_a_members_e_mail_answers_as_for_anyone_and_tells_the_member(
    new_browser, live_server
):
    other = await make_organization("other")
    await make_account("ana@dpp.example.org", other)
    taken = await new_browser().submit("/apply", application_form(slug="dpp"))
    fresh = await new_browser().submit(
        "/apply", application_form(slug="dpp2", email="nuevo@dpp.example.org")
    )
    assert taken.status_code == fresh.status_code == 200

    def anonymized(page: str, email: str) -> str:
        return re.sub(r'value="[^"]*"', 'value=""', page.replace(email, "EMAIL"))

    # The same page, byte for byte, but for the address itself and the form tokens.
    assert anonymized(taken.text, "ana@dpp.example.org") == anonymized(
        fresh.text, "nuevo@dpp.example.org"
    )
    assert not await Organization.exists(slug="dpp")
    assert await Organization.exists(slug="dpp2")
    assert await Account.filter(email="ana@dpp.example.org").count() == 1
    [told] = await OutboxMessage.filter(recipient="ana@dpp.example.org")
    assert "which already has an account" in told.text_body


async def test_an_oversized_application_is_refused_whole(browser, live_server):
    response = await browser.submit(
        "/apply", application_form(description="x" * (live_server.settings.max_body_bytes + 1))
    )
    assert response.status_code == 413
    assert await nothing_was_created()


async def test_an_application_without_the_form_token_is_refused(browser, live_server):
    response = await browser.http.post("/apply", data=application_form())
    assert response.status_code == 403
    assert await nothing_was_created()
    assert not await AuditEvent.exists()


async def test_the_application_form_labels_every_field(api):
    page = (await api.get("/apply")).text
    for name in ("name", "kind", "country", "email", "password", "accepts_cases"):
        assert f'<label for="f-{name}"' in page
    # Several languages are ticked: a group named by its legend, each box inside its label.
    languages = page.split('id="f-languages"')[1].split("</fieldset>")[0]
    assert "<legend>Working languages" in languages
    assert (
        '<label class="checkbox"><input type="checkbox" name="languages" value="es"> Spanish'
        in languages
    )
    assert "<script" not in page
