"""Organization API tokens: created with a secret shown once, stored hashed, revocable, and
optionally expiring. Every request looks the token up again, so a revoked or expired token
fails at once, in every process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request

from core.i18n import gettext as _
from core.security import new_secret, sha256_hex
from core.web import ApiError
from directory.models import Account, ApiToken, Organization

TOKEN_PREFIX = "amt_"
# The lifetimes offered when a token is made, by form value; None never expires.
TOKEN_LIFETIMES: dict[str, timedelta | None] = {
    "30": timedelta(days=30),
    "90": timedelta(days=90),
    "365": timedelta(days=365),
    "never": None,
}
DEFAULT_TOKEN_LIFETIME = "90"


def token_lifetime_choices() -> list[tuple[str, str]]:
    return [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("a year")),
        ("never", _("until revoked")),
    ]


async def create_token(
    organization: Organization,
    name: str,
    created_by: Account | None,
    lifetime: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """The new token and its secret; the secret is never stored and cannot be shown again."""
    secret = TOKEN_PREFIX + new_secret(32)
    token = await ApiToken.create(
        organization=organization,
        name=name,
        secret_hash=sha256_hex(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_by=created_by,
        expires_at=datetime.now(UTC) + lifetime if lifetime else None,
    )
    return token, secret


async def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        await token.save(update_fields=["revoked_at"])


async def authenticate_bearer(request: Request) -> ApiToken:
    """The token named by 'Authorization: Bearer …', or 401 with the reason."""
    header = request.headers.get("authorization", "")
    scheme, _sep, secret = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="amicus"'}
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(
            401,
            "unauthenticated",
            _("Send an API token as 'Authorization: Bearer …'."),
            headers=challenge,
        )
    token = await ApiToken.get_or_none(secret_hash=sha256_hex(secret.strip())).prefetch_related(
        "organization"
    )
    now = datetime.now(UTC)
    if token is None or token.is_revoked or token.is_expired(now):
        raise ApiError(
            401,
            "invalid_token",
            _("This API token is unknown, expired or revoked."),
            headers=challenge,
        )
    token.last_used_at = now
    await token.save(update_fields=["last_used_at"])
    return token
