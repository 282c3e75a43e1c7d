"""One member is one organization across instances: the directory feed and the job feeds
name a member by the same URL (its real page), so importing both makes no duplicate, and
reading back one's own members (A -> B -> A, or one's own directory) creates nothing."""

from __future__ import annotations

from directory.models import Organization, OrganizationKind
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.models import Job
from tests.helpers_feeds import make_organization
from tests.test_federation_instances import _fetch, sisters  # noqa: F401


async def test_a_sister_directory_and_its_jobs_make_one_organization_per_member(
    live_server,
    sisters,  # noqa: F811  (the fixture imported above)
    api,
):
    b = sisters["B"]
    members = (await api.get(f"{b.url}/api/organizations", params={"per_page": 100})).json()
    pages = {member["url"] for member in members["items"]}
    assert len(pages) == members["total"] > 10
    # The jobs first: their organizations are made from a name and a page, and the
    # directory feed then completes those same records rather than adding its own.
    for path, kind in (("/federation/jobs.atom", "jobs"), ("/directory/feed.atom", "directory")):
        await FeedSubscription.create(
            url=f"{b.url}{path}", name="Red Inocente", network="Red Inocente", kind=kind
        )
        summary = await run_pass(live_server.settings)
        assert summary.errors == 0 and summary.imported > 0
    copies = await Organization.filter(origin_id__startswith=b.url)
    directory = f"{b.url}/directory/feed.atom"
    assert all(copy.country and copy.source_feed_url == directory for copy in copies)
    # Every member once, named by its page on B (/orgs/{slug}, a page that answers).
    assert sorted(copy.origin_id for copy in copies) == sorted(pages)
    assert (await api.get(copies[0].origin_id)).status_code == 200
    jobs = await Job.filter(source_feed_url=f"{b.url}/federation/jobs.atom").prefetch_related(
        "organization"
    )
    assert jobs and {job.organization.origin_id for job in jobs} <= pages


async def test_reading_back_ones_own_members_creates_nothing(
    live_server,
    sisters,  # noqa: F811
):
    own = await make_organization("own-member", name="Proyecto Propio de Prueba")
    assert own.kind != OrganizationKind.NETWORK
    b = sisters["B"]
    # B copies A's directory, then A reads B's directory (which now lists A's member too).
    code, output = await b.command(
        "peers", "add", f"{live_server.url}/directory/feed.atom", "--kind", "directory"
    )
    assert code == 0, output
    await _fetch(b)
    await FeedSubscription.create(
        url=f"{b.url}/directory/feed.atom", name="B", network="B", kind="directory"
    )
    await FeedSubscription.create(
        url=f"{live_server.url}/directory/feed.atom", name="A", network="A", kind="directory"
    )
    before = await Organization.filter(origin_id=None).count()
    await run_pass(live_server.settings)
    assert await Organization.filter(origin_id__startswith=live_server.url).count() == 0
    assert await Organization.filter(origin_id=None).count() == before
    assert await Organization.filter(name=own.name).count() == 1
