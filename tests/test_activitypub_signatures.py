"""RFC 9421 signatures on inbox POSTs: what a signature must cover and when it was made.
(That Fedify's own RFC 9421 signatures verify, and tampered ones do not, is proven in
test_activitypub.py against the Fedify peer.)"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from activitypub.signatures import SignatureError, check_request, verify

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
ORIGIN = "https://amicus.example.org"
PATH = "/ap/inbox"
BODY = b'{"type": "Follow"}'
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _signed(components: list[str], created: datetime = NOW) -> dict[str, str]:
    """Headers of a POST signed as RFC 9421 describes, covering `components`."""
    headers = {
        "host": "amicus.example.org",
        "content-digest": f"sha-256=:{base64.b64encode(hashlib.sha256(BODY).digest()).decode()}:",
    }
    values = {
        "@method": "POST",
        "@target-uri": ORIGIN + PATH,
        "@authority": "amicus.example.org",
    } | headers
    inner = " ".join(f'"{name}"' for name in components)
    params = f'({inner});alg="rsa-v1_5-sha256";keyid="https://peer.example/k";created={int(created.timestamp())}'
    base = "\n".join(
        [*(f'"{name}": {values[name]}' for name in components), f'"@signature-params": {params}']
    )
    signature = KEY.sign(base.encode(), padding.PKCS1v15(), hashes.SHA256())
    return headers | {
        "signature-input": f"sig1={params}",
        "signature": f"sig1=:{base64.b64encode(signature).decode()}:",
    }


EVERYTHING = ["@method", "@target-uri", "@authority", "content-digest"]


def test_a_complete_rfc9421_signature_verifies_with_its_key():
    params = check_request("post", PATH, _signed(EVERYTHING), BODY, NOW, ORIGIN)
    assert params["keyId"] == "https://peer.example/k"
    assert verify(params, PUBLIC_PEM)


def test_a_signature_made_for_another_target_does_not_verify():
    params = check_request("post", "/ap/actors/x/inbox", _signed(EVERYTHING), BODY, NOW, ORIGIN)
    assert not verify(params, PUBLIC_PEM)


@pytest.mark.parametrize("left_out", EVERYTHING)
def test_a_signature_must_cover_method_target_authority_and_content_digest(left_out):
    headers = _signed([name for name in EVERYTHING if name != left_out])
    with pytest.raises(SignatureError, match=f"does not cover {left_out}"):
        check_request("post", PATH, headers, BODY, NOW, ORIGIN)


def test_a_signature_made_too_long_ago_is_refused():
    headers = _signed(EVERYTHING, created=NOW - timedelta(minutes=10))
    with pytest.raises(SignatureError, match="too far from now"):
        check_request("post", PATH, headers, BODY, NOW, ORIGIN)
