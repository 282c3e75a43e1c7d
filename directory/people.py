"""The people who act for an organization: owners remove editors, administrators suspend and
reinstate accounts. Each change ends the account's sessions and is recorded in the
organization's history (the account's e-mail as the reason, so it survives a removal)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from directory import audit
from directory.audit import Actor
from directory.auth import end_all_sessions
from directory.membership import TransitionRefused
from directory.models import Account, Organization, Role

ACCOUNT_ACTIONS = {"suspend": False, "reinstate": True}


async def remove_editor(organization: Organization, editor: Account, owner: Account) -> None:
    """The editor's account is deleted: its sessions end, its e-mail may be invited again,
    and the jobs it posted stay with the organization."""
    if editor.organization_id != organization.id or editor.role != Role.EDITOR:
        raise TransitionRefused(_("Only editors of your own organization can be removed."))
    async with in_transaction():
        await audit.record(
            Actor.person(owner),
            "remove_editor",
            "organization",
            organization.id,
            reason=editor.email,
        )
        await editor.delete()


async def set_account_active(account: Account, action: str, admin: Account) -> None:
    """suspend / reinstate one person's account; suspending ends their sessions at once."""
    active = ACCOUNT_ACTIONS[action]
    if account.organization_id is None:
        raise TransitionRefused(_("Administrators' accounts are not suspended here."))
    if account.active == active:
        raise TransitionRefused(
            _("This account is already active.") if active else _("This account is suspended.")
        )
    organization = await Organization.get(id=account.organization_id)
    labels = {True: "active", False: "suspended"}
    async with in_transaction():
        changed = await Account.filter(id=account.id, active=not active).update(active=active)
        if not changed:
            raise TransitionRefused(_("Someone else changed this account first."))
        await audit.record(
            Actor.person(admin),
            f"{action}_account",
            "organization",
            organization.id,
            from_state=labels[not active],
            to_state=labels[active],
            reason=account.email,
        )
    await end_all_sessions(account)
