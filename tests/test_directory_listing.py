"""The public directory, organization pages and the directory API."""

from __future__ import annotations

import jsonschema

from directory.models import OrganizationKind, OrganizationStatus, Role
from directory.search import text_matches
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in


async def some_organizations() -> None:
    await make_organization(
        "defensoria",
        name="Defensoría General de Prueba",
        kind=OrganizationKind.PUBLIC_DEFENDER_UNIT,
        country="AR",
        city="Córdoba",
        languages=",es,",
        focus_areas=",false_confessions,",
        accepts_cases=True,
    )
    await make_organization(
        "texas-project",
        name="Innocence Project of Texas",
        city="Lubbock",
        region="Texas",
        focus_areas=",dna,",
    )
    await make_organization(
        "taiwan-project", name="Taiwan Innocence Project", country="TW", languages=",zh-Hant,en,"
    )
    await make_organization("waiting", name="Waiting Project", status=OrganizationStatus.APPLIED)
    await make_organization("gone", name="Gone Project", status=OrganizationStatus.SUSPENDED)
    await make_organization("no", name="Declined Project", status=OrganizationStatus.DECLINED)


async def slugs(api, **params) -> list[str]:
    response = await api.get("/api/organizations", params=params)
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


async def test_only_active_organizations_are_listed(api):
    await some_organizations()
    assert await slugs(api) == ["defensoria", "texas-project", "taiwan-project"]
    page = (await api.get("/directory")).text
    assert "Innocence Project of Texas" in page
    for hidden in ("Waiting Project", "Gone Project", "Declined Project"):
        assert hidden not in page


async def test_text_search_ignores_case_and_accents(api):
    await some_organizations()
    assert await slugs(api, q="defensoria") == ["defensoria"]
    assert await slugs(api, q="DEFENSORÍA general") == ["defensoria"]
    assert await slugs(api, q="cordoba") == ["defensoria"]
    assert await slugs(api, q="lubbock") == ["texas-project"]
    page = (await api.get("/directory", params={"q": "defensoria"})).text
    assert "Defensoría General de Prueba" in page
    assert "Taiwan Innocence Project" not in page


async def test_filters_narrow_the_list(api):
    await some_organizations()
    assert await slugs(api, country="ar") == ["defensoria"]
    assert await slugs(api, kind="public_defender_unit") == ["defensoria"]
    assert await slugs(api, language="zh") == ["taiwan-project"]
    assert await slugs(api, language="es") == ["defensoria"]
    assert await slugs(api, focus="dna") == ["texas-project"]
    assert await slugs(api, accepts_cases="yes") == ["defensoria"]
    assert await slugs(api, accepts_cases="no") == ["texas-project", "taiwan-project"]
    assert await slugs(api, region="texas") == ["texas-project"]
    assert await slugs(api, country="US", focus="dna", q="texas") == ["texas-project"]
    assert await slugs(api, network="Red Inocente") == []


async def test_invalid_filters_get_a_page_saying_why(api):
    cases = {
        "country": ("XX", "two-letter ISO 3166-1 code"),
        "kind": ("cult", "must be one of: law_school_clinic"),
        "language": ("not a language", "BCP 47"),
        "focus": ("astrology", "must be one of: dna"),
        "accepts_cases": ("maybe", "yes or no"),
        "page": ("two", "whole number"),
        "q": ("x" * 201, "at most 200 characters"),
    }
    for name, (value, reason) in cases.items():
        page = await api.get("/directory", params={name: value})
        assert page.status_code == 400, name
        assert reason in page.text, name
        answer = await api.get("/api/organizations", params={name: value})
        assert answer.status_code == 400, name
        assert reason in answer.json()["error"]["message"], name


async def test_api_pages_with_links_and_bounds(api, live_server):
    for number in range(25):
        await make_organization(f"org-{number:02d}")
    first = (await api.get("/api/organizations", params={"per_page": 10, "country": "US"})).json()
    assert first["total"] == 25 and first["page"] == 1 and first["per_page"] == 10
    assert first["prev"] is None
    assert first["next"].startswith(live_server.url + "/api/organizations?")
    third = (await api.get(first["next"].replace("page=2", "page=3"))).json()
    assert [item["slug"] for item in third["items"]] == [f"org-{n}" for n in range(20, 25)]
    assert third["next"] is None and "page=2" in third["prev"] and "country=US" in third["prev"]
    for bad in ({"per_page": 101}, {"per_page": 0}, {"page": "1.5"}, {"per_page": "lots"}):
        response = await api.get("/api/organizations", params=bad)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"


async def test_directory_pages_link_to_the_next_page_with_the_same_filters(api):
    for number in range(25):
        await make_organization(f"org-{number:02d}")
    page = (await api.get("/directory", params={"country": "US"})).text
    assert 'href="/directory?country=US&amp;page=2" rel="next"' in page
    second = (await api.get("/directory", params={"country": "US", "page": 2})).text
    assert "Org 24" in second and "Org 00" not in second


async def test_the_api_shows_the_public_profile_and_nothing_private(api, live_server):
    organization = await make_organization(
        "private-check", status_reason="internal note", trusted=True, description="Public words."
    )
    await make_account("owner@private-check.example.org", organization)
    body = (await api.get("/api/organizations/private-check")).json()
    assert body["name"] == "Private Check" and body["description"] == "Public words."
    assert body["contact_email"] == "info@private-check.example.org"
    assert body["url"] == f"{live_server.url}/orgs/private-check"
    text = str(body)
    for secret in ("internal note", "owner@private-check", "status", "trusted", "password"):
        assert secret not in text


async def test_the_api_answers_404_json_for_organizations_not_active(api):
    await some_organizations()
    for slug in ("waiting", "gone", "no", "never-existed"):
        response = await api.get(f"/api/organizations/{slug}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


async def test_api_answers_match_the_published_openapi_schemas(api):
    await some_organizations()
    document = (await api.get("/api/openapi.json")).json()
    assert "/api/organizations" in document["paths"]
    assert "/api/organizations/{slug}" in document["paths"]
    schemas = document["components"]["schemas"]
    resolver_root = {"components": {"schemas": schemas}}
    page_schema = {**schemas["OrganizationPage"], **resolver_root}
    one_schema = {**schemas["Organization"], **resolver_root}
    jsonschema.validate((await api.get("/api/organizations")).json(), page_schema)
    jsonschema.validate((await api.get("/api/organizations/defensoria")).json(), one_schema)


async def test_an_organization_not_active_is_seen_only_by_its_members_and_admins(api, new_browser):
    waiting = await make_organization("waiting", status=OrganizationStatus.APPLIED)
    other = await make_organization("other")
    await make_account("owner@waiting.example.org", waiting)
    await make_account("owner@other.example.org", other, Role.OWNER)
    await make_admin()

    assert (await api.get("/orgs/waiting")).status_code == 404
    outsider = new_browser()
    await sign_in(outsider, "owner@other.example.org")
    assert (await outsider.get("/orgs/waiting")).status_code == 404
    for email in ("owner@waiting.example.org", "admin@network.example.org"):
        insider = new_browser()
        await sign_in(insider, email)
        page = await insider.get("/orgs/waiting")
        assert page.status_code == 200
        assert "Membership status: awaiting review" in page.text


async def test_an_organization_page_shows_its_public_profile(api):
    await some_organizations()
    page = await api.get("/orgs/defensoria")
    assert page.status_code == 200
    assert "Defensoría General de Prueba" in page.text
    assert "Argentina" in page.text and "False confessions" in page.text
    assert "Spanish" in page.text
    assert "Membership status" not in page.text


async def test_the_home_page_counts_members_and_searches_jobs(api):
    await some_organizations()
    page = (await api.get("/")).text
    assert "3 member organizations" in page
    assert "3 countries" in page
    assert 'action="/jobs"' in page and 'name="q"' in page


async def test_directory_pages_render_in_every_shipped_language(api):
    await some_organizations()
    for language in ("en", "es", "ja"):
        for path in ("/", "/directory", "/orgs/defensoria", "/apply", "/sign-in"):
            response = await api.get(path, params={"lang": language})
            assert response.status_code == 200, (language, path)
            assert f'<html lang="{language}">' in response.text


def test_directory_text_search_reads_text_with_the_job_search_normalizer():
    assert text_matches("Defensoría General de la Nación", "defensoria nacion")
    assert text_matches("えん罪救済センター", "救済")
    assert text_matches("Innocence Project of Florida", "FLOR")
    assert not text_matches("Innocence Project of Florida", "texas")
