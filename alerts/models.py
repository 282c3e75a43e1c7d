"""Alerts and the jobs each has sent."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class AlertState(StrEnum):
    UNCONFIRMED = "unconfirmed"  # waiting for the confirmation link: nothing is sent
    ACTIVE = "active"
    PAUSED = "paused"  # its mail bounced permanently


class Alert(Model):
    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=320, db_index=True)
    # The saved search as query-string parameters (jobs.search.params.job_query_to_params).
    query = fields.CharField(max_length=2000)
    frequency = fields.CharEnumField(Frequency, max_length=10)
    language = fields.CharField(max_length=8)
    state = fields.CharEnumField(AlertState, max_length=12, default=AlertState.UNCONFIRMED)
    confirm_token_hash = fields.CharField(max_length=64, null=True, unique=True)
    confirm_expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Jobs posted before this are not news to the subscriber.
    since = fields.DatetimeField(null=True)
    next_run_at = fields.DatetimeField(null=True, db_index=True)
    # The outbox row of the last alert mail, to notice a permanent bounce.
    last_mail_id = fields.BigIntField(null=True)
    # The lease of the process running this alert (core.work_queue), so no two run it at once.
    claimed_until = fields.DatetimeField(null=True)
    # Which run holds the lease (a run claims a batch of alerts in one statement).
    claimed_by = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "alerts_alert"


class AlertSentJob(Model):
    """A job an alert has mailed: never mailed by that alert again."""

    id = fields.BigIntField(primary_key=True)
    alert: fields.ForeignKeyRelation[Alert] = fields.ForeignKeyField(
        "alerts.Alert", related_name="sent_jobs", on_delete=fields.CASCADE
    )
    job_id = fields.IntField()

    class Meta:
        table = "alerts_sent_job"
        unique_together = (("alert", "job_id"),)
