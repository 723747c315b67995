"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256).

Ciphertext format: ``v1:<key id>:<base64(nonce || ciphertext+tag)>``. The key id lets us
decrypt values written under an older key while a rotation is under way: the first key in
FIELD_ENCRYPTION_KEYS encrypts, all of them decrypt.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


class DecryptionError(Exception):
    pass


def validate_field_key(encoded: str) -> bytes:
    """The 32 raw bytes of one FIELD_ENCRYPTION_KEY entry, or ImproperlyConfigured naming it.

    Settings call this at start-up with DEBUG off, so a bad key stops the server early."""
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be base64 of 32 random bytes "
            "(python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')"
        ) from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY must decode to exactly 32 bytes (AES-256), not {len(key)}")
    return key


_decode_key = validate_field_key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keys(encoded_keys: tuple[str, ...]) -> tuple[tuple[str, AESGCM], ...]:
    return tuple((key_id(k), AESGCM(k)) for k in map(_decode_key, encoded_keys))


def keyring() -> tuple[tuple[str, AESGCM], ...]:
    return _keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def generate_key() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def encrypt(plaintext: str) -> str:
    kid, aead = keyring()[0]
    nonce = os.urandom(12)
    ciphertext = aead.encrypt(nonce, plaintext.encode(), kid.encode())
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + ciphertext).decode()}"


def encryptor():
    """``encrypt`` bound to the current key, for loops over many values (an import's batch):
    the key and its AESGCM object are looked up once, not per value."""
    kid, aead = keyring()[0]
    prefix, aad = f"{PREFIX}:{kid}:", kid.encode()
    urandom, b64encode, seal = os.urandom, base64.b64encode, aead.encrypt

    def encrypt_one(plaintext: str) -> str:
        nonce = urandom(12)
        return prefix + b64encode(nonce + seal(nonce, plaintext.encode(), aad)).decode()

    return encrypt_one


def decrypt(token: str) -> str:
    try:
        prefix, kid, payload = token.split(":", 2)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    if prefix != PREFIX:
        raise DecryptionError(f"unknown format {prefix}")
    for candidate_id, aead in keyring():
        if candidate_id == kid:
            raw = base64.b64decode(payload)
            return aead.decrypt(raw[:12], raw[12:], kid.encode()).decode()
    raise DecryptionError(f"no key with id {kid} in FIELD_ENCRYPTION_KEY")


def is_current(token: str) -> bool:
    """True when the token was written with the current (first) key."""
    return token.startswith(f"{PREFIX}:{keyring()[0][0]}:")


def blind_index(value: str, purpose: str) -> str:
    """Deterministic keyed hash for exact lookup and uniqueness without storing the value.

    ``purpose`` separates index spaces so the same phone number in two tables does not
    produce linkable hashes.
    """
    digest = _hmac_base(settings.BLIND_INDEX_KEY).copy()  # keyed once; imports index 100k rows
    digest.update(f"{purpose}:{value}".encode())
    return digest.hexdigest()


def blind_indexer(purpose: str):
    """``blind_index(value, purpose)`` with the keyed HMAC looked up once (an import's loop)."""
    base, prefix = _hmac_base(settings.BLIND_INDEX_KEY), f"{purpose}:"

    def index_one(value: str) -> str:
        digest = base.copy()
        digest.update((prefix + value).encode())
        return digest.hexdigest()

    return index_one


@lru_cache(maxsize=4)
def _hmac_base(key: str):
    return hmac.new(key.encode(), digestmod=hashlib.sha256)
