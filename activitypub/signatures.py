"""HTTP Signatures as the fediverse sends them (draft-cavage-http-signatures, rsa-sha256).

Outgoing POSTs sign `(request-target) host date digest`; incoming ones must sign at least
those, carry a SHA-256 Digest that matches the body and a Date within DATE_WINDOW."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DATE_WINDOW = timedelta(minutes=5)
REQUIRED_HEADERS = ("(request-target)", "host", "date", "digest")
_PARAM = re.compile(r'(\w+)="([^"]*)"')


class SignatureError(Exception):
    """The request is not signed as we require; the message says what is wrong."""


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def _signing_string(names: list[str], method: str, path: str, headers: dict[str, str]) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            if name not in headers:
                raise SignatureError(f"the signed header {name!r} is missing")
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


def signed_headers(
    url: str, body: bytes, key_id: str, key: rsa.RSAPrivateKey, now: datetime | None = None
) -> dict[str, str]:
    """The headers that sign a POST of `body` to `url`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        "host": parts.netloc,
        "date": format_datetime(now or datetime.now(UTC), usegmt=True),
        "digest": digest(body),
    }
    names = list(REQUIRED_HEADERS)
    text = _signing_string(names, "post", path, headers)
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return {name.title(): value for name, value in headers.items()}


def parse_signature(header: str) -> dict[str, str]:
    params = dict(_PARAM.findall(header))
    if "keyId" not in params or "signature" not in params:
        raise SignatureError("the Signature header has no keyId or signature")
    return params


def check_request(
    method: str, path: str, headers: dict[str, str], body: bytes, now: datetime
) -> dict[str, str]:
    """Check everything but the signature itself (Digest, Date, signed header list); return
    the parsed Signature parameters. `headers` has lower-case names."""
    if "signature" not in headers:
        raise SignatureError("the request is not signed")
    params = parse_signature(headers["signature"])
    names = params.get("headers", "date").lower().split()
    missing = [name for name in REQUIRED_HEADERS if name not in names]
    if missing:
        raise SignatureError(f"the signature does not cover {', '.join(missing)}")
    if params.get("algorithm", "rsa-sha256") not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported algorithm {params['algorithm']!r}")
    if headers.get("digest", "").split(",")[0].strip() != digest(body):
        raise SignatureError("the Digest does not match the body")
    try:
        sent = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError):
        raise SignatureError("the Date header is not a date") from None
    if sent.tzinfo is None or abs(now - sent) > DATE_WINDOW:
        raise SignatureError("the Date is too far from now")
    params["signing_string"] = _signing_string(names, method, path, headers)
    return params


def verify(params: dict[str, str], public_pem: str) -> bool:
    """Whether the signature checked by check_request was made by this public key."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
        signature = base64.b64decode(params["signature"])
    except (ValueError, TypeError):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(
            signature, params["signing_string"].encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True
