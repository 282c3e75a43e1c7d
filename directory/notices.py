"""The e-mail the membership workflow sends, queued in the transaction of the change that
causes it (an approval and its mail commit together or not at all)."""

from __future__ import annotations

from core.i18n import gettext as _
from core.i18n import in_language, lazy_gettext
from core.settings import Settings
from directory.models import Organization, Role
from directory.verification import reachable_accounts
from mail.outbox import enqueue_unless_turned_off

# The notices an account may turn off on its mail preferences page (all on by default).
# Mail that a person asked for or that protects the account (password reset, invitations)
# is not among them.
APPLICATION_RECEIVED = "application_received"
APPLICATION_DECISION = "application_decision"
JOB_REVIEW = "job_review"
JOB_APPROVED = "job_approve"
JOB_EXPIRED = "job_expire"
JOB_CLOSING = "job_closing"
FEED_FAILING = "feed_failing"
MAIL_KINDS = {
    APPLICATION_RECEIVED: lazy_gettext("A new membership application (administrators)"),
    JOB_REVIEW: lazy_gettext("A job waiting for review (administrators)"),
    FEED_FAILING: lazy_gettext("A subscribed feed started failing (administrators)"),
    APPLICATION_DECISION: lazy_gettext("My organization's application approved or declined"),
    JOB_APPROVED: lazy_gettext("A job I posted approved"),
    JOB_CLOSING: lazy_gettext("A job I posted closes within 7 days"),
    JOB_EXPIRED: lazy_gettext("A job I posted expired"),
}


def _urls(settings: Settings):
    # directory.routes imports the views that import this module: read the map when used.
    from directory.routes import directory_urls

    return directory_urls(settings.base_url)


async def tell_administrators_of_application(settings: Settings, organization: Organization):
    """To every active administrator: an application waits for review."""
    values = {
        "organization": organization.name,
        "network": settings.network_name,
        "link": _urls(settings).url("directory:admin_organization", slug=organization.slug),
    }
    for email, language in await reachable_accounts(role=Role.ADMIN).values_list(
        "email", "language"
    ):
        with in_language(language):
            subject = _("New membership application: %(organization)s") % values
            body = (
                _(
                    "%(organization)s applied to join the %(network)s directory.\n\n"
                    "Review: %(link)s\n"
                )
                % values
            )
        await enqueue_unless_turned_off(settings, APPLICATION_RECEIVED, email, subject, body)


async def tell_applicant_of_decision(
    settings: Settings, organization: Organization, approved: bool, reason: str
) -> None:
    """To the organization's owners: their application was approved, or declined and why."""
    values = {
        "organization": organization.name,
        "network": settings.network_name,
        "reason": reason,
        "link": _urls(settings).url("directory:sign_in"),
    }
    for email, language in await reachable_accounts(
        organization_id=organization.id, role=Role.OWNER
    ).values_list("email", "language"):
        with in_language(language):
            subject, body = _decision_mail(approved)
        await enqueue_unless_turned_off(
            settings, APPLICATION_DECISION, email, subject % values, body % values
        )


def _decision_mail(approved: bool) -> tuple[str, str]:
    """The decision's subject and body templates, in the current language."""
    if approved:
        return _("%(organization)s is now a member of %(network)s"), _(
            "Your application was approved: %(organization)s is listed in the %(network)s "
            "directory and can post jobs.\n\nSign in: %(link)s\n"
        )
    return _("Your application for %(organization)s was declined"), _(
        "Your application to the %(network)s directory was declined.\n\nReason: "
        "%(reason)s\n\nSign in to read it again: %(link)s\n"
    )
