"""Three Amicus instances federate: A in this process, B and C in processes of their own, each
with its own database. Jobs travel with every field, closing travels, and no path or loop
makes a second copy of a job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from lxml import etree

from directory.models import Organization
from directory.profile import EDITABLE_FIELDS, REFERRAL_FIELDS
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.lifecycle import SYSTEM, Action, perform
from jobs.models import Job
from tests.helpers_federation import SisterInstance, copy_database, drop_database
from tests.helpers_feeds import make_organization
from tests.helpers_jobs import make_job

ATOM = "{http://www.w3.org/2005/Atom}"
# What legitimately differs between an original and its copy: where it lives on each instance,
# and the moderation note, which is not published.
LOCAL_KEYS = {
    "slug",
    "url",
    "organization",
    "description",
    "updated_at",
    "status_changed_at",
    "status_reason",
}


@pytest.fixture
async def sisters(migrated_template: str, tmp_path) -> AsyncIterator[dict[str, SisterInstance]]:
    instances = {
        "B": SisterInstance(
            "B", await copy_database(migrated_template, tmp_path, "b"), "Red Inocente"
        ),
        "C": SisterInstance(
            "C", await copy_database(migrated_template, tmp_path, "c"), "European Innocence Network"
        ),
    }
    try:
        code, output = await instances["B"].command("demo")
        assert code == 0, output
        for instance in instances.values():
            await instance.start()
        yield instances
    finally:
        for instance in instances.values():
            await instance.stop()
            await drop_database(instance.database_url)


async def _peer(instance: SisterInstance, url: str, name: str) -> None:
    code, output = await instance.command("peers", "add", url, "--name", name, "--network", name)
    assert code == 0, output


async def _fetch(instance: SisterInstance) -> str:
    code, output = await instance.command("fetch", "--all")
    assert code == 0, output
    return output


async def _job(client: httpx.AsyncClient, base: str, uid: str) -> dict:
    response = await client.get(f"{base}/api/jobs/{uid}")
    assert response.status_code == 200, (base, response.text)
    return response.json()


async def _entry_ids(client: httpx.AsyncClient, base: str) -> list[str]:
    document = etree.fromstring((await client.get(f"{base}/federation/jobs.atom")).content)
    return [entry.findtext(f"{ATOM}id") for entry in document.iter(f"{ATOM}entry")]


async def test_jobs_travel_between_three_instances_intact_closed_and_never_twice(
    live_server, sisters
):
    a, b, c = live_server, sisters["B"], sisters["C"]
    settings = a.settings
    organization = await make_organization("federated-clinic", name="Federated Clinic")
    job = await make_job(organization, settings, title="Federation Counsel", salary_note="DOE")
    remote = await make_job(
        organization,
        settings,
        title="Remote Federation Investigator",
        work_mode="remote",
        country="",
        city="",
        region="",
        remote_countries=["US", "CA"],
        salary_min=None,
        salary_max=None,
        salary_currency="",
        salary_unit="",
        salary_note="Volunteer stipend only",
    )
    await _peer(b, f"{a.url}/federation/jobs.atom", "Innocence Network")
    await _peer(c, f"{a.url}/federation/jobs.atom", "Innocence Network")
    await _peer(c, f"{b.url}/federation/jobs.atom", "Red Inocente")
    await _fetch(b)
    await _fetch(c)

    async with httpx.AsyncClient(timeout=30) as client:
        for original in (job, remote):
            source = await _job(client, a.url, original.uid)
            for instance in (b, c):
                copy = await _job(client, instance.url, original.uid)
                for key, value in source.items():
                    if key not in LOCAL_KEYS:
                        assert copy[key] == value, (instance.name, key)
                assert copy["organization"]["name"] == "Federated Clinic"
                assert copy["source"]["origin_url"].endswith(f"/jobs/{original.slug}")
            page = await client.get(
                f"{c.url}/jobs/{(await _job(client, c.url, original.uid))['slug']}"
            )
            assert "via" in page.text
        # C reached A's jobs directly and through B: one copy each.
        c_ids = await _entry_ids(client, c.url)
        assert c_ids.count(job.uid) == 1 and c_ids.count(remote.uid) == 1
        b_before = sorted(await _entry_ids(client, b.url))
        assert b_before.count(job.uid) == 1

        # Loops: B imports C (which holds B's own jobs) and A imports B: nothing new.
        await _peer(b, f"{c.url}/federation/jobs.atom", "European Innocence Network")
        await _fetch(b)
        assert sorted(await _entry_ids(client, b.url)) == b_before
        jobs_on_a = await Job.all().count()
        await FeedSubscription.create(url=f"{b.url}/federation/jobs.atom", name="Red Inocente")
        summary = await run_pass(settings)
        assert summary.errors == 0
        b_own = [uid for uid in b_before if uid not in (job.uid, remote.uid)]
        assert await Job.all().count() == jobs_on_a + len(b_own)
        assert await Job.filter(uid=job.uid).count() == 1

        # Closing on A closes the copies on B and C.
        await perform(job, Action.CLOSE, SYSTEM, settings, now=datetime.now(UTC))
        await _fetch(b)
        await _fetch(c)
        for instance in (b, c):
            copy = await _job(client, instance.url, job.uid)
            assert copy["status"] == "closed", instance.name
            assert (await _job(client, instance.url, remote.uid))["status"] == "published"


async def test_a_sister_directory_is_imported_as_read_only_members_with_attribution(
    live_server, sisters, api
):
    b = sisters["B"]
    await FeedSubscription.create(
        url=f"{b.url}/directory/feed.atom",
        name="Red Inocente",
        network="Red Inocente",
        kind="directory",
    )
    summary = await run_pass(live_server.settings)
    assert summary.errors == 0 and summary.imported > 0
    members = await Organization.filter(source_feed_url=f"{b.url}/directory/feed.atom")
    assert len(members) == summary.imported
    assert all(member.is_federated and member.logo_url == "" for member in members)
    directory = await api.get("/directory", params={"network": members[0].network})
    assert directory.status_code == 200
    assert members[0].name in directory.text
    # A second pass over the unchanged directory changes nothing.
    await FeedSubscription.all().update(next_poll_at=None)
    again = await run_pass(live_server.settings)
    assert again.imported == 0


# Every field of a member's profile, as the API shows it; the logo alone is never copied (a
# federated record does not make visitors fetch remote images).
DIRECTORY_FIELDS = (
    *(name for name in EDITABLE_FIELDS if name != "logo_url"),
    "member_since",
    "network",
)


async def all_items(client: httpx.AsyncClient, url: str, **params: str) -> list[dict]:
    """Every item of a paged API list (/api/organizations, /api/jobs), page after page."""
    items, page = [], 1
    while True:
        response = await client.get(url, params={**params, "per_page": 100, "page": page})
        assert response.status_code == 200, response.text
        document = response.json()
        items += document["items"]
        if len(items) >= document["total"]:
            return items
        page += 1


async def _members(client: httpx.AsyncClient, base: str, **params: str) -> list[dict]:
    return await all_items(client, f"{base}/api/organizations", **params)


def profiles(members: list[dict]) -> dict[str, dict]:
    """Each member's directory fields by name, its screening and parent organizations by
    their names (their slugs and pages are each instance's own)."""
    return {
        member["name"]: {
            **{name: member[name] for name in DIRECTORY_FIELDS},
            **{name: (member[name] or {}).get("name") for name in REFERRAL_FIELDS},
        }
        for member in members
    }


async def link_members(instance: SisterInstance) -> None:
    """On the instance, the member listed first in its directory feed (the newest) gets the
    one listed last as its parent, and the last gets the first as its screening
    organization: each link points once forward and once back in the feed. The last also
    takes federal cases nationwide and state cases from Texas only."""
    newest = "(SELECT MAX(id) FROM organization WHERE status = 'active')"
    oldest = "(SELECT MIN(id) FROM organization WHERE status = 'active')"
    await instance.execute(
        f"UPDATE organization SET parent_organization_id = {oldest} WHERE id = {newest}"
    )
    await instance.execute(
        f"UPDATE organization SET screening_organization_id = {newest},"
        f" court_areas = ',federal:US,state:US-TX,' WHERE id = {oldest}"
    )


async def test_every_directory_field_survives_the_round_trip(live_server, sisters, api):
    """Each of B's members comes to A with every field as B has it, so that a filter finds on
    the copy what it finds on the origin (focus codes were rewritten: forensic_science came
    back forensic-science)."""
    b = sisters["B"]
    await link_members(b)
    await FeedSubscription.create(
        url=f"{b.url}/directory/feed.atom", name="Red Inocente", kind="directory"
    )
    assert (await run_pass(live_server.settings)).errors == 0
    async with httpx.AsyncClient() as client:
        origin = await _members(client, b.url)
        copies = await _members(client, live_server.url)  # A has no members of its own
        assert profiles(copies) == profiles(origin)
        linked = [m for m in origin if m["screening_organization"] or m["parent_organization"]]
        assert len(linked) == 2
        focus = next(code for member in origin for code in member["focus_areas"] if "_" in code)
        on_origin = await _members(client, b.url, focus=focus)
        on_copy = await _members(client, live_server.url, focus=focus)
    assert on_origin and sorted(m["name"] for m in on_copy) == sorted(m["name"] for m in on_origin)
