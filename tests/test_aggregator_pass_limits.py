"""A pass keeps to the per-host limit an operator sets (AMICUS_FETCH_PER_HOST)."""

from __future__ import annotations

import asyncio

from core.settings import Settings
from feeds.aggregate.passes import run_pass
from tests.helpers_federation import atom_entry, atom_feed, subscribe
from tests.helpers_hostile_servers import InFlight, RawRequest, raw_server, send

FEEDS = 6


async def test_a_pass_fetches_no_more_feeds_of_one_host_at_once_than_the_setting_allows(
    live_server,
):
    async def feed(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        entry = atom_entry(
            f"tag:limits,{request.path}", "Investigator", link=f"https://x.example{request.path}"
        )
        await send(writer, 200, atom_feed(entry), {"Content-Type": "application/atom+xml"})

    slow = InFlight(feed, pause=0.1)
    routes = {f"/feed-{number}.atom": slow for number in range(FEEDS)}
    async with raw_server(routes) as server:
        for path in routes:
            await subscribe(f"{server.url}{path}")
        settings = live_server.settings.with_changes(fetch_per_host=2)
        summary = await run_pass(settings)
    assert (summary.fetched, summary.errors) == (FEEDS, 0)
    assert slow.most == 2


def test_the_per_host_limit_is_read_from_the_environment_and_checked():
    assert Settings.from_env({"AMICUS_FETCH_PER_HOST": "8"}).fetch_per_host == 8
    for refused in ("0", "17", "many"):
        problems = Settings.from_env({"AMICUS_FETCH_PER_HOST": refused}).problems()
        assert any("AMICUS_FETCH_PER_HOST" in problem for problem in problems), refused
