"""The outbox: one row per e-mail, written in the transaction of the change that causes it."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MailState(StrEnum):
    PENDING = "pending"  # waiting for (another) delivery attempt
    SENT = "sent"  # accepted by the mail server
    FAILED = "failed"  # refused for good (5xx) or out of attempts


class OutboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=40)  # e.g. "invitation", "password_reset"
    recipient = fields.CharField(max_length=320)
    subject = fields.CharField(max_length=300)
    text_body = fields.TextField()
    html_body = fields.TextField(default="")
    # Set for mail a recipient can stop (RFC 8058 one-click unsubscribe URL).
    unsubscribe_url = fields.CharField(max_length=1000, default="")
    # A notice meant to go once (e.g. "job 12 closes on 5 May"): a second enqueue is dropped.
    once_key = fields.CharField(max_length=200, null=True, unique=True)
    # Chosen at enqueue time, so a message delivered twice after a crash carries one id.
    message_id = fields.CharField(max_length=200, unique=True)
    state = fields.CharEnumField(MailState, max_length=10, default=MailState.PENDING)
    created_at = fields.DatetimeField(auto_now_add=True)
    next_attempt_at = fields.DatetimeField(db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, default="")
    # The SMTP reply code of a permanent refusal (5xx), so senders can react to bounces.
    failure_code = fields.IntField(null=True)

    class Meta:
        table = "mail_outbox"
        indexes = (("state", "next_attempt_at"),)


class MailOptOut(Model):
    """A kind of mail a recipient turned off (their account's mail preferences)."""

    id = fields.BigIntField(primary_key=True)
    recipient = fields.CharField(max_length=320)
    kind = fields.CharField(max_length=40)

    class Meta:
        table = "mail_opt_out"
        unique_together = (("recipient", "kind"),)
