"""Sealing messages between doors: keys derived from the venue key, and authenticated encryption.

Pure functions over `cryptography` (no I/O), shared by the door-to-door HTTP protocol
(`door_auth`, `peer_server`, `peer_sync`) and the hub's messages. Each *purpose* ("door", "hub")
gets its own keys, and each purpose one key for encrypting and another for signing, all derived
from the venue key by HKDF-SHA256 with distinct labels: a key used for one job is never used for
another, and the venue key itself never signs or encrypts anything in protocol 2.

A sealed message is `FORMAT (1 byte) ‖ nonce (12 random bytes) ‖ AES-256-GCM ciphertext and tag`.
The associated data the caller passes (for a request: the signed header fields) is authenticated
with it, so a body cannot be moved under other headers. Nonces are 96 random bits per message from
the OS: with one key per venue and purpose, the chance that two of 2**32 messages share a nonce is
below 2**-32 (a venue of 150 doors sending 10 messages a second for a day sends ~2**27).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = 2  # the first byte of every sealed message; anything else is refused (fail closed)
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES  # bytes a sealed message has beyond its plaintext
_SALT = b"checkin-app venue key, protocol 2"
_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,31}")


class Unsealable(ValueError):
    """A message that was not sealed with this venue's key for this purpose and associated data,
    was altered or cut short, or has a format this version does not read. Says nothing more: the
    message is unauthenticated."""


def derive(venue_key: bytes, purpose: str, job: str) -> bytes:
    """A 256-bit key for one job ("encrypt" or "sign") of one purpose ("door", "hub", ...)."""
    if not _PURPOSE.fullmatch(purpose) or job not in ("encrypt", "sign"):
        raise ValueError(f"no key is derived for purpose {purpose!r}, job {job!r}")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT,
                info=f"checkin-app {purpose} {job}".encode("ascii")).derive(venue_key)


@functools.lru_cache(maxsize=32)
def _aead(venue_key: bytes, purpose: str) -> AESGCM:
    return AESGCM(derive(venue_key, purpose, "encrypt"))


@functools.lru_cache(maxsize=32)
def signing_key(venue_key: bytes, purpose: str = "door") -> bytes:
    """The HMAC key of a purpose (never the encryption key, never the venue key)."""
    return derive(venue_key, purpose, "sign")


def fields(*parts: str | bytes | int) -> bytes:
    """Parts joined without ambiguity (each length-prefixed): what is signed, and associated data."""
    out = bytearray()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)


def mac(venue_key: bytes, *parts: str | bytes | int, purpose: str = "door") -> str:
    """Hex HMAC-SHA256 of `fields(*parts)` with the purpose's signing key."""
    return hmac.new(signing_key(venue_key, purpose), fields(*parts), hashlib.sha256).hexdigest()


def seal(venue_key: bytes, plaintext: bytes, aad: bytes = b"", *, purpose: str = "door") -> bytes:
    """`plaintext` encrypted and authenticated together with `aad` (which is not sent: the
    receiver must pass the same bytes to `unseal`)."""
    nonce = os.urandom(NONCE_BYTES)
    head = bytes([FORMAT]) + nonce
    return head + _aead(venue_key, purpose).encrypt(nonce, plaintext, bytes([FORMAT]) + aad)


def unseal(venue_key: bytes, sealed: bytes, aad: bytes = b"", *, purpose: str = "door") -> bytes:
    """The plaintext of a sealed message.

    Raises:
        Unsealable: another key, purpose or associated data; altered; cut short; unknown format.
    """
    if len(sealed) < OVERHEAD:
        raise Unsealable("the message is too short to be sealed")
    if sealed[0] != FORMAT:
        raise Unsealable(f"the message is sealed in format {sealed[0]}; this version reads format {FORMAT} only")
    try:
        return _aead(venue_key, purpose).decrypt(sealed[1:1 + NONCE_BYTES], bytes(sealed[1 + NONCE_BYTES:]),
                                                 bytes([FORMAT]) + aad)
    except InvalidTag:
        raise Unsealable("the message was not sealed with this venue's key for this, or was altered") from None
