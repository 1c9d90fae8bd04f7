"""PLACEHOLDER until i18-private's `door_crypto` lands (then this file is replaced by theirs).

seal/unseal with AES-256-GCM under a key derived from the venue key; `context` is bound as
associated data, so a sealed body opens only for the place it was sealed for.
"""
from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_MAGIC = b"CS1"


class SealError(ValueError):
    """Not sealed with this venue's key for this context."""


def _aead(key: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"checkin-app seal v1").derive(key))


def seal(key: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    nonce = os.urandom(12)
    return _MAGIC + nonce + _aead(key).encrypt(nonce, plaintext, context)


def unseal(key: bytes, sealed: bytes, context: bytes = b"") -> bytes:
    if not sealed.startswith(_MAGIC) or len(sealed) < len(_MAGIC) + 12 + 16:
        raise SealError("not a sealed body")
    try:
        return _aead(key).decrypt(sealed[3:15], sealed[15:], context)
    except InvalidTag:
        raise SealError("not sealed with the venue key") from None
