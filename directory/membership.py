"""The membership workflow: applications and the network's decisions on them.

Each decision is one conditional UPDATE (from the expected status) plus its audit record,
in one transaction, so two administrators acting at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.i18n import current_language
from core.i18n import gettext as _
from core.security import hash_password
from core.settings import Settings
from core.validation import Cleaner, ValidationError
from directory import audit, throttle
from directory.accounts import check_password
from directory.audit import Actor
from directory.auth import end_organization_sessions
from directory.models import Account, AuditEvent, Organization, OrganizationStatus, Role
from directory.notices import tell_administrators_of_application, tell_applicant_of_decision
from directory.profile import (
    available_slug,
    clean_profile,
    refuse_look_alike_names,
    slug_is_taken,
)
from directory.throttle import APPLY_PER_CLIENT, APPLY_PER_EMAIL
from directory.verification import send_verification

REASON_MAX = 2000


class TransitionRefused(Exception):
    """The organization is not in a state the action applies to (HTTP 409)."""


@dataclass(frozen=True)
class StatusChange:
    allowed_from: frozenset[OrganizationStatus]
    to: OrganizationStatus
    reason_required: bool = False


STATUS_CHANGES: dict[str, StatusChange] = {
    "approve": StatusChange(frozenset({OrganizationStatus.APPLIED}), OrganizationStatus.ACTIVE),
    "decline": StatusChange(
        frozenset({OrganizationStatus.APPLIED}), OrganizationStatus.DECLINED, reason_required=True
    ),
    "suspend": StatusChange(frozenset({OrganizationStatus.ACTIVE}), OrganizationStatus.SUSPENDED),
    "reinstate": StatusChange(frozenset({OrganizationStatus.SUSPENDED}), OrganizationStatus.ACTIVE),
}
TRUST_CHANGES = {"trust": True, "untrust": False}
ACTIONS = (*STATUS_CHANGES, *TRUST_CHANGES)


def available_actions(organization: Organization) -> list[str]:
    """The decisions an administrator can take on the organization as it is now."""
    actions = [
        name
        for name, change in STATUS_CHANGES.items()
        if organization.status in change.allowed_from
    ]
    if organization.status == OrganizationStatus.ACTIVE:
        actions.append("untrust" if organization.trusted else "trust")
    return actions


async def organization_history(organization: Organization) -> list[AuditEvent]:
    return await audit.history("organization", organization.id)


async def apply_for_membership(
    data: dict[str, Any], settings: Settings, client: str
) -> Organization | None:
    """Creates the organization (applied) and its owner account together, or neither.

    None when the e-mail address already has an account: the applicant is answered exactly
    as for a new application (the password is hashed all the same), so the form does not
    tell who is a member; application_for_existing_account tells the account's holder.
    Throttled when the client or the e-mail address has applied too often."""
    cleaner = Cleaner(data)
    profile = clean_profile(cleaner)
    slug = cleaner.slug("slug", required=False)
    applicant_name = cleaner.line("applicant_name", max_length=100, required=True)
    email = cleaner.email("email", required=True)
    password = check_password(cleaner, personal=(email, applicant_name, profile.get("name", "")))
    if slug and await slug_is_taken(slug):
        cleaner.fail("slug", _("Another organization already uses this address."))
    await refuse_look_alike_names(cleaner, profile)
    cleaner.raise_if_invalid()
    await throttle.check((APPLY_PER_CLIENT, client), (APPLY_PER_EMAIL, email))
    # Hashed before the transaction, which must not hold the write lock that long.
    password_hash = await hash_password(password)
    if await Account.filter(email=email).exists():
        return None
    try:
        async with in_transaction():
            organization = await Organization.create(
                **profile,
                slug=slug or await available_slug(profile["name"]),
                status=OrganizationStatus.APPLIED,
                network=settings.network_name,
            )
            account = await Account.create(
                email=email,
                password_hash=password_hash,
                display_name=applicant_name,
                organization=organization,
                role=Role.OWNER,
                language=current_language.get(),
            )
            await send_verification(account, email, settings)
            await audit.record(
                Actor.person(account),
                "apply",
                "organization",
                organization.id,
                to_state=OrganizationStatus.APPLIED.value,
            )
            await tell_administrators_of_application(settings, organization)
    except IntegrityError as error:
        # Someone took the e-mail or the slug between our checks and our insert.
        if await Account.filter(email=email).exists():
            return None
        taken = {"slug": _("Another organization already uses this address.")}
        raise ValidationError(taken) from error
    return organization


def application_for_existing_account(settings: Settings, email: str) -> tuple[str, str]:
    """The e-mail (subject, body) telling an account's holder that their address was used to
    apply: they may have forgotten they have an account."""
    # directory.routes imports the views that import this module: read the map when used.
    from directory.routes import directory_urls

    urls = directory_urls(settings.base_url)
    subject = _("An application with your e-mail address on Amicus")
    body = _(
        "Someone applied for membership of the %(network)s directory with %(email)s, which "
        "already has an account, so no application was made.\n\nIf it was you, sign in at "
        "%(sign_in)s or choose a new password at %(reset)s. If not, you can ignore this "
        "e-mail.\n"
    ) % {
        "network": settings.network_name,
        "email": email,
        "sign_in": urls.url("directory:sign_in"),
        "reset": urls.url("directory:password_reset_request"),
    }
    return subject, body


async def change_status(
    organization: Organization,
    action: str,
    actor: Account,
    reason: str = "",
    settings: Settings | None = None,
) -> Organization:
    """Applies approve/decline/suspend/reinstate; TransitionRefused when it does not apply.
    With the site's settings, an approval or a decline also e-mails the applicant, in the
    same transaction."""
    change = STATUS_CHANGES[action]
    cleaner = Cleaner({"reason": reason})
    reason = cleaner.text("reason", max_length=REASON_MAX, required=change.reason_required)
    cleaner.raise_if_invalid()
    if organization.status not in change.allowed_from:
        raise TransitionRefused(_refusal(organization, action))
    updates: dict[str, Any] = {"status": change.to, "status_reason": reason}
    if action == "approve":
        updates["member_since"] = organization.member_since or datetime.now(UTC).date()
    async with in_transaction():
        changed = await Organization.filter(id=organization.id, status=organization.status).update(
            **updates, updated_at=datetime.now(UTC)
        )
        if not changed:
            raise TransitionRefused(
                _("Someone else changed this organization's status first. Reload and try again.")
            )
        await audit.record(
            Actor.person(actor),
            action,
            "organization",
            organization.id,
            from_state=organization.status.value,
            to_state=change.to.value,
            reason=reason,
        )
        if change.to == OrganizationStatus.SUSPENDED:
            await end_organization_sessions(organization.id)
        if settings is not None and action in ("approve", "decline"):
            await tell_applicant_of_decision(settings, organization, action == "approve", reason)
    await organization.refresh_from_db()
    return organization


async def set_trusted(organization: Organization, action: str, actor: Account) -> Organization:
    """trust / untrust: trusted members publish without review under the default policy."""
    trusted = TRUST_CHANGES[action]
    if organization.status != OrganizationStatus.ACTIVE:
        raise TransitionRefused(_("Only active members can be trusted or untrusted."))
    if organization.trusted == trusted:
        raise TransitionRefused(
            _("This organization is already trusted.")
            if trusted
            else _("This organization is not trusted.")
        )
    labels = {True: "trusted", False: "untrusted"}
    async with in_transaction():
        changed = await Organization.filter(id=organization.id, trusted=not trusted).update(
            trusted=trusted, updated_at=datetime.now(UTC)
        )
        if not changed:
            raise TransitionRefused(_("Someone else changed this organization first."))
        await audit.record(
            Actor.person(actor),
            action,
            "organization",
            organization.id,
            from_state=labels[not trusted],
            to_state=labels[trusted],
        )
    await organization.refresh_from_db()
    return organization


async def decide(
    organization: Organization,
    action: str,
    actor: Account,
    reason: str = "",
    settings: Settings | None = None,
) -> Organization:
    """Any administrator action by name (see ACTIONS)."""
    if action in TRUST_CHANGES:
        return await set_trusted(organization, action, actor)
    return await change_status(organization, action, actor, reason, settings)


def _refusal(organization: Organization, action: str) -> str:
    messages = {
        "approve": _("Only applications awaiting review can be approved; this one is %(status)s."),
        "decline": _("Only applications awaiting review can be declined; this one is %(status)s."),
        "suspend": _("Only active members can be suspended; this organization is %(status)s."),
        "reinstate": _(
            "Only suspended members can be reinstated; this organization is %(status)s."
        ),
    }
    return messages[action] % {"status": status_label(organization.status)}


def status_label(status: OrganizationStatus) -> str:
    labels = {
        OrganizationStatus.APPLIED: _("awaiting review"),
        OrganizationStatus.ACTIVE: _("active"),
        OrganizationStatus.SUSPENDED: _("suspended"),
        OrganizationStatus.DECLINED: _("declined"),
        OrganizationStatus.LEFT: _("no longer a member"),
    }
    return labels[status]


def role_label(role: Role) -> str:
    labels = {Role.OWNER: _("owner"), Role.EDITOR: _("editor"), Role.ADMIN: _("administrator")}
    return labels[role]


def history_action_label(action: str) -> str:
    """An organization's history entry in words ("approve" -> "approved"); an action this
    list does not know yet is shown as stored rather than hidden."""
    labels = {
        "apply": _("applied"),
        "approve": _("approved"),
        "decline": _("declined"),
        "suspend": _("suspended"),
        "reinstate": _("reinstated"),
        "trust": _("trusted"),
        "untrust": _("no longer trusted"),
        "remove_editor": _("editor removed"),
        "suspend_account": _("account suspended"),
        "reinstate_account": _("account reinstated"),
    }
    return labels.get(action, action)


def history_state_label(state: str) -> str:
    """A state before or after a history entry: an organization's status, its trust, or
    an account's (see set_trusted and people.set_account_active)."""
    try:
        return status_label(OrganizationStatus(state))
    except ValueError:
        labels = {"trusted": _("trusted"), "untrusted": _("not trusted")}
        return labels.get(state, state)
