"""Every form POST of the site refuses a request without its CSRF token, and changes nothing."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route

from app import create_app
from directory.models import ApiToken, AuditEvent, Invitation, Organization, OrganizationStatus
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in

# Machine-to-machine endpoints authenticate otherwise (API tokens, WebSub and HTTP
# signatures), and a mail client's one-click unsubscribe (RFC 8058) is a POST with no cookie
# or form token: the signed URL it is sent to is its authentication.
EXEMPT_PREFIXES = ("/api/", "/websub", "/hub", "/ap/", "/alerts/unsubscribe/")


def post_paths(routes: list[BaseRoute], prefix: str = "") -> list[str]:
    """Every POST path of the app, with path parameters filled in."""
    found = []
    for route in routes:
        if isinstance(route, Mount):
            found.extend(post_paths(route.routes, prefix + route.path))
        elif isinstance(route, Route) and "POST" in (route.methods or ()):
            path = prefix + route.path_format
            for name, convertor in route.param_convertors.items():
                value = "1" if convertor.regex.startswith("[0-9]") else "probe"
                path = path.replace("{" + name + "}", value)
            found.append(path)
    return found


def test_the_route_enumeration_finds_the_directory_forms(settings):
    paths = post_paths(create_app(settings).routes)
    assert "/apply" in paths and "/sign-out" in paths
    assert "/admin/orgs/probe/probe" in paths
    assert "/dashboard/tokens/1/revoke" in paths


async def test_every_form_post_without_a_token_is_forbidden(new_browser, live_server):
    """Signed in as an administrator and as a member owner, so that for every route one of
    them would otherwise be allowed: the 403 can only come from the missing token."""
    await make_organization("probe", status=OrganizationStatus.APPLIED)
    member_org = await make_organization("member")
    await make_account("owner@member.example.org", member_org)
    await make_admin()
    people = []
    for email in ("admin@network.example.org", "owner@member.example.org"):
        people.append(new_browser())
        await sign_in(people[-1], email)
    checked = []
    for path in post_paths(create_app(live_server.settings).routes):
        if path.startswith(EXEMPT_PREFIXES):
            continue
        for person in people:
            for data in ({}, {"csrf_token": "forged"}):
                response = await person.http.post(path, data=data)
                assert response.status_code == 403, (path, data, response.status_code)
        checked.append(path)
    assert len(checked) >= 9
    assert (await Organization.get(slug="probe")).status == OrganizationStatus.APPLIED
    assert (await Organization.get(slug="member")).name == "Member"
    assert not await AuditEvent.exists()
    assert not await ApiToken.exists() and not await Invitation.exists()
    for person in people:
        assert (await person.get("/dashboard")).status_code == 200  # still signed in
