"""A whole network travels between live instances in each job feed format: B's directory
(Atom, its one format) and B's jobs (Atom, RSS or JSON Feed) come to A with every member, every
job and every field, the copies name the feed they first appeared in, and the loops A -> B -> A
and B -> A -> C -> B create nothing anywhere."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from lxml import etree

from directory.models import Organization
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.models import Job
from tests.helpers_federation import SisterInstance
from tests.test_federation_instances import (  # noqa: F401  (sisters is a fixture)
    LOCAL_KEYS,
    _fetch,
    _members,
    all_items,
    profiles,
    sisters,
)

ATOM = "{http://www.w3.org/2005/Atom}"


async def _jobs(client: httpx.AsyncClient, base: str) -> list[dict]:
    return await all_items(client, f"{base}/api/jobs")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _feed_metadata(client: httpx.AsyncClient, url: str, format_: str) -> tuple[str, str]:
    """(id, title) the origin's jobs feed gives itself; RSS and JSON Feed have no id of their
    own, so their URL stands for it."""
    response = await client.get(url)
    if format_ == "json":
        return url, response.json()["title"]
    document = etree.fromstring(response.content)
    if format_ == "rss":
        return url, document.findtext("channel/title")
    return document.findtext(f"{ATOM}id"), document.findtext(f"{ATOM}title")


async def _subscribe_here(base: str, format_: str, name: str) -> None:
    for path, kind in (
        (f"/federation/jobs.{format_}", "jobs"),
        ("/directory/feed.atom", "directory"),
    ):
        await FeedSubscription.create(url=f"{base}{path}", name=name, network=name, kind=kind)


async def _subscribe(instance: SisterInstance, base: str, format_: str, name: str) -> None:
    for path, kind in (
        (f"/federation/jobs.{format_}", "jobs"),
        ("/directory/feed.atom", "directory"),
    ):
        code, output = await instance.command(
            "peers", "add", f"{base}{path}", "--kind", kind, "--name", name, "--network", name
        )
        assert code == 0, output


async def _counts(instance: SisterInstance) -> tuple[int, int]:
    return await instance.count_rows("job"), await instance.count_rows("organization")


@pytest.mark.parametrize("format_", ["atom", "rss", "json"])
async def test_a_whole_network_round_trips_and_no_loop_creates_anything(
    live_server,
    sisters,  # noqa: F811
    format_: str,
):
    a, b, c = live_server, sisters["B"], sisters["C"]
    await _subscribe_here(b.url, format_, "Red Inocente")
    assert (await run_pass(a.settings)).errors == 0

    async with httpx.AsyncClient(timeout=30) as client:
        origin_members = await _members(client, b.url)
        # Every member once (A has none of its own), every directory field as B has it.
        assert profiles(await _members(client, a.url)) == profiles(origin_members)
        origin_jobs = await _jobs(client, b.url)
        copies = {job["uid"]: job for job in await _jobs(client, a.url)}
        assert len(origin_jobs) > 20 and sorted(copies) == sorted(j["uid"] for j in origin_jobs)
        feed_id, feed_title = await _feed_metadata(
            client, f"{b.url}/federation/jobs.{format_}", format_
        )
        for job in origin_jobs:
            copy = copies[job["uid"]]
            assert {k: v for k, v in copy.items() if k not in LOCAL_KEYS and k != "source"} == {
                k: v for k, v in job.items() if k not in LOCAL_KEYS
            }
            assert copy["description_html"] == job["description_html"]
            assert copy["organization"]["name"] == job["organization"]["name"]
            source = copy["source"]
            assert _moment(source["origin_updated_at"]) == _moment(job["updated_at"])
            assert (source["source_feed"]["id"], source["source_feed"]["title"]) == (
                feed_id,
                feed_title,
            )
            assert source["source_feed"]["updated"] is not None

        # A republishes each copy with the origin's updated date and the origin's feed as its
        # <source> (RFC 4287 4.2.11), not A's subscription.
        document = etree.fromstring((await client.get(f"{a.url}/federation/jobs.atom")).content)
        by_uid = {job["uid"]: job for job in origin_jobs}
        entries = list(document.iter(f"{ATOM}entry"))
        assert entries
        for entry in entries:
            job = by_uid[entry.findtext(f"{ATOM}id")]
            assert _moment(entry.findtext(f"{ATOM}updated")) == _moment(job["updated_at"])
            source = entry.find(f"{ATOM}source")
            assert source.findtext(f"{ATOM}id") == feed_id
            assert source.findtext(f"{ATOM}title") == feed_title
            assert source.findtext(f"{ATOM}updated")

    # A second hop, B -> A -> C: C holds the whole network too, once.
    await _subscribe(c, a.url, format_, "Innocence Network")
    await _fetch(c)
    b_counts = await _counts(b)
    assert await c.count_rows("job") == len(origin_jobs) <= b_counts[0]
    assert await c.count_rows("organization") == len(origin_members)

    # Loops: B reads its own network back from A (A -> B -> A seen from B) and from C
    # (B -> A -> C -> B); A reads it back from C. Nothing is created anywhere.
    await _subscribe(b, a.url, format_, "Innocence Network")
    await _subscribe(b, c.url, format_, "European Innocence Network")
    await _fetch(b)
    assert await _counts(b) == b_counts
    a_counts = (await Job.all().count(), await Organization.all().count())
    await _subscribe_here(c.url, format_, "European Innocence Network")
    assert (await run_pass(a.settings)).errors == 0
    assert (await Job.all().count(), await Organization.all().count()) == a_counts
