"""Signing in and out, the slow-down after failures, and creating administrators."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from directory.models import Account, Role
from directory.throttle import SIGN_IN_PER_ACCOUNT
from tests.helpers_directory import PASSWORD, make_account, make_admin, make_organization, sign_in


async def test_a_member_signs_in_and_lands_on_the_dashboard(browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    response = await browser.submit(
        "/sign-in", {"email": "Owner@IPX.example.org", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert (await browser.get("/dashboard")).status_code == 200
    account = await Account.get(email="owner@ipx.example.org")
    assert account.last_sign_in_at is not None


async def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(
    browser, new_browser, live_server
):
    await make_admin()
    redirect = await browser.get("/admin/members?status=applied")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/sign-in?next=/admin/members%3Fstatus%3Dapplied"
    form = await browser.get(redirect.headers["location"])
    assert '<input type="hidden" name="next" value="/admin/members?status=applied">' in form.text
    response = await browser.submit(
        "/sign-in",
        {
            "email": "admin@network.example.org",
            "password": PASSWORD,
            "next": "/admin/members?status=applied",
        },
    )
    assert response.headers["location"] == "/admin/members?status=applied"

    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        other = new_browser()
        response = await other.submit(
            "/sign-in", {"email": "admin@network.example.org", "password": PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/admin", target


async def test_a_wrong_password_is_refused_with_a_clear_message_and_no_session(
    browser, live_server
):
    await make_admin()
    response = await browser.submit(
        "/sign-in", {"email": "admin@network.example.org", "password": "not the password"}
    )
    assert response.status_code == 400
    assert "The e-mail address or the password is not right." in response.text
    assert 'value="admin@network.example.org"' in response.text
    assert "not the password" not in response.text
    assert (await browser.get("/dashboard")).status_code == 303


async def test_repeated_failures_are_slowed_down_with_retry_after(browser, live_server):
    await make_admin()
    for _attempt in range(SIGN_IN_PER_ACCOUNT.max_hits):
        response = await browser.submit(
            "/sign-in", {"email": "admin@network.example.org", "password": "wrong password!"}
        )
        assert response.status_code == 400
    blocked = await browser.submit(
        "/sign-in", {"email": "admin@network.example.org", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in blocked.text
    assert (await browser.get("/admin")).status_code == 303


async def test_signing_out_ends_the_session(browser, live_server):
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    assert (await browser.get("/admin")).status_code == 200
    response = await browser.submit("/sign-out", {}, form_page="/admin")
    assert response.status_code == 303
    assert (await browser.get("/admin")).status_code == 303


async def test_a_deactivated_account_cannot_sign_in(browser, live_server):
    organization = await make_organization("ipx")
    account = await make_account("owner@ipx.example.org", organization)
    account.active = False
    await account.save()
    response = await browser.submit(
        "/sign-in", {"email": "owner@ipx.example.org", "password": PASSWORD}
    )
    assert response.status_code == 400


async def run_cli(*args: str, database_url: str, password: str) -> subprocess.CompletedProcess:
    """The command in a process of its own, awaited without blocking the event loop: the live
    server shares the loop, and a worker of it frozen inside a write transaction would keep
    the database locked for as long as the command runs."""
    environment = {
        **os.environ,
        "AMICUS_DATABASE_URL": database_url,
        "AMICUS_ADMIN_PASSWORD": password,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return subprocess.CompletedProcess(args, process.returncode, stdout.decode(), stderr.decode())


async def test_create_admin_makes_an_administrator_who_can_sign_in(browser, live_server):
    result = await run_cli(
        "create-admin",
        "boss@network.example.org",
        "--name",
        "The Boss",
        "--password-from-env",
        database_url=live_server.settings.database_url,
        password=PASSWORD,
    )
    assert result.returncode == 0, result.stderr
    account = await Account.get(email="boss@network.example.org")
    assert account.role == Role.ADMIN and account.display_name == "The Boss"
    response = await browser.submit(
        "/sign-in", {"email": "boss@network.example.org", "password": PASSWORD}
    )
    assert response.headers["location"] == "/admin"


async def test_create_admin_refuses_a_taken_email_or_a_short_password(live_server):
    await make_admin("boss@network.example.org")
    taken = await run_cli(
        "create-admin",
        "boss@network.example.org",
        "--password-from-env",
        database_url=live_server.settings.database_url,
        password=PASSWORD,
    )
    assert taken.returncode == 1
    assert "already exists" in taken.stderr
    short = await run_cli(
        "create-admin",
        "other@network.example.org",
        "--password-from-env",
        database_url=live_server.settings.database_url,
        password="short",
    )
    assert short.returncode == 1
    assert "password" in short.stderr
    assert await Account.filter(role=Role.ADMIN).count() == 1
