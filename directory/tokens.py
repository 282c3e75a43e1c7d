"""Organization API tokens: created with a secret shown once, stored hashed, revocable."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request

from core.i18n import gettext as _
from core.security import new_secret, sha256_hex
from core.web import ApiError
from directory.models import Account, ApiToken, Organization

TOKEN_PREFIX = "amt_"


async def create_token(
    organization: Organization, name: str, created_by: Account | None
) -> tuple[ApiToken, str]:
    """The new token and its secret; the secret is never stored and cannot be shown again."""
    secret = TOKEN_PREFIX + new_secret(32)
    token = await ApiToken.create(
        organization=organization,
        name=name,
        secret_hash=sha256_hex(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_by=created_by,
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
    if token is None or token.is_revoked:
        raise ApiError(
            401,
            "invalid_token",
            _("This API token is unknown or has been revoked."),
            headers=challenge,
        )
    token.last_used_at = datetime.now(UTC)
    await token.save(update_fields=["last_used_at"])
    return token
