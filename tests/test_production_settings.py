"""Production settings: https only, a strong secret, Secure cookies, HSTS, and no caching of
pages that show a secret or personal data."""

from __future__ import annotations

import secrets

import httpx
import pytest

from app import create_app
from core.settings import Settings, SettingsError, secret_strength_bits
from tests.conftest import start_server, stop_server
from tests.helpers_directory import PASSWORD, make_account, make_organization, sign_in

STRONG_SECRET = secrets.token_urlsafe(32)


def production(**changes) -> Settings:
    return Settings(
        env="production",
        base_url="https://jobs.example.org",
        secret_key=STRONG_SECRET,
    ).with_changes(**changes)


@pytest.mark.parametrize(
    "weak",
    ["x" * 40, "abcabcabcabcabcabcabcabcabcabcabcabc", "correct horse battery", "0123456789abcdef"],
)
def test_production_refuses_a_weak_secret(weak):
    problems = production(secret_key=weak).problems()
    assert any("AMICUS_SECRET_KEY" in problem for problem in problems), weak
    with pytest.raises(SettingsError, match="AMICUS_SECRET_KEY"):
        create_app(production(secret_key=weak))


def test_production_accepts_a_random_secret_and_development_keeps_its_short_minimum():
    assert production().problems() == []
    assert secret_strength_bits(STRONG_SECRET) > 128
    assert Settings(secret_key="sixteen chars ok").problems() == []


def test_production_refuses_plain_http_unless_a_proxy_terminates_tls():
    problems = production(base_url="http://jobs.example.org").problems()
    assert any("AMICUS_BASE_URL" in problem for problem in problems)
    behind_proxy = production(base_url="http://jobs.example.org", proxy_terminates_tls=True)
    assert behind_proxy.problems() == []
    assert behind_proxy.served_over_https
    assert Settings.from_env({"AMICUS_PROXY_TERMINATES_TLS": "on"}).proxy_terminates_tls
    assert Settings(base_url="http://127.0.0.1:8000").problems() == []


async def test_production_sends_hsts_and_secure_cookies(settings, server_socket):
    # Served on loopback over plain http, as behind a proxy that terminates TLS.
    live = settings.with_changes(
        env="production", secret_key=STRONG_SECRET, proxy_terminates_tls=True
    )
    server, task = await start_server(live, server_socket)
    try:
        async with httpx.AsyncClient(base_url=settings.base_url) as client:
            page = await client.get("/sign-in?lang=es")
    finally:
        await stop_server(server, task)
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    cookies = page.headers.get_list("set-cookie")
    assert cookies and all("secure" in cookie.lower() for cookie in cookies), cookies


async def test_development_sends_neither_hsts_nor_secure_cookies(api):
    page = await api.get("/sign-in?lang=es")
    assert "strict-transport-security" not in page.headers
    assert not any("secure" in cookie.lower() for cookie in page.headers.get_list("set-cookie"))


async def test_pages_for_a_signed_in_person_are_never_cached(browser, api, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    public = await api.get("/directory")
    assert "no-store" not in public.headers.get("cache-control", "")
    await sign_in(browser, "owner@ipx.example.org")
    created = await browser.submit(
        "/dashboard/tokens", {"token_name": "ATS"}, form_page="/dashboard"
    )
    assert 'id="new-token-secret"' in created.text
    assert created.headers["cache-control"] == "no-store"
    for path in ("/dashboard", "/directory", "/orgs/ipx"):
        assert (await browser.get(path)).headers["cache-control"] == "no-store", path
    assert PASSWORD not in created.text
