"""One aggregator pass: claim the due subscriptions, then fetch -> parse -> import -> schedule.

Several processes may run passes against one database at once (uvicorn workers, `amicus
fetch` from cron, machines sharing PostgreSQL). Each subscription is claimed with a lease: one
conditional UPDATE that succeeds only while the subscription is still due and no live lease
holds it, so the database decides which process fetches it, and a feed is fetched once per
interval. A process that dies leaves a lease that simply runs out.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
import re
import secrets
import socket
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.background import BackgroundWorker, lifetime_task, repeat
from core.i18n import DIAGNOSTICS_LANGUAGE, in_language
from core.i18n import gettext as _
from core.orm_internals import primary_key_column, to_db_value, update_sql
from core.outbound import Endpoint, OutboundClient, Timeouts, outbound_client
from core.settings import MAX_FETCHES_IN_FLIGHT, Settings
from directory.models import Organization
from feeds.aggregate.events import NO_LISTENERS, FeedEvents
from feeds.aggregate.fetch import FetchLimiter, FetchResult, fetch_feed
from feeds.aggregate.importer import ImportSummary, import_feed, plain_words
from feeds.aggregate.parse import parse_feed_async
from feeds.aggregate.schedule import next_poll
from feeds.models import FeedSubscription, SubscriptionStatus
from feeds.notices import tell_administrators_of_failing_feed
from jobs.models import Job

logger = logging.getLogger("amicus.aggregator")

# Longer than a fetch (20 s) plus a parse and an import of a 5 MiB feed, with room to spare.
LEASE = timedelta(minutes=5)
MAX_IN_FLIGHT = MAX_FETCHES_IN_FLIGHT
DEFAULT_PER_HOST = Settings.fetch_per_host
WORKER_PERIOD_SECONDS = 60
# Subscriptions claimed at once: all of them are done well within the lease.
BATCH = 200


@dataclass
class PassSummary:
    fetched: int = 0
    not_modified: int = 0
    imported: int = 0
    closed: int = 0
    errors: int = 0

    def text(self) -> str:
        return _(
            "Feeds fetched: %(fetched)s, not modified: %(not_modified)s, "
            "items imported: %(imported)s, jobs closed: %(closed)s, errors: %(errors)s."
        ) % {
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "imported": self.imported,
            "closed": self.closed,
            "errors": self.errors,
        }


def default_owner() -> str:
    # Unique per pass, so that two passes of one process never mistake each other's leases.
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:100]


def _due(now: datetime, every: bool = False) -> Q:
    active = Q(status=SubscriptionStatus.ACTIVE)
    if every:
        return active
    return active & (Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))


async def claim(
    ids: list[int], owner: str, now: datetime, every: bool = False
) -> list[FeedSubscription]:
    """Take the leases of those subscriptions that are still due and not leased by another
    process, in one statement; the subscriptions taken. The database serializes competing
    UPDATEs and re-checks the condition, so each subscription goes to exactly one owner."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    until = now + LEASE
    await FeedSubscription.filter(_due(now, every) & free, id__in=ids).update(
        lease_owner=owner, lease_until=until
    )
    return await FeedSubscription.filter(id__in=ids, lease_owner=owner, lease_until=until)


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]{1,40})", re.IGNORECASE)


def encoding_problem(body: bytes, content_type: str) -> str:
    """A UTF-8 document (as declared, or by default) that is not valid UTF-8: some parsers
    replace the bad bytes without a word, so the problem is named here for the health page."""
    declared = _CHARSET.search(content_type)
    found = _XML_ENCODING.match(body[:200])
    name = declared.group(1) if declared else found.group(1).decode() if found else "utf-8"
    try:
        if codecs.lookup(name).name != "utf-8":
            return ""
        body.decode("utf-8")
    except LookupError:
        return ""
    except UnicodeDecodeError as error:
        return _(
            "The feed is not valid UTF-8 (at byte %(position)s); unreadable characters were "
            "replaced."
        ) % {"position": error.start}
    return ""


def _record_fetch(
    subscription: FeedSubscription, result: FetchResult, now: datetime
) -> dict[str, object]:
    changes: dict[str, object] = {"last_fetched_at": now, "last_status": result.status}
    if result.permanent_redirect and result.permanent_redirect != subscription.url:
        changes["url"] = result.permanent_redirect[:1000]
    return changes


async def import_fetched(
    subscription: FeedSubscription,
    result: FetchResult,
    settings: Settings,
    now: datetime,
) -> tuple[ImportSummary | None, str, int | None, str]:
    """Parse and import a fetched body: the import summary (or None and the reason), the
    feed's RSS ttl, and its own address (rel="self") when it names a hub (push)."""
    assert result.body is not None
    parsed = await parse_feed_async(
        result.body, result.final_url or subscription.url, result.content_type
    )
    if not parsed.is_feed:
        return None, plain_words(parsed.problems) or _("This is not a feed."), None, ""
    try:
        summary = await import_feed(parsed, subscription, settings, now=now)
    except Exception as error:  # one feed's failure must not stop the pass; it is recorded
        logger.exception("importing %s failed", subscription.url)
        reason = _("The feed could not be imported (%(problem)s).") % {
            "problem": type(error).__name__
        }
        return None, reason, parsed.ttl_minutes, ""
    if parsed.hub_url:
        subscription.hub_url = parsed.hub_url[:1000]
    problem = encoding_problem(result.body, result.content_type)
    if problem:
        summary.problems.insert(0, problem)
    return summary, "", parsed.ttl_minutes, parsed.self_url if parsed.hub_url else ""


async def process(
    subscription: FeedSubscription,
    client: OutboundClient,
    settings: Settings,
    now: datetime,
    totals: PassSummary,
    timeouts: Timeouts = Timeouts(),
    events: FeedEvents = NO_LISTENERS,
) -> dict[str, object]:
    """Fetch, parse, import and schedule one claimed subscription: the changes to store."""
    result = await fetch_feed(
        client,
        subscription.url,
        etag=subscription.etag,
        last_modified=subscription.last_modified,
        previous_body_hash=subscription.body_hash,
        timeouts=timeouts,
    )
    changes = _record_fetch(subscription, result, now)
    error = result.error
    summary: ImportSummary | None = None
    ttl_minutes: int | None = None
    # The feed's own address for a WebSub subscription: from a fresh parse, or, unchanged, the
    # topic of a push subscription already verified (renewed when its lease nears its end).
    topic = subscription.url if subscription.hub_lease_until else ""
    if result.ok and result.not_modified:
        totals.not_modified += 1
    elif result.ok:
        totals.fetched += 1
        summary, error, ttl_minutes, topic = await import_fetched(
            subscription, result, settings, now
        )
    if result.ok and not error and topic:
        await events.hub_named(subscription, topic, client, settings, now)
    if error:
        totals.errors += 1
        failures = subscription.consecutive_failures + 1
        changes.update(consecutive_failures=failures, last_error=error[:2000])
    else:
        failures = 0
        changes.update(
            consecutive_failures=0,
            last_success_at=now,
            etag=result.etag[:500],
            last_modified=result.last_modified[:100],
            body_hash=result.body_hash,
            hub_url=subscription.hub_url,
        )
        changes["last_error"] = ""  # the failure recorded last, if any, is over
        if summary is not None:
            changes["parse_warnings"] = plain_words(summary.problems)[:2000]
        # Else unchanged since its last parse: the warnings recorded then still hold.
    if summary is not None:
        totals.imported += summary.imported
        totals.closed += summary.closed
        changes.update(
            items_imported_last=summary.imported,
            items_imported_total=subscription.items_imported_total + summary.imported,
        )
    gone = result.error_kind == "gone"
    changes["next_poll_at"] = next_poll(
        now,
        max_age_seconds=result.max_age_seconds,
        ttl_minutes=ttl_minutes,
        retry_after_seconds=result.retry_after_seconds,
        consecutive_failures=failures,
        gone=gone,
    )
    if gone:
        changes["status"] = SubscriptionStatus.DISABLED
    return changes


def _owned_update_sql(connection: BaseDBAsyncClient, fields: tuple[str, ...]) -> str:
    """UPDATE of these fields of one subscription, by id, while `lease_owner` is still ours;
    parameters: the fields' values, then the id, then the owner."""
    return update_sql(
        connection, FeedSubscription, fields, (primary_key_column(FeedSubscription), "lease_owner")
    )


async def _save(
    results: list[tuple[FeedSubscription, dict[str, object]]], owner: str, settings: Settings
) -> None:
    """Store what the fetches saw and release the leases, in one transaction (one commit, not
    one per feed). Only our leases: one that ran out and was taken by another process is
    theirs now. A healthy feed that failed this time (its fetch, its import, or its
    processing crashed) has its notice to administrators queued in the same transaction.

    Results that change the same fields share one parameterized UPDATE run over all their
    rows (executemany), so a pass of hundreds of unchanged feeds builds a statement or two
    rather than one per feed."""
    taken_urls = set(
        await FeedSubscription.filter(
            url__in=[changes["url"] for _s, changes in results if changes.get("url")] or [""]
        ).values_list("url", flat=True)
    )
    started_failing = [
        (subscription, str(changes["last_error"]))
        for subscription, changes in results
        if subscription.consecutive_failures == 0 and changes.get("consecutive_failures")
    ]
    released = {"lease_owner": "", "lease_until": None, "updated_at": datetime.now(UTC)}
    rows: defaultdict[tuple[str, ...], list[list[object]]] = defaultdict(list)
    moving: dict[int, tuple[str, str]] = {}
    for subscription, changes in results:
        if changes.get("url") in taken_urls:
            del changes["url"]  # another subscription already follows the new address
        elif changes.get("url"):
            new_url = str(changes["url"])
            taken_urls.add(new_url)  # and two of this batch cannot both move to it
            moving[subscription.id] = (subscription.url, new_url)
        changes.update(released)
        fields = tuple(sorted(changes))
        values = [to_db_value(FeedSubscription, field, changes[field]) for field in fields]
        rows[fields].append([*values, subscription.id, owner])
    async with in_transaction() as connection:
        for fields, values in rows.items():
            await connection.execute_many(_owned_update_sql(connection, fields), values)
        if moving:
            await _follow_moved_feeds(moving)
        for subscription, error in started_failing:
            await tell_administrators_of_failing_feed(settings, subscription, error)


async def _follow_moved_feeds(moving: dict[int, tuple[str, str]]) -> None:
    """A feed that moved for good (301, 308) keeps what it brought in: its jobs and members
    name it by its new address, so that it alone may still update and close them. Only the
    moves actually stored (the lease still ours) count."""
    moved = await FeedSubscription.filter(
        id__in=list(moving), url__in=[new for _old, new in moving.values()]
    ).values_list("id", flat=True)
    for subscription_id in moved:
        old, new = moving[subscription_id]
        await Job.filter(source_feed_url=old).update(source_feed_url=new)
        await Organization.filter(source_feed_url=old[:500]).update(source_feed_url=new[:500])
        # The organization a plain feed's jobs are filed under is known by the feed's address.
        if not await Organization.filter(origin_id=new[:500]).exists():
            await Organization.filter(origin_id=old[:500]).update(origin_id=new[:500])


async def _run_one(
    subscription: FeedSubscription,
    client: OutboundClient,
    limiter: FetchLimiter,
    settings: Settings,
    now: datetime,
    totals: PassSummary,
    timeouts: Timeouts,
    events: FeedEvents,
) -> tuple[FeedSubscription, dict[str, object]]:
    # A feed's health (last_error, parse_warnings) is written in one language, whatever
    # process runs the pass, so that the administration pages can say which it is.
    with in_language(DIAGNOSTICS_LANGUAGE):
        async with limiter.slot(subscription.url):
            try:
                return subscription, await process(
                    subscription, client, settings, now, totals, timeouts, events
                )
            except Exception as error:
                # Whatever broke (the database went away), the feed's turn ends with the reason.
                logger.exception("aggregating %s failed", subscription.url)
                totals.errors += 1
                reason = _("The feed could not be processed (%(problem)s).") % {
                    "problem": type(error).__name__
                }
                failures = subscription.consecutive_failures + 1
                return subscription, {
                    "last_fetched_at": now,
                    "consecutive_failures": failures,
                    "last_error": reason,
                    "next_poll_at": next_poll(now, consecutive_failures=failures),
                }


async def run_pass(
    settings: Settings,
    *,
    now: datetime | None = None,
    owner: str | None = None,
    per_host: int | None = None,
    total: int = MAX_IN_FLIGHT,
    every: bool = False,
    timeouts: Timeouts = Timeouts(),
    allowed_endpoints: Collection[Endpoint] = (),
    events: FeedEvents = NO_LISTENERS,
) -> PassSummary:
    """Process every due subscription once (every active one with `every`, an operator's
    "refresh now"); at most `total` fetches in flight, `per_host` (by default the
    AMICUS_FETCH_PER_HOST setting) to any one host.

    Subscriptions are claimed and stored in batches, so that a lease never waits long and a
    pass over thousands of feeds costs a few commits per batch rather than several per feed.
    allowed_endpoints: (host, port) pairs reachable even when private addresses are refused
    (a closed network's own feed server). events: who hears of hubs the feeds name."""
    moment = now or datetime.now(UTC)
    owner = owner or default_owner()
    totals = PassSummary()
    ids = (
        await FeedSubscription.filter(_due(moment, every))
        .order_by("next_poll_at", "id")
        .values_list("id", flat=True)
    )
    if not ids:
        return totals
    per_host = settings.fetch_per_host if per_host is None else per_host
    limiter = FetchLimiter(total=min(total, MAX_IN_FLIGHT), per_host=max(1, per_host))
    async with outbound_client(
        settings,
        timeouts=timeouts,
        max_connections=MAX_IN_FLIGHT,
        allowed_endpoints=allowed_endpoints,
    ) as client:
        for start in range(0, len(ids), BATCH):
            subscriptions = await claim(ids[start : start + BATCH], owner, moment, every)
            if not subscriptions:
                continue
            results = await asyncio.gather(
                *(
                    _run_one(s, client, limiter, settings, moment, totals, timeouts, events)
                    for s in subscriptions
                )
            )
            await _save(list(results), owner, settings)
    return totals


def aggregator_worker(settings: Settings, events: FeedEvents) -> BackgroundWorker:
    """A background worker for create_app: a pass every minute for the app's lifetime."""

    async def passes() -> None:
        await repeat(
            lambda: run_pass(settings, events=events),
            WORKER_PERIOD_SECONDS,
            logger,
            "an aggregator pass failed",
        )

    return lifetime_task(passes)
