"""The demo directory: real organizations, loaded idempotently from the repository's own data."""

from __future__ import annotations

import csv

import pytest

from core.settings import PROJECT_ROOT
from directory.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_MEMBER_EMAIL,
    MEMBERS_FILE,
    create_demo_accounts,
    load_demo_directory,
)
from directory.models import Account, Organization, OrganizationStatus, Role
from directory.search import DirectoryQuery, find_organizations
from directory.service_areas import is_area_code, subdivision_name
from directory.verification import reachable_accounts
from tests.helpers_directory import sign_in
from tests.test_operations_backup import amicus


async def test_loading_the_demo_directory_twice_changes_nothing(live_server):
    first = await load_demo_directory(live_server.settings)
    snapshot = {
        organization.slug: (organization.name, organization.status, organization.member_since)
        for organization in await Organization.all()
    }
    second = await load_demo_directory(live_server.settings)
    assert first == second == len(snapshot) >= 40
    assert await Organization.all().count() == len(snapshot)
    again = {
        organization.slug: (organization.name, organization.status, organization.member_since)
        for organization in await Organization.all()
    }
    assert again == snapshot


async def test_demo_members_span_countries_and_sister_networks(live_server):
    await load_demo_directory(live_server.settings)
    active = await find_organizations(DirectoryQuery())
    assert len(active) >= 40
    assert len({organization.country for organization in active}) >= 8
    networks = {organization.network for organization in active}
    assert {"Innocence Network", "Red Inocente", "Asian Innocence Network"} <= networks
    assert all(organization.trusted and organization.member_since for organization in active)
    japan = await Organization.get(slug="innocence-project-japan")
    assert japan.country == "JP" and japan.languages == ",ja,"


async def test_a_network_that_closed_is_kept_but_not_listed(live_server):
    await load_demo_directory(live_server.settings)
    inuk = await Organization.get(slug="innocence-network-uk")
    assert inuk.status == OrganizationStatus.LEFT
    assert inuk not in await find_organizations(DirectoryQuery(country="GB"))


def test_demo_data_ships_inside_the_repository_with_a_source_for_every_row():
    assert MEMBERS_FILE.is_relative_to(PROJECT_ROOT)
    with MEMBERS_FILE.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert len(records) >= 40
    assert all(record["source"].startswith("http") for record in records)


def test_demo_jurisdictions_are_iso_codes_named_by_the_rows_own_description():
    with MEMBERS_FILE.open(encoding="utf-8", newline="") as handle:
        records = [record for record in csv.DictReader(handle) if record["service_areas"]]
    assert records, "no demo member names the jurisdictions it serves"
    for record in records:
        codes = [code.strip() for code in record["service_areas"].split(",")]
        assert all(is_area_code(code) for code in codes), record["slug"]
        # Each state or province given is one the row's sourced description names.
        for code in codes:
            assert subdivision_name(code).split(" ")[-1] in record["description"], code


async def test_demo_accounts_sign_in_once_made_and_never_in_production(live_server, new_browser):
    await load_demo_directory(live_server.settings)
    made = dict(await create_demo_accounts(live_server.settings))
    assert set(made) == {DEMO_ADMIN_EMAIL, DEMO_MEMBER_EMAIL}
    assert await create_demo_accounts(live_server.settings) == []
    member = await Account.get(email=DEMO_MEMBER_EMAIL)
    assert member.role == Role.OWNER and member.organization_id is not None
    # Both receive the mail of their roles: notices are sent to verified addresses only.
    reachable = await reachable_accounts().values_list("email", flat=True)
    assert {DEMO_ADMIN_EMAIL, DEMO_MEMBER_EMAIL} <= set(reachable)
    for email, password in made.items():
        browser = new_browser()
        await sign_in(browser, email, password)
    with pytest.raises(RuntimeError):
        await create_demo_accounts(live_server.settings.with_changes(env="production"))


async def test_the_demo_command_prints_each_new_account_once(database_url):
    status, first = await amicus(database_url, "demo")
    assert status == 0, first
    assert DEMO_ADMIN_EMAIL in first and DEMO_MEMBER_EMAIL in first
    status, second = await amicus(database_url, "demo")
    assert status == 0 and DEMO_ADMIN_EMAIL not in second, second
