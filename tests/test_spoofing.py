"""Spoofing: invisible and direction-changing characters never reach a name or a title, and
an application under a name that looks like a member's is refused."""

from __future__ import annotations

import pytest

from core.confusables import confusable, skeleton, strip_invisible
from directory.models import Account, Organization, Role
from jobs.models import Job
from tests.helpers_directory import application_form, make_account, make_organization, sign_in
from tests.helpers_jobs import bearer, job_input, token_secret

INVISIBLE = [
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
]


@pytest.mark.parametrize("character", INVISIBLE)
def test_format_characters_are_removed_from_a_line(character):
    assert strip_invisible(f"Innocence{character} Project") == "Innocence Project"


def test_names_confusable_under_uts39_share_a_skeleton():
    assert confusable("Innocence Project", "Ιnnοcence Prоject")  # Greek iota, omicron, Cyrillic o
    assert confusable("Innocence Project", "lnnocence Project")
    assert confusable("Red Inocente", "RED INOCENTE")
    assert not confusable("Innocence Project", "Innocence Network")
    assert skeleton("ｐａｙｐａｌ") == skeleton("paypal")


async def test_applications_keep_no_invisible_characters_in_names(browser, live_server):
    response = await browser.submit(
        "/apply",
        application_form(
            name="Defensoría\u202e Penal\u200b de Prueba", applicant_name="Ana\u2066 Pérez"
        ),
    )
    assert response.status_code == 200, response.text
    organization = await Organization.get()
    assert organization.name == "Defensoría Penal de Prueba"
    assert (await Account.get()).display_name == "Ana Pérez"


async def test_an_only_invisible_name_counts_as_empty(browser, live_server):
    response = await browser.submit("/apply", application_form(name="\u200b\u202e"))
    assert response.status_code == 422
    assert 'aria-describedby="e-name"' in response.text


async def test_job_titles_from_the_api_lose_invisible_characters(api, live_server):
    organization = await make_organization("trusted-clinic", trusted=True)
    secret = await token_secret(organization)
    response = await api.post(
        "/api/jobs", json=job_input(title="Staff\u202e Attorney\u200b"), headers=bearer(secret)
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Staff Attorney"
    assert (await Job.get()).title == "Staff Attorney"


async def test_an_application_under_a_look_alike_name_is_refused(browser, live_server):
    await make_organization("ipx", name="Innocence Project", short_name="IP")
    for look_alike in ("Ιnnοcence Prоject", "INNOCENCE PROJECT", "lnnocence Project"):
        response = await browser.submit("/apply", application_form(name=look_alike, slug="x"))
        assert response.status_code == 422, look_alike
        assert "looks the same as that of an organization" in response.text
    assert await Organization.all().count() == 1
    different = await browser.submit("/apply", application_form(name="Innocence Project Japan"))
    assert different.status_code == 200


async def test_a_member_cannot_rename_itself_after_another(browser, live_server):
    await make_organization("ipx", name="Innocence Project", short_name="IP")
    mine = await make_organization("other", name="Other Clinic")
    await make_account("owner@other.example.org", mine, Role.OWNER)
    await sign_in(browser, "owner@other.example.org")
    form = {
        "name": "Ιnnocence Prоject",
        "kind": mine.kind.value,
        "contact_email": mine.contact_email,
        "country": mine.country,
        "languages": "en",
    }
    refused = await browser.submit("/dashboard", form)
    assert refused.status_code == 422
    assert "looks the same" in refused.text
    assert (await Organization.get(id=mine.id)).name == "Other Clinic"
    kept = await browser.submit("/dashboard", {**form, "name": "Other Clinic", "city": "Reno"})
    assert kept.status_code == 303
