"""Replacing an actor's key pair and telling its followers (`amicus activitypub rotate-key`).

From the rotation on, every delivery is signed with the new key (the delivery workers look
the key up by its row). Followers' servers get an `Update` of the actor carrying the new
public key; one that misses it fetches the actor again when a signature stops verifying
with the key it cached, as every fediverse server does."""

from __future__ import annotations

from activitypub import delivery, keys
from activitypub.actors import (
    AS_CONTEXT,
    PUBLIC,
    SECURITY_CONTEXT,
    actor_document,
    actor_id,
    find_actor,
)
from core.settings import Settings
from core.urls import Urls


class UnknownActor(Exception):
    """There is no actor of this name (not the network, nor an active member)."""


async def rotate_key(name: str, settings: Settings, urls: Urls) -> int:
    """Give the actor a new key pair and queue an Update of it to its followers; the number
    of inboxes it is queued for."""
    actor = await find_actor(name, settings, urls)
    if actor is None:
        raise UnknownActor(name)
    key = await keys.rotate(name, settings.secret_key)
    own = actor_id(urls, name)
    update = {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT],
        "id": f"{own}#key-rotations/{key.id}",
        "type": "Update",
        "actor": own,
        "to": [PUBLIC],
        "cc": [urls.url("activitypub:followers", name=name)],
        "object": actor_document(actor, key.public_pem, urls),
    }
    return await delivery.enqueue(name, await delivery.follower_inboxes(name), update)
