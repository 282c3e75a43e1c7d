"""ActivityPub: discovery, actors, and the inbox's Follow/Undo with HTTP signatures, against
a remote follower served on loopback by the test."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.models import BlockedDomain, Delivery, Follower, RemoteKey
from activitypub.signatures import check_request, signed_headers, verify
from app import create_app
from jobs.models import JobStatus
from tests import helpers_feeds as feed_helpers
from tests.conftest import LiveServer, free_socket, start_server, stop_server
from tests.helpers_activitypub import amicus_process
from tests.helpers_directory import make_admin, make_organization, sign_in

ACTIVITY = "application/activity+json"
XRD = "http://docs.oasis-open.org/ns/xri/xrd-1.0"


@dataclass
class RemotePeer:
    """A follower on another server: its actor, key and inbox."""

    url: str
    key: rsa.RSAPrivateKey
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def actor_id(self) -> str:
        return f"{self.url}/users/alice"

    @property
    def key_id(self) -> str:
        return f"{self.actor_id}#main-key"

    def app(self) -> Starlette:
        public_pem = (
            self.key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

        async def actor(request: Request) -> Response:
            return JSONResponse(
                {
                    "id": self.actor_id,
                    "type": "Person",
                    "inbox": f"{self.actor_id}/inbox",
                    "endpoints": {"sharedInbox": f"{self.url}/inbox"},
                    "publicKey": {
                        "id": self.key_id,
                        "owner": self.actor_id,
                        "publicKeyPem": public_pem,
                    },
                },
                media_type=ACTIVITY,
            )

        async def inbox(request: Request) -> Response:
            headers = {name.lower(): value for name, value in request.headers.items()}
            self.received.append((headers | {"path": request.url.path}, await request.body()))
            return Response(status_code=202)

        return Starlette(
            routes=[
                Route("/users/alice", actor),
                Route("/users/alice/inbox", inbox, methods=["POST"]),
                Route("/inbox", inbox, methods=["POST"]),
            ]
        )

    async def post(self, url: str, activity: dict[str, Any], tamper: bool = False):
        body = json.dumps(activity).encode()
        headers = signed_headers(url, body, self.key_id, self.key)
        if tamper:
            body = body.replace(b"Follow", b"Block")
        headers["Content-Type"] = ACTIVITY
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(url, content=body, headers=headers)


@pytest.fixture
async def peer() -> AsyncIterator[RemotePeer]:
    sock = free_socket()
    port = sock.getsockname()[1]
    remote = RemotePeer(
        f"http://127.0.0.1:{port}", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    config = uvicorn.Config(remote.app(), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    yield remote
    server.should_exit = True
    await task
    sock.close()


async def _actor_url(live_server: LiveServer, name: str) -> str:
    host = live_server.url.split("://", 1)[1]
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        found = await client.get(
            "/.well-known/webfinger", params={"resource": f"acct:{name}@{host}"}
        )
    assert found.status_code == 200, found.text
    return next(link["href"] for link in found.json()["links"] if link["rel"] == "self")


async def _wait_for(condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never came true")


async def test_webfinger_and_actor_documents_describe_network_and_members(live_server):
    await make_organization("ohio-innocence-project", name="Ohio Innocence Project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    async with httpx.AsyncClient() as client:
        actor = (await client.get(actor_url, headers={"Accept": ACTIVITY})).json()
        network = (await client.get(await _actor_url(live_server, "innocence-network"))).json()
        links = (await client.get(f"{live_server.url}/.well-known/nodeinfo")).json()
        nodeinfo = (await client.get(links["links"][0]["href"])).json()
        unknown = await client.get(
            f"{live_server.url}/.well-known/webfinger", params={"resource": "acct:nobody@x"}
        )
    assert actor["type"] == "Organization"
    assert actor["preferredUsername"] == "ohio-innocence-project"
    assert actor["name"] == "Ohio Innocence Project"
    assert actor["publicKey"]["owner"] == actor["id"]
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    assert actor["endpoints"]["sharedInbox"].endswith("/ap/inbox")
    assert network["name"] == live_server.settings.network_name
    assert network["publicKey"]["publicKeyPem"] != actor["publicKey"]["publicKeyPem"]
    assert nodeinfo["version"] == "2.1" and nodeinfo["protocols"] == ["activitypub"]
    assert unknown.status_code == 400


async def test_host_meta_leads_to_webfinger_in_xml_and_json(live_server):
    await make_organization("ohio-innocence-project")
    host = live_server.url.split("://", 1)[1]
    handle = f"acct:ohio-innocence-project@{host}"
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        xrd = await client.get("/.well-known/host-meta")
        jrd = await client.get("/.well-known/host-meta.json")
        [link] = ElementTree.fromstring(xrd.content).iter(f"{{{XRD}}}Link")
        assert link.get("rel") == "lrdd"
        assert jrd.json()["links"][0]["template"] == link.get("template")
        found = await client.get(link.get("template").replace("{uri}", quote(handle, safe="")))
    assert xrd.headers["content-type"].startswith("application/xrd+xml")
    assert found.status_code == 200 and found.json()["subject"] == handle


MASTODON_ACCEPT = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams", '
    "text/html;q=0.1"
)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    "accept",
    [
        ACTIVITY,
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        MASTODON_ACCEPT,
    ],
)
async def test_the_home_and_member_pages_lead_fediverse_clients_to_their_actors(
    live_server, accept
):
    organization = await make_organization("ohio-innocence-project")
    urls = live_server.app.state.urls
    pages = {
        urls.url("directory:home"): await _actor_url(live_server, "innocence-network"),
        organization.page_url(urls): await _actor_url(live_server, "ohio-innocence-project"),
    }
    async with httpx.AsyncClient() as client:
        for page, actor_url in pages.items():
            answer = await client.get(page, headers={"Accept": accept})
            assert answer.status_code == 303 and answer.headers["location"] == actor_url
            assert "accept" in answer.headers["vary"].lower()
            followed = await client.get(page, headers={"Accept": accept}, follow_redirects=True)
            assert followed.json()["id"] == actor_url


async def test_pages_for_browsers_name_their_actor_and_vary_on_accept(live_server):
    organization = await make_organization("ohio-innocence-project")
    urls = live_server.app.state.urls
    network_url = await _actor_url(live_server, "innocence-network")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    async with httpx.AsyncClient() as client:
        home = await client.get(urls.url("directory:home"), headers={"Accept": BROWSER_ACCEPT})
        page = await client.get(organization.page_url(urls), headers={"Accept": BROWSER_ACCEPT})
        jobs = await client.get(urls.url("jobs:search"), headers={"Accept": ACTIVITY})
    for answer, actor in ((home, network_url), (page, actor_url)):
        assert answer.status_code == 200
        assert f'<link rel="alternate" type="{ACTIVITY}" href="{actor}"' in answer.text
        vary = {token.strip().lower() for token in answer.headers["vary"].split(",")}
        assert {"accept", "accept-language", "cookie"} <= vary
    # Only the pages that stand for an actor are negotiated.
    assert jobs.status_code == 200 and "text/html" in jobs.headers["content-type"]


async def test_fedify_looks_up_an_organization_by_its_page_url(live_server, fedify_peer):
    organization = await make_organization("ohio-innocence-project")
    page = organization.page_url(live_server.app.state.urls)
    async with httpx.AsyncClient(timeout=60) as client:
        found = await client.post(f"{fedify_peer}/control/lookup", params={"url": page})
    assert found.json() == {
        "id": await _actor_url(live_server, "ohio-innocence-project"),
        "type": "Organization",
    }


async def test_the_outbox_pages_every_visible_job_newest_first(live_server):
    organization = await make_organization("paged-clinic", name="Paged Clinic")
    uids = [  # created oldest first
        (await feed_helpers.make_job(organization, f"Investigator {n:02d}")).uid for n in range(25)
    ]
    await feed_helpers.make_job(organization, "Closed one", status=JobStatus.CLOSED)
    actor_url = await _actor_url(live_server, "paged-clinic")
    async with httpx.AsyncClient() as client:
        actor = (await client.get(actor_url, headers={"Accept": ACTIVITY})).json()
        collection = (await client.get(actor["outbox"])).json()
        first = (await client.get(collection["first"])).json()
        second = (await client.get(first["next"])).json()
        past = await client.get(actor["outbox"], params={"page": "3"})
        bad = await client.get(actor["outbox"], params={"page": "x"})
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 25
    assert collection["last"] == first["next"] == second["id"]
    assert first["type"] == "OrderedCollectionPage" and first["partOf"] == collection["id"]
    assert "next" not in second and second["prev"] == first["id"]
    shown = [item["object"]["id"] for item in first["orderedItems"] + second["orderedItems"]]
    assert [note.rsplit("/", 1)[-1] for note in shown] == uids[::-1]
    assert (past.status_code, bad.status_code) == (404, 400)


async def test_signed_follow_is_accepted_with_a_signed_accept_and_undo_removes_it(
    live_server, peer
):
    await make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    follow = {"id": f"{peer.actor_id}#follow-1", "type": "Follow", "actor": peer.actor_id}
    follow["object"] = actor_url
    answer = await peer.post(f"{actor_url}/inbox", follow)
    assert answer.status_code == 202, answer.text
    follower = await Follower.get(actor="ohio-innocence-project")
    assert follower.follower_id == peer.actor_id
    assert follower.shared_inbox == f"{peer.url}/inbox"

    await _wait_for(lambda: asyncio.sleep(0, bool(peer.received)))
    headers, body = peer.received[0]
    accept = json.loads(body)
    assert headers["path"] == "/users/alice/inbox"
    assert accept["type"] == "Accept" and accept["object"]["id"] == follow["id"]
    async with httpx.AsyncClient() as client:
        our_key = (await client.get(actor_url)).json()["publicKey"]["publicKeyPem"]
    params = check_request("post", headers["path"], headers, body, _now())
    assert params["keyId"] == f"{actor_url}#main-key"
    assert verify(params, our_key)

    undo = {"id": f"{peer.actor_id}#undo-1", "type": "Undo", "actor": peer.actor_id}
    undo["object"] = follow
    answer = await peer.post(f"{live_server.url}/ap/inbox", undo)
    assert answer.status_code == 202, answer.text
    assert not await Follower.filter(actor="ohio-innocence-project").exists()


async def test_tampered_or_unsigned_follow_changes_nothing(live_server, peer):
    await make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    follow = {"id": f"{peer.actor_id}#f", "type": "Follow", "actor": peer.actor_id}
    follow["object"] = actor_url
    tampered = await peer.post(f"{actor_url}/inbox", follow, tamper=True)
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(f"{actor_url}/inbox", json=follow)
    assert tampered.status_code == 401 and "Digest" in tampered.json()["error"]
    assert unsigned.status_code == 401
    assert not await Follower.exists()


async def test_a_rotated_remote_key_is_fetched_again_once(live_server, peer):
    await make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stale = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    await RemoteKey.create(
        key_id=peer.key_id, owner=peer.actor_id, public_pem=stale.decode(), fetched_at=_now()
    )
    follow = {"id": f"{peer.actor_id}#f", "type": "Follow", "actor": peer.actor_id}
    follow["object"] = actor_url
    answer = await peer.post(f"{actor_url}/inbox", follow)
    assert answer.status_code == 202, answer.text
    assert (await RemoteKey.get(key_id=peer.key_id)).public_pem != stale.decode()


async def test_activitypub_off_serves_no_actor(settings):
    sock = free_socket()
    port = sock.getsockname()[1]
    off = settings.with_changes(activitypub_enabled=False, base_url=f"http://127.0.0.1:{port}")
    assert create_app(off) is not None
    server, task = await start_server(off, sock)
    try:
        async with httpx.AsyncClient(base_url=off.base_url) as client:
            answer = await client.get("/ap/actors/innocence-network")
            webfinger = await client.get("/.well-known/nodeinfo")
    finally:
        await stop_server(server, task)
        sock.close()
    assert answer.status_code == 404 and webfinger.status_code == 404


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _follow(peer: RemotePeer, actor_url: str) -> None:
    follow = {"id": f"{peer.actor_id}#follow-{actor_url}", "type": "Follow"}
    follow |= {"actor": peer.actor_id, "object": actor_url}
    answer = await peer.post(f"{actor_url}/inbox", follow)
    assert answer.status_code == 202, answer.text


def _received(peer: RemotePeer, kind: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """The activities of this type received, with their headers (and raw body, "body")."""
    found = [(headers | {"body": body}, json.loads(body)) for headers, body in peer.received]
    return [(headers, activity) for headers, activity in found if activity["type"] == kind]


async def _wait_received(peer: RemotePeer, kind: str, count: int) -> None:
    async def enough() -> bool:
        return len(_received(peer, kind)) >= count

    await _wait_for(enough)


async def test_publish_edit_and_close_send_create_update_delete_to_the_shared_inbox(
    live_server, peer
):
    organization = await feed_helpers.make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    network_url = await _actor_url(live_server, "innocence-network")
    await _follow(peer, actor_url)
    await _follow(peer, network_url)
    await _wait_received(peer, "Accept", 2)

    job = await feed_helpers.make_job(organization, title="Staff Attorney")
    await _wait_received(peer, "Create", 2)
    creates = _received(peer, "Create")
    assert {headers["path"] for headers, _ in creates} == {"/inbox"}
    assert {activity["actor"] for _, activity in creates} == {actor_url, network_url}
    headers, create = next(item for item in creates if item[1]["actor"] == actor_url)
    note = create["object"]
    assert note["type"] == "Note" and "Staff Attorney" in note["content"]
    assert note["attributedTo"] == actor_url
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert note["attachment"][0]["identifier"]["value"] == job.uid
    assert {tag["name"] for tag in note["tag"]} == {"#jobs", "#attorney"}
    async with httpx.AsyncClient() as client:
        key = (await client.get(create["actor"])).json()["publicKey"]["publicKeyPem"]
        fetched = (await client.get(note["id"])).json()
    signed = check_request("post", "/inbox", headers, headers["body"], _now())
    assert verify(signed, key)
    assert fetched["id"] == note["id"]

    job.title = "Senior Staff Attorney"
    await job.save()
    await _wait_received(peer, "Update", 2)
    assert "Senior Staff Attorney" in _received(peer, "Update")[0][1]["object"]["content"]
    assert len(_received(peer, "Create")) == 2  # an edit is never announced as new

    await feed_helpers.end_job(job, JobStatus.CLOSED)
    await _wait_received(peer, "Delete", 2)
    deleted = _received(peer, "Delete")[0][1]["object"]
    assert deleted == {"id": note["id"], "type": "Tombstone"}
    async with httpx.AsyncClient() as client:
        assert (await client.get(note["id"])).status_code == 404


PEER_FOLDER = Path(__file__).parent / "fediverse_peer"


@pytest.fixture
async def fedify_peer() -> AsyncIterator[str]:
    """The Fedify follower (tests/fediverse_peer, installed by `make install`) on loopback."""
    if not (PEER_FOLDER / "node_modules" / "@fedify" / "fedify").exists() or not shutil.which(
        "node"
    ):
        if os.environ.get("CI") == "true":
            pytest.fail("the Fedify peer is not installed (make install runs npm ci)")
        pytest.skip("the Fedify peer is not installed: run make install (needs node and npm)")
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    process = await asyncio.create_subprocess_exec(
        "node", "peer.mjs", str(port), cwd=PEER_FOLDER, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert line.strip() == b"ready"
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    await process.wait()


async def _peer_received(peer_url: str, kind: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def enough() -> bool:
        nonlocal found
        async with httpx.AsyncClient() as client:
            every = (await client.get(f"{peer_url}/control/received")).json()
        found = [item for item in every if item["type"] == kind]
        return len(found) >= count

    await _wait_for(enough, 30)
    return found


async def test_fedify_follower_is_accepted_and_receives_create_update_delete(
    live_server, fedify_peer
):
    organization = await feed_helpers.make_organization("ohio-innocence-project")
    page = organization.page_url(live_server.app.state.urls)
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.post(f"{fedify_peer}/control/follow", params={"resource": page})
    assert answer.status_code == 200, answer.text
    actor_url = answer.json()["actor"]
    accepted = await _peer_received(fedify_peer, "Accept", 1)
    assert accepted[0]["actor"] == actor_url
    assert await Follower.filter(actor="ohio-innocence-project").count() == 1

    job = await feed_helpers.make_job(organization, title="Staff Attorney")
    created = await _peer_received(fedify_peer, "Create", 1)
    assert created[0]["actor"] == actor_url and "Staff Attorney" in created[0]["content"]

    job.title = "Senior Staff Attorney"
    await job.save()
    updated = await _peer_received(fedify_peer, "Update", 1)
    assert "Senior Staff Attorney" in updated[0]["content"]

    await feed_helpers.end_job(job, JobStatus.CLOSED)
    deleted = await _peer_received(fedify_peer, "Delete", 1)
    assert deleted[0]["object"] == created[0]["object"]


async def _fedify_post(peer_url: str, actor_url: str, activity: str, spec: str, tamper: str):
    """Have the Fedify peer sign (with its own signRequest) and post a Follow or Undo."""
    params = {"actor": actor_url, "activity": activity, "spec": spec, "tamper": tamper}
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.post(f"{peer_url}/control/post", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


TAMPERINGS = ("body", "digest", "key")


@pytest.mark.parametrize("spec", ["draft-cavage-http-signatures-12", "rfc9421"])
async def test_fedify_signed_follow_and_undo_are_accepted_and_tampered_ones_change_nothing(
    live_server, fedify_peer, spec
):
    await make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    for tamper in TAMPERINGS:
        refused = await _fedify_post(fedify_peer, actor_url, "follow", spec, tamper)
        assert refused["status"] == 401, (tamper, refused)
    assert not await Follower.exists()
    assert not await Delivery.exists()  # not even an Accept queued

    accepted = await _fedify_post(fedify_peer, actor_url, "follow", spec, "none")
    assert accepted["status"] == 202, accepted
    follower = await Follower.get(actor="ohio-innocence-project")
    assert follower.follower_id == f"{fedify_peer}/users/alice"
    assert (await _peer_received(fedify_peer, "Accept", 1))[0]["actor"] == actor_url

    for tamper in TAMPERINGS:
        refused = await _fedify_post(fedify_peer, actor_url, "undo", spec, tamper)
        assert refused["status"] == 401, (tamper, refused)
    assert await Follower.filter(actor="ohio-innocence-project").count() == 1

    undone = await _fedify_post(fedify_peer, actor_url, "undo", spec, "none")
    assert undone["status"] == 202, undone
    assert not await Follower.exists()


async def test_a_rotated_key_is_announced_by_update_and_signs_what_follows(
    live_server, peer, fedify_peer
):
    organization = await feed_helpers.make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    await _follow(peer, actor_url)
    page = organization.page_url(live_server.app.state.urls)
    async with httpx.AsyncClient(timeout=60) as client:
        followed = await client.post(f"{fedify_peer}/control/follow", params={"resource": page})
        assert followed.status_code == 200, followed.text
        await _peer_received(fedify_peer, "Accept", 1)  # Fedify has our old key now
        old_key = (await client.get(actor_url)).json()["publicKey"]["publicKeyPem"]

    rotation = await amicus_process(
        live_server.settings, "activitypub", "rotate-key", "ohio-innocence-project"
    )
    output, _ = await rotation.communicate()
    assert rotation.returncode == 0, output
    unknown = await amicus_process(live_server.settings, "activitypub", "rotate-key", "nobody")
    assert await unknown.wait() == 1

    async with httpx.AsyncClient() as client:
        new_key = (await client.get(actor_url)).json()["publicKey"]["publicKeyPem"]
    assert new_key != old_key
    # Fedify took the Update only once its signature verified: it fetched the new key.
    [updated] = await _peer_received(fedify_peer, "Update", 1)
    assert updated["object"] == actor_url
    await _wait_received(peer, "Update", 1)
    [(headers, update)] = _received(peer, "Update")
    assert update["object"]["publicKey"]["publicKeyPem"] == new_key
    signed = check_request("post", headers["path"], headers, headers["body"], _now())
    assert verify(signed, new_key) and not verify(signed, old_key)

    await feed_helpers.make_job(organization, title="Staff Attorney")
    [created] = await _peer_received(fedify_peer, "Create", 1)
    assert "Staff Attorney" in created["content"]


async def test_admin_blocks_a_domain_and_its_deliveries_are_refused(live_server, peer, browser):
    await make_organization("ohio-innocence-project")
    actor_url = await _actor_url(live_server, "ohio-innocence-project")
    await Follower.create(
        actor="ohio-innocence-project",
        follower_id="https://spam.example/u/1",
        inbox="https://spam.example/u/1/inbox",
    )
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    page = await browser.get("/admin/fediverse")
    assert page.status_code == 200 and "ohio-innocence-project" in page.text
    # Every administration page's menu leads here (the directory's menu, filled by packages).
    overview = await browser.get("/admin")
    assert 'href="/admin/fediverse"' in overview.text
    assert 'href="/admin/jobs"' in overview.text and 'href="/admin/feeds"' in overview.text
    bad = await browser.submit(
        "/admin/fediverse/blocks", {"domain": "not a domain"}, form_page="/admin/fediverse"
    )
    assert bad.status_code == 422
    done = await browser.submit(
        "/admin/fediverse/blocks", {"domain": "spam.example"}, form_page="/admin/fediverse"
    )
    assert done.status_code in (200, 303)
    assert not await Follower.filter(follower_id="https://spam.example/u/1").exists()
    # A block on the peer's own host (stored directly: the form takes names, not addresses).
    await BlockedDomain.create(domain="127.0.0.1")
    follow = {"id": f"{peer.actor_id}#f", "type": "Follow", "actor": peer.actor_id}
    follow["object"] = actor_url
    answer = await peer.post(f"{actor_url}/inbox", follow)
    assert answer.status_code == 403
    assert not await Follower.filter(follower_id=peer.actor_id).exists()
