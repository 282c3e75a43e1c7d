"""Owners invite editors: a link valid for a week whose token is stored only as a hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.i18n import current_language
from core.i18n import gettext as _
from core.security import hash_password, new_secret, sha256_hex
from core.settings import Settings
from core.urls import Urls
from core.validation import Cleaner, ValidationError
from directory import throttle
from directory.accounts import check_password, ensure_email_is_free
from directory.models import Account, Invitation, Organization, Role
from directory.throttle import ACCEPT_INVITATION_PER_CLIENT, INVITE_PER_ACCOUNT, INVITE_PER_CLIENT
from mail.outbox import enqueue

INVITATION_LIFETIME = timedelta(days=7)


class InvitationUnusable(Exception):
    """The link is unknown, already used or expired; the message says which."""


async def invite_editor(
    organization: Organization,
    invited_by: Account,
    data: dict[str, Any],
    settings: Settings,
    urls: Urls,
    client: str,
) -> tuple[Invitation, str]:
    """The invitation and its link, which is e-mailed through the outbox. Throttled
    when the owner or the client has sent too many (each one is an e-mail to a stranger)."""
    cleaner = Cleaner(data)
    email = cleaner.email("email", required=True)
    await ensure_email_is_free(cleaner, email)
    cleaner.raise_if_invalid()
    await throttle.check((INVITE_PER_CLIENT, client), (INVITE_PER_ACCOUNT, str(invited_by.id)))
    token = new_secret(32)
    link = urls.url("directory:invitation", token=token)
    subject = _("Invitation to edit %(organization)s on Amicus") % {
        "organization": organization.name
    }
    body = _(
        "%(inviter)s invites you to keep the profile and job openings of %(organization)s "
        "current on the %(network)s directory.\n\nAccept within 7 days: %(link)s\n"
    ) % {
        "inviter": invited_by.display_name,
        "organization": organization.name,
        "network": settings.network_name,
        "link": link,
    }
    async with in_transaction():  # the invitation and its e-mail, or neither
        invitation = await Invitation.create(
            organization=organization,
            email=email,
            role=Role.EDITOR,
            token_hash=sha256_hex(token),
            invited_by=invited_by,
            expires_at=datetime.now(UTC) + INVITATION_LIFETIME,
        )
        await enqueue(settings, "invitation", email, subject, body)
    return invitation, link


async def usable_invitation(token: str) -> Invitation:
    invitation = await Invitation.get_or_none(token_hash=sha256_hex(token)).prefetch_related(
        "organization"
    )
    if invitation is None:
        raise InvitationUnusable(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationUnusable(_("This invitation has already been used."))
    if invitation.expires_at <= datetime.now(UTC):
        raise InvitationUnusable(
            _("This invitation has expired. Ask for a new one from your organization.")
        )
    return invitation


async def accept_invitation(invitation: Invitation, data: dict[str, Any], client: str) -> Account:
    """Creates the invited account and spends the invitation, both or neither."""
    cleaner = Cleaner(data)
    display_name = cleaner.line("display_name", max_length=100, required=True)
    password = check_password(cleaner, personal=(invitation.email, display_name))
    await ensure_email_is_free(cleaner, invitation.email, name="display_name")
    cleaner.raise_if_invalid()
    await throttle.check((ACCEPT_INVITATION_PER_CLIENT, client))
    # Hashed before the transaction, which must not hold the write lock that long.
    password_hash = await hash_password(password)
    try:
        async with in_transaction():
            spent = await Invitation.filter(id=invitation.id, accepted_at=None).update(
                accepted_at=datetime.now(UTC)
            )
            if not spent:
                raise InvitationUnusable(_("This invitation has already been used."))
            return await Account.create(
                email=invitation.email,
                password_hash=password_hash,
                display_name=display_name,
                organization_id=invitation.organization_id,
                role=invitation.role,
                language=current_language.get(),
                # The invitation's link was mailed to this address: following it proves it.
                email_verified_at=datetime.now(UTC),
            )
    except IntegrityError as error:
        raise ValidationError(
            {"display_name": _("An account with this e-mail address already exists.")}
        ) from error
