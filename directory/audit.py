"""The audit trail: who did what to which record, when, and from which state to which.

Every state change that matters (membership decisions, job actions, a feed closing an
imported job) is written by record() alone, so each entry carries the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.models import Account, ApiToken, AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a person, an API token, a feed, or the system clock."""

    label: str
    account: Account | None = None

    @classmethod
    def person(cls, account: Account) -> Actor:
        return cls(label=account.email, account=account)

    @classmethod
    def api_token(cls, token: ApiToken) -> Actor:
        return cls(label=f"api-token:{token.prefix} {token.name}"[:254])

    @classmethod
    def feed(cls, url: str) -> Actor:
        return cls(label=f"feed:{url}"[:254])


SYSTEM = Actor(label="system")


async def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: int,
    *,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
) -> AuditEvent:
    """One entry in the trail; call it inside the transaction that makes the change."""
    return await AuditEvent.create(
        actor=actor.account,
        actor_label=actor.label,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


async def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    """A record's entries, newest first."""
    return await AuditEvent.filter(subject_type=subject_type, subject_id=subject_id)
