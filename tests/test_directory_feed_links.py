"""A sister's directory feed names each member's screening and parent organization as every
feed names an organization; the import links the local copies of those, whether the named
one is listed before or after, or is one of this instance's own members, and unlinks what
the feed stops naming."""

from __future__ import annotations

from xml.sax.saxutils import escape

from directory.models import Organization, organization_page_url
from directory.routes import directory_urls
from feeds.aggregate.passes import run_pass
from feeds.models import SubscriptionKind
from tests.helpers_federation import ServedFeed, atom_entry, atom_feed, make_due, subscribe
from tests.helpers_feeds import make_organization
from tests.helpers_hostile_servers import raw_server

SISTER = "https://sister.example.org/orgs"


def member(slug: str, *, screening: str = "", parent: str = "") -> str:
    """A directory entry for the sister's member `slug`, naming the links given."""
    links = "".join(
        f'<{name} xmlns="urn:amicus:feeds:1">{escape(target)}</{name}>'
        for name, target in (("screeningOrganization", screening), ("parentOrganization", parent))
        if target
    )
    entry = atom_entry(f"{SISTER}/{slug}", slug.title(), link=f"{SISTER}/{slug}")
    return entry.replace("</entry>", f"{links}</entry>")


async def test_directory_links_point_at_the_local_copies_and_follow_the_feed(live_server):
    own = await make_organization("home-clinic", name="Home Clinic")
    own_page = organization_page_url(directory_urls(live_server.settings.base_url), own.slug)
    served = ServedFeed(
        atom_feed(
            # The screening organization is listed after the member it screens.
            member("member", screening=f"{SISTER}/screener", parent=own_page),
            member("screener", parent=f"{SISTER}/nobody-here"),
        )
    )
    async with raw_server({"/directory.atom": served}) as server:
        subscription = await subscribe(
            f"{server.url}/directory.atom", kind=SubscriptionKind.DIRECTORY
        )
        assert (await run_pass(live_server.settings)).errors == 0
        copy = await Organization.get(origin_id=f"{SISTER}/member")
        screener = await Organization.get(origin_id=f"{SISTER}/screener")
        assert copy.screening_organization_id == screener.id
        assert copy.parent_organization_id == own.id
        # A name that nothing here answers to links nothing.
        assert screener.parent_organization_id is None

        served.body = atom_feed(member("member", parent=own_page), member("screener"))
        await make_due(subscription)
        summary = await run_pass(live_server.settings)
    assert summary.errors == 0 and summary.imported == 1
    copy = await Organization.get(origin_id=f"{SISTER}/member")
    assert (copy.screening_organization_id, copy.parent_organization_id) == (None, own.id)


async def test_the_directory_feed_names_links_only_to_public_members(api):
    screener = await make_organization("screener", name="Screening Desk")
    hidden = await make_organization("hidden", name="Hidden Parent", status="suspended")
    await make_organization(
        "screened",
        name="Screened Member",
        screening_organization=screener,
        parent_organization=hidden,
    )
    feed = (await api.get("/directory/feed.atom")).text
    assert "<amicus:screeningOrganization>http://" in feed and "/orgs/screener<" in feed
    assert "/orgs/hidden" not in feed and "parentOrganization" not in feed
