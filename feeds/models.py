"""Feed state shared by every process: the WebSub hub's work and the feed subscriptions."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class HubMode(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"


class HubIntent(Model):
    """A subscribe or unsubscribe request waiting for the verification of intent."""

    id = fields.IntField(primary_key=True)
    mode = fields.CharEnumField(HubMode, max_length=12)
    topic = fields.CharField(max_length=2000)
    callback = fields.CharField(max_length=2000)
    secret = fields.CharField(max_length=200, default="")
    lease_seconds = fields.IntField()
    # A worker that takes the intent sets this; another may take it over once it passes.
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "hub_intent"
        ordering = ["id"]


class HubSubscription(Model):
    """A verified subscription: the topic content is pushed to the callback until expiry."""

    id = fields.IntField(primary_key=True)
    # sha256 of topic and callback: the pair is unique, and too long for a portable index.
    key = fields.CharField(max_length=64, unique=True)
    topic = fields.CharField(max_length=2000)
    callback = fields.CharField(max_length=2000)
    secret = fields.CharField(max_length=200, default="")
    lease_seconds = fields.IntField()
    expires_at = fields.DatetimeField(db_index=True)
    # The ETag of the content the subscriber has; a different rendering means "deliver".
    delivered_etag = fields.CharField(max_length=100, default="")
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "hub_subscription"
        ordering = ["id"]


class HubDelivery(Model):
    """A queued content distribution, rendered when it is sent so that it is current."""

    id = fields.IntField(primary_key=True)
    subscription: fields.OneToOneRelation[HubSubscription] = fields.OneToOneField(
        "feeds.HubSubscription", related_name="delivery", on_delete=fields.CASCADE
    )
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "hub_delivery"
        ordering = ["next_attempt_at", "id"]


# --- aggregation: the feeds this instance imports -------------------------------------------


class SubscriptionKind(StrEnum):
    JOBS = "jobs"
    DIRECTORY = "directory"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    # Gone for good (410) or switched off by an administrator.
    DISABLED = "disabled"


class FeedSubscription(Model):
    """A feed imported by the aggregator, with what its last fetches saw (its health)."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=1000, unique=True)
    site_url = fields.CharField(max_length=1000, default="")
    name = fields.CharField(max_length=200, default="")
    network = fields.CharField(max_length=200, default="")
    kind = fields.CharEnumField(SubscriptionKind, max_length=16, default=SubscriptionKind.JOBS)
    status = fields.CharEnumField(
        SubscriptionStatus, max_length=20, default=SubscriptionStatus.ACTIVE, db_index=True
    )
    # A member's own feed (Organization.jobs_feed_url, approved by an administrator): its
    # jobs are imported under that organization.
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "directory.Organization",
        related_name="feed_subscriptions",
        null=True,
        on_delete=fields.CASCADE,
    )
    etag = fields.CharField(max_length=500, default="")
    last_modified = fields.CharField(max_length=100, default="")
    body_hash = fields.CharField(max_length=64, default="")
    next_poll_at = fields.DatetimeField(null=True, db_index=True)
    # The database lease: one process at a time fetches a feed (see feeds.aggregate.passes).
    lease_owner = fields.CharField(max_length=100, default="")
    lease_until = fields.DatetimeField(null=True)
    last_fetched_at = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)
    consecutive_failures = fields.IntField(default=0)
    # Why the last fetch or import failed; "" once one succeeds.
    last_error = fields.TextField(default="")
    # What was wrong in the document parsed last (entries skipped, dates clamped...): kept
    # until a new parse replaces it, so a 304 or a failed fetch leaves it standing.
    parse_warnings = fields.TextField(default="")
    items_imported_total = fields.IntField(default=0)
    items_imported_last = fields.IntField(default=0)
    hub_url = fields.CharField(max_length=1000, default="")
    hub_secret = fields.CharField(max_length=200, default="")
    hub_lease_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "feed_subscription"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or self.url
