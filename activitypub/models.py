"""ActivityPub tables: actor keys, followers, the delivery queue, remote keys, blocked domains
and what has been published of each job."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ActorKey(Model):
    """The RSA key pair of one actor, the private key encrypted with the site secret key."""

    id = fields.IntField(primary_key=True)
    actor = fields.CharField(max_length=80, unique=True)
    public_pem = fields.TextField()
    private_encrypted = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ap_actor_key"


class Follower(Model):
    """A remote actor that follows one of ours, and where to deliver to it."""

    id = fields.IntField(primary_key=True)
    actor = fields.CharField(max_length=80, db_index=True)
    follower_id = fields.CharField(max_length=1000)
    inbox = fields.CharField(max_length=1000)
    shared_inbox = fields.CharField(max_length=1000, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ap_follower"
        unique_together = (("actor", "follower_id"),)


class Delivery(Model):
    """One activity to POST to one inbox: a work queue item (see core.work_queue)."""

    id = fields.IntField(primary_key=True)
    actor = fields.CharField(max_length=80)
    inbox = fields.CharField(max_length=1000, db_index=True)
    activity = fields.TextField()
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True, db_index=True)
    gave_up_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ap_delivery"


class RemoteKey(Model):
    """The public key of a remote actor, cached after it was fetched to check a signature."""

    id = fields.IntField(primary_key=True)
    key_id = fields.CharField(max_length=1000, unique=True)
    owner = fields.CharField(max_length=1000)
    public_pem = fields.TextField()
    fetched_at = fields.DatetimeField()

    class Meta:
        table = "ap_remote_key"


class BlockedDomain(Model):
    """A server whose deliveries we refuse and to which we send nothing."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=253, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ap_blocked_domain"


class PublishedJob(Model):
    """What followers were last sent of one job: the fingerprint of its Note, or that it was
    deleted. Comparing it with the jobs data tells which Create/Update/Delete is due."""

    id = fields.IntField(primary_key=True)
    job_id = fields.IntField(unique=True)
    fingerprint = fields.CharField(max_length=64)
    deleted = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "ap_published_job"
