"""Rate limits: atomic across concurrent requests, per e-mail and per client, answered 429."""

from __future__ import annotations

import asyncio
import threading
import time

from core import security
from directory import throttle
from directory.models import Account, Invitation, Organization, Throttle
from directory.throttle import (
    APPLY_PER_CLIENT,
    HUB_PER_CLIENT,
    INVITE_PER_ACCOUNT,
    SIGN_IN_PER_ACCOUNT,
    SIGN_IN_PER_CLIENT,
    Limit,
)
from feeds.models import HubIntent
from tests.conftest import Browser
from tests.helpers_directory import (
    PASSWORD,
    application_form,
    make_account,
    make_organization,
    sign_in,
)


async def test_sixty_concurrent_wrong_passwords_get_no_more_checks_than_the_limit(live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    browsers = [Browser(live_server.url) for _ in range(60)]
    tokens = await asyncio.gather(*(browser.csrf_token() for browser in browsers))
    try:
        responses = await asyncio.gather(
            *(
                browser.http.post(
                    "/sign-in",
                    data={
                        "email": "owner@ipx.example.org",
                        "password": f"wrong password {number}",
                        "csrf_token": token,
                    },
                )
                for number, (browser, token) in enumerate(zip(browsers, tokens, strict=True))
            )
        )
        # 400 means the password was checked and refused; 429 that it was never checked.
        statuses = sorted(response.status_code for response in responses)
        assert statuses.count(400) == SIGN_IN_PER_ACCOUNT.max_hits
        assert statuses.count(429) == 60 - SIGN_IN_PER_ACCOUNT.max_hits
        refused = next(response for response in responses if response.status_code == 429)
        assert 1 <= int(refused.headers["retry-after"]) <= SIGN_IN_PER_ACCOUNT.window_seconds
        assert "Too many sign-in attempts" in refused.text

        # The right password waits too, until the window ends.
        late = await browsers[0].submit(
            "/sign-in", {"email": "owner@ipx.example.org", "password": PASSWORD}
        )
        assert late.status_code == 429
        assert (await browsers[0].get("/dashboard")).status_code == 303
    finally:
        await asyncio.gather(*(browser.close() for browser in browsers))


async def test_a_successful_sign_in_starts_the_accounts_count_afresh(browser, live_server):
    organization = await make_organization("ipx")
    await make_account("owner@ipx.example.org", organization)
    for _attempt in range(SIGN_IN_PER_ACCOUNT.max_hits - 1):
        response = await browser.submit(
            "/sign-in", {"email": "owner@ipx.example.org", "password": "wrong password!"}
        )
        assert response.status_code == 400
    good = await browser.submit(
        "/sign-in", {"email": "owner@ipx.example.org", "password": PASSWORD}
    )
    assert good.status_code == 303
    assert await Throttle.all().count() == 1  # the client's count stays; the account's is gone


async def test_one_client_is_limited_across_many_e_mail_addresses(browser, live_server):
    for _attempt in range(SIGN_IN_PER_CLIENT.max_hits):
        await throttle.hit(SIGN_IN_PER_CLIENT, "127.0.0.1")
    response = await browser.submit(
        "/sign-in", {"email": "someone-new@example.org", "password": "any password at all"}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_a_window_ends_and_expired_counts_are_pruned(live_server):
    limit = Limit("test/action", 2, 60)
    start = int(time.time())
    assert await throttle.hit(limit, "subject", now=start) == 0
    assert await throttle.hit(limit, "subject", now=start + 1) == 0
    assert await throttle.hit(limit, "subject", now=start + 2) == 58
    # A new window after the first one ended: allowed again, counting from one.
    assert await throttle.hit(limit, "subject", now=start + 61) == 0
    assert await throttle.hit(limit, "other", now=start + 61) == 0
    assert await Throttle.all().count() == 2
    assert await throttle.prune(now=start + 200) == 2
    assert await Throttle.all().count() == 0


async def test_applications_from_one_client_are_limited(browser, live_server):
    for _attempt in range(APPLY_PER_CLIENT.max_hits):
        await throttle.hit(APPLY_PER_CLIENT, "127.0.0.1")
    response = await browser.submit("/apply", application_form())
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "Too many attempts" in response.text
    assert await Organization.all().count() == 0
    assert await Account.all().count() == 0


async def test_the_websub_hub_limits_requests_per_client(live_server, api):
    for _attempt in range(HUB_PER_CLIENT.max_hits):
        await throttle.hit(HUB_PER_CLIENT, "127.0.0.1")
    response = await api.post(
        "/websub/hub",
        data={
            "hub.mode": "subscribe",
            "hub.topic": f"{live_server.url}/jobs/feed.atom",
            "hub.callback": "http://subscriber.example.org/cb",
        },
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert await HubIntent.all().count() == 0


async def test_a_password_check_in_progress_does_not_hold_up_other_requests(
    api, live_server, monkeypatch
):
    """The check runs in the hashing threads: while one is stuck, /healthz still answers."""
    started, release = threading.Event(), threading.Event()
    real_verify = security._verify

    def slow_verify(password_hash: str, password: str) -> bool:
        started.set()
        release.wait(timeout=30)
        return real_verify(password_hash, password)

    monkeypatch.setattr(security, "_verify", slow_verify)
    browser = Browser(live_server.url)
    try:
        token = await browser.csrf_token()
        sign_in = asyncio.create_task(
            browser.http.post(
                "/sign-in",
                data={"email": "nobody@example.org", "password": "x" * 12, "csrf_token": token},
            )
        )
        await asyncio.to_thread(started.wait, 30)
        assert started.is_set()
        health = await api.get("/healthz")
        assert health.status_code == 200
        assert not sign_in.done()
        release.set()
        assert (await sign_in).status_code == 400
    finally:
        release.set()
        await browser.close()


async def test_password_checks_beyond_the_queue_limit_are_refused_at_once(
    browser, live_server, monkeypatch
):
    monkeypatch.setattr(security, "PASSWORD_QUEUE_LIMIT", 0)
    response = await browser.submit(
        "/sign-in", {"email": "nobody@example.org", "password": "any password at all"}
    )
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1


async def test_an_owner_sending_too_many_invitations_is_limited(browser, live_server):
    organization = await make_organization("ipx")
    owner = await make_account("owner@ipx.example.org", organization)
    await sign_in(browser, "owner@ipx.example.org")
    for _attempt in range(INVITE_PER_ACCOUNT.max_hits):
        await throttle.hit(INVITE_PER_ACCOUNT, str(owner.id))
    response = await browser.submit(
        "/dashboard/invitations", {"email": "friend@ipx.example.org"}, form_page="/dashboard"
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert not await Invitation.exists()
