"""Subscriptions: what the aggregator imports, added only once the address proves to be a feed.

Adding checks the address the way the aggregator will use it (http(s), public addresses only
unless the setting allows others, reachable, a feed) and follows a web page's
`<link rel="alternate">` to its feed. Any failure is a ValidationError on the `url` field and
nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.settings import Settings
from core.validation import ValidationError
from directory.models import Organization, OrganizationStatus
from feeds.aggregate.fetch import fetch_feed
from feeds.aggregate.importer import plain_words
from feeds.aggregate.parse import parse_feed_async
from feeds.aggregate.parsed import ParsedFeed
from feeds.aggregate.sanitize import clean_text
from feeds.models import FeedSubscription, SubscriptionKind, SubscriptionStatus

# A page may announce several feeds (comments, categories); the first few are tried.
MAX_ALTERNATES = 3


@dataclass
class FoundFeed:
    url: str
    feed: ParsedFeed


def _invalid(message: str) -> ValidationError:
    return ValidationError({"url": message})


def _check_address(url: str) -> str:
    url = clean_text(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _invalid(_("This is not a valid web address.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(_("Give an address starting with http:// or https://."))
    if len(url) > 1000:
        raise _invalid(_("The address is too long (at most 1000 characters)."))
    return url


async def _read(settings: Settings, url: str) -> tuple[str, ParsedFeed]:
    result = await fetch_feed(settings, url)
    if not result.ok:
        raise _invalid(result.error)
    assert result.body is not None
    address = result.permanent_redirect or url
    return address, await parse_feed_async(
        result.body, result.final_url or url, result.content_type
    )


async def find_feed(settings: Settings, url: str) -> FoundFeed:
    """The feed at `url`, or the feed the page at `url` links to (ValidationError if none)."""
    address, parsed = await _read(settings, _check_address(url))
    if parsed.is_feed:
        return FoundFeed(address, parsed)
    for alternate in parsed.alternates[:MAX_ALTERNATES]:
        try:
            found_address, found = await _read(settings, alternate)
        except ValidationError:
            continue
        if found.is_feed:
            return FoundFeed(found_address, found)
    problem = plain_words(parsed.problems) or _("This is not a feed.")
    raise _invalid(_("No feed found at this address: %(problem)s") % {"problem": problem})


async def add_subscription(
    settings: Settings,
    url: str,
    *,
    name: str = "",
    network: str = "",
    kind: SubscriptionKind = SubscriptionKind.JOBS,
    organization: Organization | None = None,
) -> FeedSubscription:
    """Subscribe to a feed after checking it is one; due for its first fetch at once."""
    found = await find_feed(settings, url)
    return await _create(found, name, network, kind, organization)


async def _create(
    found: FoundFeed,
    name: str,
    network: str,
    kind: SubscriptionKind,
    organization: Organization | None,
) -> FeedSubscription:
    if await FeedSubscription.exists(url=found.url):
        raise _invalid(_("This feed is already subscribed (%(url)s).") % {"url": found.url})
    return await FeedSubscription.create(
        url=found.url,
        site_url=_site_url(found.feed.link),
        name=clean_text(name)[:200] or clean_text(found.feed.title)[:200],
        network=clean_text(network)[:200],
        kind=kind,
        organization=organization,
        hub_url=found.feed.hub_url[:1000],
    )


def _site_url(link: str) -> str:
    try:
        parts = urlsplit(link)
    except ValueError:
        return ""
    return link[:1000] if parts.scheme in ("http", "https") and parts.netloc else ""


async def set_paused(subscription: FeedSubscription, paused: bool) -> FeedSubscription:
    """Pause, or resume (a disabled subscription too: an administrator may try it again)."""
    subscription.status = SubscriptionStatus.PAUSED if paused else SubscriptionStatus.ACTIVE
    if not paused:
        subscription.next_poll_at = None  # due at once
        subscription.consecutive_failures = 0
        # Read in full, not answered by a 304: the parse finds the hub again, so push that
        # ended with the pause is asked for anew.
        subscription.etag = subscription.last_modified = subscription.body_hash = ""
    await subscription.save()
    return subscription


async def remove_subscription(subscription: FeedSubscription) -> None:
    """Forget the subscription; the jobs it imported stay, attributed to their source."""
    await subscription.delete()


async def pending_member_feeds() -> list[Organization]:
    """Active members that gave a jobs feed of their own, not yet approved."""
    return await Organization.filter(
        status=OrganizationStatus.ACTIVE, jobs_feed_approved=False, origin_id=None
    ).exclude(jobs_feed_url="")


async def approve_member_feed(settings: Settings, organization: Organization) -> FeedSubscription:
    """Subscribe to a member's own feed; its jobs are imported under the organization."""
    if not organization.jobs_feed_url:
        raise _invalid(_("This organization has not given a jobs feed."))
    found = await find_feed(settings, organization.jobs_feed_url)
    async with in_transaction():
        subscription = await _create(
            found, organization.name, organization.network, SubscriptionKind.JOBS, organization
        )
        organization.jobs_feed_approved = True
        await organization.save(update_fields=["jobs_feed_approved", "updated_at"])
    return subscription
