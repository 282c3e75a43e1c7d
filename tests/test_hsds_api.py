"""The HSDS 3.0 API answers in the specification's own shapes: every response validates
against Open Referral's JSON Schemas (read from ../shared/specs/hsds), pages carry the
specification's fields, filters add up, and ids stay the same."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from directory.models import Organization
from hsds.shapes import store_hsds_ids
from tests.helpers_directory import make_organization

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "hsds"


def spec_text(*parts: str) -> str:
    path = SPEC.joinpath(*parts)
    if not path.is_file():
        message = f"the HSDS specification is absent (expected at {path})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must provide it.")
        pytest.skip(f"Skipped because {message}.")
    return path.read_text(encoding="utf-8")


def spec_file(*parts: str) -> dict:
    return json.loads(spec_text(*parts))


def assert_valid(instance: dict, schema: dict) -> None:
    errors = sorted(
        Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(instance),
        key=str,
    )
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]


def assert_page(body: dict) -> None:
    """The Page fields of the specification's openapi.json, and contents."""
    page = spec_file("schema", "openapi.json")["components"]["schemas"]["Page"]
    assert set(page["properties"]) <= set(body)
    assert_valid(body, page)
    assert isinstance(body["contents"], list)


async def directory() -> dict[str, Organization]:
    screening = await make_organization("screening-desk", accepts_cases=True)
    return {
        "texas": await make_organization(
            "texas-project",
            name="Texas Project",
            accepts_cases=True,
            service_areas=",US-TX,US-OK,",
            case_types=",dna,",
            minimum_sentence_years=5,
            apply_postal_address="PO Box 12, Houston TX 77001",
            apply_phone="+1 713 555 0100",
            case_application_info="Write to us.",
            languages=",en,es,",
            screening_organization=screening,
            parent_organization=screening,
        ),
        "screening": screening,
        "federated": await make_organization(
            "sister-member",
            name="Sister Member",
            country="AR",
            network="Red Inocente",
            accepts_cases=True,
            service_areas=",AR,",
            origin_id="https://sister.example.org/orgs/member",
            origin_url="https://sister.example.org/orgs/member",
        ),
        "no_cases": await make_organization("policy-group", name="Policy Group"),
    }


async def test_the_root_endpoint_names_version_profile_and_openapi(browser, live_server):
    reference = spec_text("docs", "hsds", "api_reference.md")
    root = spec_file("schema", "openapi.json")["paths"]["/"]["get"]["responses"]["200"]
    body = (await browser.get("/hsds/")).json()
    assert_valid(body, root["content"]["application/json"]["schema"])
    for name in ("version", "profile", "openapi_url"):
        assert f"* `{name}`" in reference and name in body
    assert body["version"].startswith("3.0")
    assert body["profile"].startswith("https://") and body["openapi_url"].startswith("https://")


async def test_organizations_and_services_validate_against_the_specification(browser, live_server):
    await directory()
    organizations = (await browser.get("/hsds/organizations")).json()
    assert_page(organizations)
    assert organizations["total_items"] == 4
    for item in organizations["contents"]:
        assert_valid(item, spec_file("schema", "compiled", "organization_list.json"))
        one = (await browser.get(f"/hsds/organizations/{item['id']}")).json()
        assert_valid(one, spec_file("schema", "compiled", "organization.json"))
    services = (await browser.get("/hsds/services")).json()
    assert_page(services)
    # Only members that take cases have an intake service.
    assert services["total_items"] == 3
    for item in services["contents"]:
        assert_valid(item, spec_file("schema", "compiled", "service_list.json"))
        full = (await browser.get(f"/hsds/services/{item['id']}")).json()
        assert_valid(full, spec_file("schema", "compiled", "service.json"))
    texas = next(item for item in services["contents"] if item["name"].startswith("Texas"))
    full = (await browser.get(f"/hsds/services/{texas['id']}")).json()
    assert [area["extent"] for area in full["service_areas"]] == ["US-TX", "US-OK"]
    assert [language["code"] for language in full["languages"]] == ["en", "es"]
    assert "PO Box 12" in full["application_process"]
    assert "Minimum sentence: 5 years" in full["eligibility_description"]
    assert full["organization"]["parent_organization_id"]


async def test_a_federated_member_carries_its_provenance(browser, live_server):
    await directory()
    contents = (await browser.get("/hsds/organizations")).json()["contents"]
    sister = next(item for item in contents if item["name"] == "Sister Member")
    one = (await browser.get(f"/hsds/organizations/{sister['id']}")).json()
    assert one["uri"] == "https://sister.example.org/orgs/member"
    assert one["metadata"][0]["updated_by"] == "Red Inocente"


async def test_paging_filters_add_up_and_ids_are_stable(browser, live_server):
    members = await directory()
    first = (await browser.get("/hsds/organizations", params={"per_page": 3})).json()
    second = (await browser.get("/hsds/organizations", params={"per_page": 3, "page": 2})).json()
    assert (first["total_pages"], first["first_page"], first["last_page"]) == (2, True, False)
    assert (second["size"], second["last_page"], second["empty"]) == (1, True, False)
    ids = [item["id"] for item in first["contents"] + second["contents"]]
    assert len(set(ids)) == 4
    # The same member keeps its id after an edit.
    members["texas"].description = "Changed."
    await members["texas"].save()
    again = (await browser.get("/hsds/organizations", params={"per_page": 100})).json()
    assert sorted(item["id"] for item in again["contents"]) == sorted(ids)
    texas_id = next(item["id"] for item in again["contents"] if item["name"] == "Texas Project")
    # Cumulative filters: the organization AND a modification date.
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    both = await browser.get(
        "/hsds/services", params={"organization_id": texas_id, "modified_after": future}
    )
    assert both.json()["total_items"] == 0 and both.json()["empty"] is True
    only = (await browser.get("/hsds/services", params={"organization_id": texas_id})).json()
    assert only["total_items"] == 1
    minimal = (await browser.get("/hsds/services", params={"minimal": "true"})).json()
    assert all(set(item) == {"id", "last_modified"} for item in minimal["contents"])
    assert (await browser.get("/hsds/organizations", params={"page": 9})).status_code == 404
    for bad in ({"modified_after": "yesterday"}, {"minimal": "perhaps"}, {"per_page": "0"}):
        assert (await browser.get("/hsds/services", params=bad)).status_code == 400
    assert (await browser.get("/hsds/services/not-an-id")).status_code == 404


async def test_services_at_locations_validate_and_give_the_postal_address(browser, live_server):
    """Each intake service at its location: the postal address applications go to, or where
    the member is; in the listing, one by one and nested in the full service."""
    await directory()
    listing = (await browser.get("/hsds/service_at_locations")).json()
    assert_page(listing)
    assert listing["total_items"] == 3
    kinds = {}
    for item in listing["contents"]:
        assert_valid(item, spec_file("schema", "compiled", "service_at_location_list.json"))
        one = (await browser.get(f"/hsds/service_at_locations/{item['id']}")).json()
        assert_valid(one, spec_file("schema", "compiled", "service_at_location.json"))
        kinds[item["service"]["name"]] = one["location"]
    texas = kinds["Texas Project: case review"]
    assert texas["location_type"] == "postal"
    assert texas["addresses"][0]["address_1"] == "PO Box 12, Houston TX 77001"
    sister = kinds["Sister Member: case review"]
    assert sister["location_type"] == "physical" and sister["addresses"][0]["country"] == "AR"
    service_id = listing["contents"][0]["service_id"]
    full = (await browser.get(f"/hsds/services/{service_id}")).json()
    assert [item["id"] for item in full["service_at_locations"]] == [listing["contents"][0]["id"]]
    organization = (await browser.get(f"/hsds/organizations/{full['organization_id']}")).json()
    assert organization["locations"][0]["id"] == listing["contents"][0]["location_id"]


async def test_services_at_locations_page_filter_and_synchronise_as_services_do(
    browser, live_server
):
    members = await directory()
    ids = {
        item["name"]: item["id"]
        for item in (await browser.get("/hsds/organizations")).json()["contents"]
    }
    only = (
        await browser.get(
            "/hsds/service_at_locations", params={"organization_id": ids["Texas Project"]}
        )
    ).json()
    assert only["total_items"] == 1 and only["contents"][0]["location"]["location_type"] == "postal"
    paged = (
        await browser.get("/hsds/service_at_locations", params={"per_page": 2, "page": 2})
    ).json()
    assert (paged["size"], paged["last_page"], paged["first_page"]) == (1, True, False)
    minimal = (await browser.get("/hsds/service_at_locations", params={"minimal": "true"})).json()
    assert all(set(item) == {"id", "last_modified"} for item in minimal["contents"])
    # A member changed since a moment is the one a synchronising reader fetches again.
    moment = datetime.now(UTC)
    members["federated"].city = "Córdoba"
    await members["federated"].save()
    changed = (
        await browser.get(
            "/hsds/service_at_locations", params={"modified_after": moment.isoformat()}
        )
    ).json()
    assert [item["service"]["name"] for item in changed["contents"]] == [
        "Sister Member: case review"
    ]
    for bad in ({"modified_after": "soon"}, {"full": "maybe"}, {"page": "0"}):
        assert (await browser.get("/hsds/service_at_locations", params=bad)).status_code == 400
    assert (await browser.get("/hsds/service_at_locations/nothing")).status_code == 404


async def test_ids_are_stored_when_first_asked_for_and_renewed_at_start(browser, live_server):
    """Every member gets its ids when the API is first asked, each is then found by them,
    and ids stored under another base URL are put right when the site starts."""
    members = await directory()
    listing = (await browser.get("/hsds/organizations", params={"minimal": "true"})).json()
    stored = {member.hsds_id for member in await Organization.all()}
    assert None not in stored and {item["id"] for item in listing["contents"]} <= stored
    texas = await Organization.get(id=members["texas"].id)
    response = await browser.get(f"/hsds/services/{texas.hsds_service_id}")
    assert response.status_code == 200 and response.json()["organization_id"] == texas.hsds_id
    await Organization.filter(id=texas.id).update(hsds_id=str(uuid.uuid4()))
    await store_hsds_ids(live_server.app.state.urls, every=True)
    assert (await Organization.get(id=texas.id)).hsds_id == texas.hsds_id
