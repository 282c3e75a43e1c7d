"""Whatever a visitor sends, the directory answers with a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

from directory.models import Account, Organization
from tests.helpers_directory import make_admin, make_organization, sign_in

HOSTILE_GETS = [
    "/orgs/%00",
    "/orgs/" + "a" * 5000,
    "/orgs/UPPER",
    "/directory?network=%00",
    "/directory?region=%00&q=%00",
    "/directory?page=99999999999999999999",
    "/directory?country=%C3%A9%C3%A9",
    "/directory?language=zh-Hant-TW-extra",
    "/api/organizations/%00",
    "/api/organizations?network=%00&page=-1",
    "/api/organizations?per_page=1e3",
    "/api/organizations?q=%ff%fe",
    "/invitations/%00",
    "/invitations/" + "x" * 5000,
]


@pytest.mark.parametrize("path", HOSTILE_GETS)
async def test_hostile_addresses_get_client_errors_or_plain_answers(api, path):
    await make_organization("ipx")
    response = await api.get(path)
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400, 404)


async def test_hostile_admin_addresses_get_client_errors(browser, live_server):
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    for path in ("/admin/orgs/%00", "/admin/members?status=%00", "/admin/members?country=%00"):
        response = await browser.get(path)
        assert response.status_code in (200, 400, 404), path
    response = await browser.submit("/admin/orgs/%00/approve", {}, form_page="/admin")
    assert response.status_code == 404


async def test_control_characters_and_odd_types_in_forms_change_nothing(browser, live_server):
    response = await browser.submit("/sign-in", {"email": "a\x00@b.example.org", "password": "x"})
    assert response.status_code == 400
    response = await browser.submit(
        "/apply", {"name": "\x00\x01", "country": "\x00", "languages": "\x00", "email": "\x00"}
    )
    assert response.status_code == 422
    assert not await Organization.exists() and not await Account.exists()


async def test_a_malformed_form_body_is_a_client_error(browser, live_server):
    await browser.csrf_token("/apply")
    response = await browser.http.post(
        "/apply",
        content=b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code in (400, 403)
    assert not await Organization.exists()
