"""From application to membership and back: every decision listed, audited and enforced."""

from __future__ import annotations

import pytest

from core.validation import ValidationError
from directory.membership import TransitionRefused, available_actions, decide
from directory.models import AuditEvent, Organization, OrganizationStatus
from tests.helpers_directory import application_form, make_admin, make_organization, sign_in


async def listed_slugs(api) -> set[str]:
    body = (await api.get("/api/organizations", params={"per_page": 100})).json()
    return {item["slug"] for item in body["items"]}


async def test_an_application_is_listed_only_once_approved_and_every_step_is_audited(
    browser, new_browser, api
):
    applied = await browser.submit("/apply", application_form(slug="dpp"))
    assert applied.status_code == 200
    await sign_in(browser, application_form()["email"])
    assert "dpp" not in await listed_slugs(api)
    assert "Defensoría" not in (await api.get("/directory")).text
    assert (await api.get("/orgs/dpp")).status_code == 404
    dashboard = await browser.get("/dashboard")
    assert "awaiting review" in dashboard.text

    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    queue = await admin.get("/admin/applications")
    assert "/admin/orgs/dpp" in queue.text
    approved = await admin.submit("/admin/orgs/dpp/approve", {}, form_page="/admin/orgs/dpp")
    assert approved.status_code == 303

    assert "dpp" in await listed_slugs(api)
    assert "Defensoría Penal de Prueba" in (await api.get("/directory")).text
    organization = await Organization.get(slug="dpp")
    assert organization.member_since is not None

    suspended = await admin.submit(
        "/admin/orgs/dpp/suspend", {"reason": "Unpaid dues"}, form_page="/admin/orgs/dpp"
    )
    assert suspended.status_code == 303
    assert "dpp" not in await listed_slugs(api)
    assert (await api.get("/api/organizations/dpp")).status_code == 404
    # Suspension ends the members' sessions; signing in again shows them why.
    assert (await browser.get("/dashboard")).status_code == 303
    await sign_in(browser, application_form()["email"])
    assert "Unpaid dues" in (await browser.get("/dashboard")).text

    await admin.submit("/admin/orgs/dpp/reinstate", {}, form_page="/admin/orgs/dpp")
    assert "dpp" in await listed_slugs(api)

    history = await admin.get("/admin/orgs/dpp")
    events = await AuditEvent.filter(subject_type="organization", subject_id=organization.id)
    assert [(e.action, e.from_state, e.to_state) for e in reversed(events)] == [
        ("apply", "", "applied"),
        ("approve", "applied", "active"),
        ("suspend", "active", "suspended"),
        ("reinstate", "suspended", "active"),
    ]
    assert {e.actor_label for e in events[:3]} == {"admin@network.example.org"}
    assert events[-1].actor_label == "ana@dpp.example.org"
    assert "Unpaid dues" in history.text and "reinstate" in history.text


async def test_a_declined_application_is_never_listed_and_the_applicant_reads_the_reason(
    browser, new_browser, api
):
    await browser.submit("/apply", application_form(slug="dpp"))
    await sign_in(browser, application_form()["email"])
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    declined = await admin.submit(
        "/admin/orgs/dpp/decline",
        {"reason": "Not working on wrongful convictions."},
        form_page="/admin/orgs/dpp",
    )
    assert declined.status_code == 303
    assert "dpp" not in await listed_slugs(api)
    assert (await api.get("/orgs/dpp")).status_code == 404
    dashboard = await browser.get("/dashboard")
    assert "declined" in dashboard.text
    assert "Not working on wrongful convictions." in dashboard.text

    refused = await admin.submit("/admin/orgs/dpp/reinstate", {}, form_page="/admin/orgs/dpp")
    assert refused.status_code == 409
    assert "Only suspended members can be reinstated" in refused.text


async def test_declining_without_a_reason_is_refused_on_the_form_and_changes_nothing(
    browser, new_browser
):
    await browser.submit("/apply", application_form(slug="dpp"))
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    response = await admin.submit(
        "/admin/orgs/dpp/decline", {"reason": "  "}, form_page="/admin/orgs/dpp"
    )
    assert response.status_code == 422
    assert 'aria-describedby="e-decline-reason"' in response.text
    assert (await Organization.get(slug="dpp")).status == OrganizationStatus.APPLIED
    assert not await AuditEvent.filter(action="decline").exists()


async def test_approving_an_active_member_is_a_conflict(browser, live_server):
    await make_organization("active-org")
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    response = await browser.submit(
        "/admin/orgs/active-org/approve", {}, form_page="/admin/orgs/active-org"
    )
    assert response.status_code == 409
    assert "Only applications awaiting review can be approved" in response.text


async def test_unknown_actions_and_organizations_are_not_found(browser, live_server):
    await make_organization("active-org")
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    form_page = "/admin/orgs/active-org"
    assert (
        await browser.submit("/admin/orgs/active-org/delete", {}, form_page=form_page)
    ).status_code == 404
    assert (
        await browser.submit("/admin/orgs/nobody/approve", {}, form_page=form_page)
    ).status_code == 404


async def test_trusting_is_recorded_and_cannot_be_repeated(live_server):
    organization = await make_organization("active-org")
    admin = await make_admin()
    await decide(organization, "trust", admin)
    assert organization.trusted
    with pytest.raises(TransitionRefused):
        await decide(organization, "trust", admin)
    await decide(organization, "untrust", admin)
    actions = [event.action for event in await AuditEvent.filter(subject_id=organization.id)]
    assert actions == ["untrust", "trust"]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (OrganizationStatus.APPLIED, ["approve", "decline"]),
        (OrganizationStatus.ACTIVE, ["suspend", "trust"]),
        (OrganizationStatus.SUSPENDED, ["reinstate"]),
        (OrganizationStatus.DECLINED, []),
        (OrganizationStatus.LEFT, []),
    ],
)
async def test_each_status_allows_only_its_own_decisions(live_server, status, allowed):
    organization = await make_organization("org", status=status)
    admin = await make_admin()
    assert available_actions(organization) == allowed
    for action in ("approve", "decline", "suspend", "reinstate"):
        if action in allowed:
            continue
        with pytest.raises(TransitionRefused):
            await decide(organization, action, admin, reason="because")
    assert (await Organization.get(id=organization.id)).status == status
    assert await AuditEvent.all().count() == 0


async def test_a_decision_taken_on_a_stale_copy_is_refused(live_server):
    admin = await make_admin()
    first = await make_organization("org", status=OrganizationStatus.APPLIED)
    stale = await Organization.get(id=first.id)
    await decide(first, "approve", admin)
    with pytest.raises(TransitionRefused):
        await decide(stale, "decline", admin, reason="too late")
    assert (await Organization.get(id=first.id)).status == OrganizationStatus.ACTIVE


async def test_decline_requires_a_reason_without_http(live_server):
    admin = await make_admin()
    organization = await make_organization("org", status=OrganizationStatus.APPLIED)
    with pytest.raises(ValidationError) as raised:
        await decide(organization, "decline", admin)
    assert "reason" in raised.value.errors


async def test_an_overlong_suspension_reason_is_refused_on_its_field(browser, live_server):
    await make_organization("active-org")
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    response = await browser.submit(
        "/admin/orgs/active-org/suspend", {"reason": "x" * 2001}, form_page="/admin/orgs/active-org"
    )
    assert response.status_code == 422
    assert 'aria-describedby="e-suspend-reason"' in response.text
    assert (await Organization.get(slug="active-org")).status == OrganizationStatus.ACTIVE
