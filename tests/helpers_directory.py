"""Shared set-ups for the directory tests: organizations, people, signed-in browsers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.security import hash_password
from directory.accounts import create_admin
from directory.models import Account, Organization, OrganizationKind, OrganizationStatus, Role

PASSWORD = "correct horse battery"


async def make_organization(slug: str, **fields: Any) -> Organization:
    values: dict[str, Any] = {
        "name": slug.replace("-", " ").title(),
        "kind": OrganizationKind.INDEPENDENT_NONPROFIT,
        "country": "US",
        "status": OrganizationStatus.ACTIVE,
        "network": "Innocence Network",
        "languages": ",en,",
        "contact_email": f"info@{slug}.example.org",
        "member_since": date(2020, 1, 1),
    }
    values.update(fields)
    return await Organization.create(slug=slug, **values)


async def make_account(
    email: str, organization: Organization | None = None, role: Role = Role.OWNER
) -> Account:
    return await Account.create(
        email=email,
        password_hash=await hash_password(PASSWORD),
        display_name=email.split("@")[0].title(),
        organization=organization,
        role=role,
        email_verified_at=datetime.now(UTC),
    )


async def make_admin(email: str = "admin@network.example.org") -> Account:
    return await create_admin(email, PASSWORD, "Network Admin")


async def sign_in(browser, email: str, password: str = PASSWORD) -> None:
    response = await browser.submit("/sign-in", {"email": email, "password": password})
    assert response.status_code == 303, response.text


def application_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid membership application as the form posts it."""
    form: dict[str, Any] = {
        "name": "Defensoría Penal de Prueba",
        "short_name": "DPP",
        "kind": "public_defender_unit",
        "description": "A public defender unit reviewing claims of wrongful conviction.",
        "website": "https://dpp.example.org",
        "contact_email": "contacto@dpp.example.org",
        "city": "Córdoba",
        "region": "Córdoba",
        "country": "AR",
        "languages": "es, en",
        "focus_areas": ["non_dna", "false_confessions"],
        "accepts_cases": "yes",
        "case_application_info": "Write to the office with the case number.",
        "logo_url": "",
        "jobs_feed_url": "",
        "applicant_name": "Ana Pérez",
        "email": "ana@dpp.example.org",
        "password": PASSWORD,
    }
    form.update(overrides)
    return form
