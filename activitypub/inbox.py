"""What arrives in our inboxes: signed Follow and Undo{Follow}; anything else is ignored.

A delivery changes something only when its HTTP signature verifies with the sender's key,
fetched from the sender's actor through core.outbound (public addresses only), cached, and
fetched again once when a cached key no longer verifies (the sender rotated it)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from activitypub import delivery
from activitypub.actors import ACTIVITY_JSON, AS_CONTEXT, Actor, actor_id
from activitypub.models import BlockedDomain, Follower, RemoteKey
from activitypub.signatures import SignatureError, check_request, verify
from core.outbound import OutboundError, outbound_client
from core.settings import Settings
from core.urls import Urls

MAX_ACTOR_BYTES = 256 * 1024


class InboxRefused(Exception):
    """The delivery is refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def fetch_json(url: str, settings: Settings) -> dict[str, Any]:
    async with outbound_client(settings) as client:
        response = await client.get(url, headers={"Accept": ACTIVITY_JSON})
    if not response.is_success or len(response.content) > MAX_ACTOR_BYTES:
        raise InboxRefused(401, f"the sender's actor could not be fetched ({url})")
    document = response.json()
    if not isinstance(document, dict):
        raise InboxRefused(401, "the sender's actor is not a JSON object")
    return document


async def _fetch_key(key_id: str, settings: Settings) -> RemoteKey:
    try:
        document = await fetch_json(key_id, settings)
    except (OutboundError, httpx.HTTPError, ValueError) as error:
        raise InboxRefused(401, f"the signing key could not be fetched: {error}") from None
    key = document.get("publicKey", document)
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict) and k.get("id") == key_id), {})
    pem, owner = key.get("publicKeyPem"), key.get("owner") or document.get("id")
    if not isinstance(pem, str) or not isinstance(owner, str):
        raise InboxRefused(401, "the sender's actor has no public key")
    found, _created = await RemoteKey.update_or_create(
        key_id=key_id,
        defaults={"owner": owner, "public_pem": pem, "fetched_at": datetime.now(UTC)},
    )
    return found


async def verified_sender(
    method: str, path: str, headers: dict[str, str], body: bytes, settings: Settings
) -> str:
    """The id of the actor that signed this request; InboxRefused when it is not signed so."""
    ours = urlsplit(settings.base_url)  # RFC 9421 signs the whole URL the sender posted to
    origin = f"{ours.scheme}://{ours.netloc}"
    try:
        params = check_request(method, path, headers, body, datetime.now(UTC), origin)
    except SignatureError as error:
        raise InboxRefused(401, str(error)) from None
    key_id = params["keyId"]
    if await is_blocked(key_id):
        raise InboxRefused(403, "deliveries from this server are refused")
    cached = await RemoteKey.get_or_none(key_id=key_id)
    if cached is not None and verify(params, cached.public_pem):
        return cached.owner
    fresh = await _fetch_key(key_id, settings)
    if not verify(params, fresh.public_pem):
        raise InboxRefused(401, "the signature does not verify")
    return fresh.owner


async def is_blocked(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    parts = host.split(".")
    candidates = {".".join(parts[i:]) for i in range(len(parts))}
    return await BlockedDomain.filter(domain__in=candidates).exists()


async def receive(
    actor: Actor, activity: dict[str, Any], sender: str, settings: Settings, urls: Urls
) -> None:
    """Act on one verified activity addressed to `actor`."""
    if activity.get("actor") != sender:
        raise InboxRefused(401, "the activity's actor is not the signer")
    kind = activity.get("type")
    own = actor_id(urls, actor.name)
    if kind == "Follow" and _object_id(activity) == own:
        await _accept_follow(actor, activity, sender, settings, urls)
    elif kind == "Undo" and isinstance(activity.get("object"), dict):
        undone = activity["object"]
        if undone.get("type") == "Follow" and _object_id(undone) == own:
            await Follower.filter(actor=actor.name, follower_id=sender).delete()


def _object_id(activity: dict[str, Any]) -> str | None:
    target = activity.get("object")
    return target.get("id") if isinstance(target, dict) else target


async def _accept_follow(
    actor: Actor, follow: dict[str, Any], sender: str, settings: Settings, urls: Urls
) -> None:
    try:
        remote = await fetch_json(sender, settings)
    except (OutboundError, httpx.HTTPError, ValueError) as error:
        raise InboxRefused(400, f"the follower's actor could not be fetched: {error}") from None
    inbox = remote.get("inbox")
    endpoints = remote.get("endpoints")
    shared = endpoints.get("sharedInbox", "") if isinstance(endpoints, dict) else ""
    if not isinstance(inbox, str):
        raise InboxRefused(400, "the follower's actor has no inbox")
    await Follower.update_or_create(
        actor=actor.name,
        follower_id=sender,
        defaults={"inbox": inbox, "shared_inbox": shared if isinstance(shared, str) else ""},
    )
    own = actor_id(urls, actor.name)
    accept = {
        "@context": AS_CONTEXT,
        "id": f"{own}#accepts/{hashlib.sha256(json.dumps(follow, sort_keys=True).encode()).hexdigest()}",
        "type": "Accept",
        "actor": own,
        "object": follow,
    }
    # The Accept goes to the follower's own inbox, not the shared one: it is addressed to it.
    await delivery.enqueue(actor.name, [inbox], accept)
