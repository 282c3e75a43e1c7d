"""HTTP Signatures as the fediverse sends them: draft-cavage-http-signatures (rsa-sha256),
and RFC 9421 HTTP Message Signatures (rsa-v1_5-sha256) on what we receive.

Outgoing POSTs sign `(request-target) host date digest` (draft-cavage: what every server
reads). Incoming draft-cavage ones must sign at least those, carry a SHA-256 Digest that
matches the body and a Date within DATE_WINDOW. Incoming RFC 9421 ones must sign the method,
the target, the authority (or Host) and a Content-Digest that matches the body, and be
created (or dated) within DATE_WINDOW."""

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
# One member of an RFC 9421 Signature-Input: label=("component" ...);param=value;...
_SIGNATURE_INPUT = re.compile(
    r'([a-z0-9_.*-]+)=(\(([^)]*)\)((?:;[a-z0-9_.*-]+=(?:"[^"]*"|[^;,\s]+))*))'
)
_INPUT_PARAM = re.compile(r';([a-z0-9_.*-]+)=(?:"([^"]*)"|([^;,\s]+))')
RFC9421_ALGORITHMS = ("rsa-v1_5-sha256",)
CONTENT_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


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
    method: str, path: str, headers: dict[str, str], body: bytes, now: datetime, origin: str = ""
) -> dict[str, str]:
    """Check everything but the signature itself (digest, date, what is signed); return the
    parsed parameters: `keyId`, `signature` (base64) and the `signing_string` it signs.
    `headers` has lower-case names; `origin` (scheme://host[:port], ours) makes the target
    URI that RFC 9421 signatures cover."""
    if "signature-input" in headers:
        return _check_rfc9421(method, origin + path, headers, body, now)
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


def _check_rfc9421(
    method: str, target_uri: str, headers: dict[str, str], body: bytes, now: datetime
) -> dict[str, str]:
    """RFC 9421: the first signature of Signature-Input, its base rebuilt from the request."""
    found = _SIGNATURE_INPUT.search(headers["signature-input"])
    if found is None:
        raise SignatureError("the Signature-Input header cannot be read")
    label, signature_params, inner, raw_params = found.groups()
    signature = re.search(
        rf"(?:^|,)\s*{re.escape(label)}=:([A-Za-z0-9+/=]+):", headers.get("signature", "")
    )
    if signature is None:
        raise SignatureError(f"the Signature header has no signature labelled {label!r}")
    params = {m[1]: m[2] if m[2] is not None else m[3] for m in _INPUT_PARAM.finditer(raw_params)}
    if "keyid" not in params:
        raise SignatureError("the signature has no keyid")
    if params.get("alg", RFC9421_ALGORITHMS[0]) not in RFC9421_ALGORITHMS:
        raise SignatureError(f"unsupported algorithm {params['alg']!r}")
    components = re.findall(r'"([^"]+)"', inner)
    covered = set(components)
    required = [
        ("@method",),
        ("@target-uri", "@request-target", "@path"),
        ("@authority", "host"),
        ("content-digest",),
    ]
    missing = [names[0] for names in required if covered.isdisjoint(names)]
    if missing:
        raise SignatureError(f"the signature does not cover {', '.join(missing)}")
    _check_content_digest(headers.get("content-digest", ""), body)
    _check_created(params.get("created"), headers, covered, now)
    lines = [f'"{name}": {_component(name, method, target_uri, headers)}' for name in components]
    lines.append(f'"@signature-params": {signature_params}')
    return {
        "keyId": params["keyid"],
        "signature": signature.group(1),
        "signing_string": "\n".join(lines),
    }


def _check_content_digest(header: str, body: bytes) -> None:
    digests = dict(re.findall(r"([a-z0-9-]+)=:([A-Za-z0-9+/=]+):", header))
    known = [name for name in digests if name in CONTENT_DIGESTS]
    if not known:
        raise SignatureError("the Content-Digest has no sha-256 or sha-512 digest")
    for name in known:
        if base64.b64encode(CONTENT_DIGESTS[name](body).digest()).decode() != digests[name]:
            raise SignatureError("the Content-Digest does not match the body")


def _check_created(
    created: str | None, headers: dict[str, str], covered: set[str], now: datetime
) -> None:
    if created is not None:
        try:
            moment = datetime.fromtimestamp(int(created), UTC)
        except (ValueError, OverflowError):
            raise SignatureError("the signature's created time is not a time") from None
    elif "date" in covered:
        try:
            moment = parsedate_to_datetime(headers.get("date", ""))
        except (TypeError, ValueError):
            raise SignatureError("the Date header is not a date") from None
    else:
        raise SignatureError("the signature has no created time and does not cover the Date")
    if moment.tzinfo is None or abs(now - moment) > DATE_WINDOW:
        raise SignatureError("the signature was made too far from now")


def _component(name: str, method: str, target_uri: str, headers: dict[str, str]) -> str:
    """The value of one covered component (RFC 9421 section 2)."""
    parts = urlsplit(target_uri)
    derived = {
        "@method": method.upper(),
        "@target-uri": target_uri,
        "@authority": parts.netloc.lower(),
        "@scheme": parts.scheme.lower(),
        "@path": parts.path or "/",
        "@query": f"?{parts.query}",
        "@request-target": parts.path + (f"?{parts.query}" if parts.query else ""),
    }
    if name in derived:
        return derived[name]
    if name.startswith("@"):
        raise SignatureError(f"the signed component {name!r} is not supported")
    if name not in headers:
        raise SignatureError(f"the signed header {name!r} is missing")
    return headers[name].strip()


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
