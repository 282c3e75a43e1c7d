"""The e-mail the aggregator sends: to administrators, a subscribed feed that started failing.

Sent once per failing spell: when a healthy feed's poll fails, not at every failed poll after
that; a feed that recovers and fails again is a new spell and is told again. The outbox's
once-key (subscription and the success the spell follows) keeps it to one mail even if two
processes record the same transition.
"""

from __future__ import annotations

from core.i18n import gettext as _
from core.i18n import in_language
from core.settings import Settings
from core.urls import Urls
from directory.models import Role
from directory.notices import FEED_FAILING
from directory.verification import reachable_accounts
from feeds.models import FeedSubscription
from mail.outbox import enqueue_unless_turned_off


def _urls(settings: Settings) -> Urls:
    # feeds.routes imports the pages that import the aggregator: read the map when used.
    from feeds.routes import routes

    return Urls(routes, settings.base_url)


def failing_spell_key(subscription: FeedSubscription) -> str:
    """One key per failing spell: the spell follows the last success (or none yet)."""
    since = subscription.last_success_at.isoformat() if subscription.last_success_at else "never"
    return f"feed_failing:{subscription.id}:{since}"


async def tell_administrators_of_failing_feed(
    settings: Settings, subscription: FeedSubscription, error: str
) -> None:
    """To every active administrator: this healthy feed's poll just failed, and why."""
    values = {
        "name": subscription.name or subscription.url,
        "url": subscription.url,
        "error": error[:500],
        "link": _urls(settings).url("feeds:admin_feeds"),
    }
    key = failing_spell_key(subscription)
    administrators = reachable_accounts(role=Role.ADMIN).values_list("id", "email", "language")
    for account_id, email, language in await administrators:
        with in_language(language):
            subject = _("A subscribed feed started failing: %(name)s") % values
            body = (
                _(
                    "The feed %(url)s could not be imported.\n\nReason: %(error)s\n\n"
                    "It is retried on its schedule; you hear again only if it recovers and "
                    "fails again.\n\nSubscriptions: %(link)s\n"
                )
                % values
            )
        await enqueue_unless_turned_off(
            settings, FEED_FAILING, email, subject, body, once_key=f"{key}:{account_id}"
        )
