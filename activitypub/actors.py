"""Our actors and the documents that describe them: the network, and each active member.

Actors are `Organization`s: Mastodon shows Organization actors as ordinary accounts that can
be followed, and the word says what they are (a Group would invite replies to be boosted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core.settings import Settings
from core.urls import Urls
from directory.models import Organization, OrganizationStatus, organization_page_url

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"


@dataclass(frozen=True)
class Actor:
    name: str  # preferredUsername, the part before @ in the handle
    display_name: str
    summary: str
    page_url: str
    icon_url: str = ""


def network_username(settings: Settings) -> str:
    return re.sub(r"[^a-z0-9]+", "-", settings.network_name.lower()).strip("-") or "network"


def handle_host(settings: Settings) -> str:
    """The host part of our handles: the base URL's host with its port if it has one."""
    return urlsplit(settings.base_url).netloc


def network_actor(settings: Settings, urls: Urls) -> Actor:
    return Actor(
        network_username(settings),
        settings.network_name,
        settings.network_name,
        urls.url("directory:home"),
    )


def organization_actor(organization: Organization, urls: Urls) -> Actor:
    return Actor(
        organization.slug,
        organization.name,
        organization.description,
        organization_page_url(urls, organization.slug),
        organization.logo_url,
    )


async def find_actor(name: str, settings: Settings, urls: Urls) -> Actor | None:
    """The actor with this preferredUsername, or None."""
    if name == network_username(settings):
        return network_actor(settings, urls)
    organization = await Organization.get_or_none(slug=name, status=OrganizationStatus.ACTIVE)
    return organization_actor(organization, urls) if organization else None


def page_actor_name(route: str, params: dict[str, Any], settings: Settings) -> str | None:
    """The actor that the page of this route stands for (the home page: the network; an
    organization's page: that member), or None."""
    if route == "directory:organization":
        return params["slug"]
    return network_username(settings) if route == "directory:home" else None


def actor_id(urls: Urls, name: str) -> str:
    return urls.url("activitypub:actor", name=name)


def key_id(urls: Urls, name: str) -> str:
    return actor_id(urls, name) + "#main-key"


def actor_document(actor: Actor, public_pem: str, urls: Urls) -> dict[str, Any]:
    own = actor_id(urls, actor.name)
    document: dict[str, Any] = {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT],
        "id": own,
        "type": "Organization",
        "preferredUsername": actor.name,
        "name": actor.display_name,
        "summary": actor.summary,
        "url": actor.page_url,
        "inbox": urls.url("activitypub:inbox", name=actor.name),
        "outbox": urls.url("activitypub:outbox", name=actor.name),
        "followers": urls.url("activitypub:followers", name=actor.name),
        "following": urls.url("activitypub:following", name=actor.name),
        "endpoints": {"sharedInbox": urls.url("activitypub:shared_inbox")},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": {"id": key_id(urls, actor.name), "owner": own, "publicKeyPem": public_pem},
    }
    if actor.icon_url:
        document["icon"] = {"type": "Image", "url": actor.icon_url}
    return document


def webfinger_document(actor: Actor, settings: Settings, urls: Urls) -> dict[str, Any]:
    return {
        "subject": f"acct:{actor.name}@{handle_host(settings)}",
        "aliases": [actor_id(urls, actor.name), actor.page_url],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor_id(urls, actor.name)},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": actor.page_url,
            },
        ],
    }
