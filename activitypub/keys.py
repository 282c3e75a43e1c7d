"""Each actor's RSA key pair: created on first use, the private half encrypted at rest.

The private key is encrypted with a Fernet key derived from the site's secret key, so a copy
of the database alone does not let anyone sign as our actors. Rotating the secret key makes
the stored keys unreadable; `rotate` replaces an actor's pair (activitypub.rotation tells
the followers)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from activitypub.models import ActorKey

KEY_BITS = 2048


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"amicus-activitypub-keys:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _new_pair(secret_key: str) -> tuple[str, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return public_pem, _fernet(secret_key).encrypt(private_pem).decode()


async def actor_key(actor: str, secret_key: str) -> ActorKey:
    """The actor's key pair, created the first time it is needed."""
    found = await ActorKey.get_or_none(actor=actor)
    if found is not None:
        return found
    public_pem, private_encrypted = _new_pair(secret_key)
    try:
        return await ActorKey.create(
            actor=actor, public_pem=public_pem, private_encrypted=private_encrypted
        )
    except IntegrityError:  # another process created it first
        return await ActorKey.get(actor=actor)


async def rotate(actor: str, secret_key: str) -> ActorKey:
    """A new pair in place of the actor's; the old private key is gone for good."""
    public_pem, private_encrypted = _new_pair(secret_key)  # slow: outside the transaction
    async with in_transaction():
        await ActorKey.filter(actor=actor).delete()
        return await ActorKey.create(
            actor=actor, public_pem=public_pem, private_encrypted=private_encrypted
        )


def private_key(key: ActorKey, secret_key: str) -> rsa.RSAPrivateKey:
    pem = _fernet(secret_key).decrypt(key.private_encrypted.encode())
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded
