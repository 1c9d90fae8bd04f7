"""The venue key and the signatures every request and answer between doors carry.

The first door makes a random 256-bit key; the others get it by QR code or by typing its text
form: base32 in groups of four with a 3-byte checksum, so a typo is caught before it is used
(`CV1-` prefix, ambiguous 0/1/8 read as O/I/B). The venue id that doors advertise is derived from
the key by a one-way hash, so it identifies the venue without revealing anything.

A request is signed with HMAC-SHA256 over method, path (with query), timestamp, nonce and the
SHA-256 of the body; the server refuses a timestamp outside `WINDOW_S` and any nonce it has
already seen inside that window (a captured request cannot be replayed). Answers are signed the
same way over the request's nonce, so a laptop without the key cannot pose as a door either.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import time
from dataclasses import dataclass

from checkin_app.errors import ConfigError
from checkin_app.sync.nonce_cache import NonceCache

KEY_BYTES = 32
CHECK_BYTES = 3
TEXT_PREFIX = "CV1-"
QR_PREFIX = "checkin-venue:"
WINDOW_S = 300.0  # accepted clock difference between doors (laptops offline drift); nonces are kept twice as long

H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE = "x-door-device", "x-door-time", "x-door-nonce", "x-door-signature"


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def venue_id(key: bytes) -> str:
    """A public name for the venue: the same for every door holding the key, useless without it."""
    return hashlib.sha256(b"checkin-app venue id\x00" + key).hexdigest()[:16]


def key_text(key: bytes) -> str:
    """The typed form: `CV1-XXXX-XXXX-...` (56 base32 characters with the checksum)."""
    raw = key + hashlib.sha256(key).digest()[:CHECK_BYTES]
    b32 = base64.b32encode(raw).decode("ascii").rstrip("=")
    return TEXT_PREFIX + "-".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def qr_payload(key: bytes) -> str:
    return QR_PREFIX + key_text(key)


def parse_key(text: str) -> bytes:
    """The key from its typed or scanned form.

    Raises:
        ConfigError: not a venue key, or mistyped (wrong length or checksum).
    """
    cleaned = (text or "").strip()
    if cleaned.lower().startswith(QR_PREFIX):
        cleaned = cleaned[len(QR_PREFIX):]
    cleaned = "".join(ch for ch in cleaned.upper() if ch.isalnum())
    want = -(-(KEY_BYTES + CHECK_BYTES) * 8 // 5)
    prefix = TEXT_PREFIX.rstrip("-")
    if len(cleaned) == want + len(prefix) and cleaned.startswith(prefix):
        cleaned = cleaned[len(prefix):]
    cleaned = cleaned.translate(str.maketrans("018", "OIB"))
    if len(cleaned) != want:
        raise ConfigError(f"a venue key has {want} letters and digits after {TEXT_PREFIX}; got {len(cleaned)}")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError:
        raise ConfigError("the venue key contains characters that are not in it (A-Z, 2-7)") from None
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if not hmac.compare_digest(hashlib.sha256(key).digest()[:CHECK_BYTES], check):
        raise ConfigError("the venue key has a typo (its checksum does not match); check it against the first door")
    return key


def _mac(key: bytes, *parts: str | bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        mac.update(len(data).to_bytes(4, "big") + data)  # length-prefixed: no ambiguity between fields
    return mac.hexdigest()


def sign_request(key: bytes, device_id: str, method: str, target: str, body: bytes,
                 now: float | None = None) -> dict[str, str]:
    """Headers for one request (`target` is the path with its query string)."""
    ts = f"{time.time() if now is None else now:.3f}"
    nonce = secrets.token_hex(16)
    sig = _mac(key, "req", method.upper(), target, ts, nonce, device_id, hashlib.sha256(body).digest())
    return {H_DEVICE: device_id, H_TIME: ts, H_NONCE: nonce, H_SIGNATURE: sig}


def sign_response(key: bytes, request_nonce: str, status: int, body: bytes) -> str:
    return _mac(key, "resp", request_nonce, str(status), hashlib.sha256(body).digest())


def response_ok(key: bytes, request_nonce: str, status: int, body: bytes, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign_response(key, request_nonce, status, body), signature)


_DEVICE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TIME = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")  # unix seconds: no sign, exponent, nan or inf
_NONCE = re.compile(r"[0-9a-f]{16,64}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Verified:
    device_id: str
    nonce: str


@dataclass(frozen=True)
class Refused:
    """A request that is not let in. `skew_s` is set only when the signature is right and the
    time is not: the sender holds the key (or replays an old request of someone who does), so
    telling it the clocks differ says nothing a stranger could use (the Date header says as much)."""

    skew_s: float | None = None
    nonce: str | None = None


def sent_at(ts: str | None) -> float | None:
    """The time in an `X-Door-Time` header, or None when it is not plain unix seconds."""
    if not ts or not _TIME.fullmatch(ts):
        return None
    value = float(ts)
    return value if math.isfinite(value) else None


def headers_well_formed(headers) -> bool:
    """Whether the four signature headers are there and look right (checked before any body is read)."""
    device, ts, nonce, sig = (headers.get(h) for h in (H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE))
    return bool(device and _DEVICE.fullmatch(device) and sent_at(ts) is not None and nonce and _NONCE.fullmatch(nonce)
                and sig and _SIGNATURE.fullmatch(sig))


class RequestVerifier:
    """Checks signatures and remembers nonces for `WINDOW_S` (thread-safe).

    Args:
        key: the venue key.
        window_s: accepted clock difference; nonces are kept for twice as long.
    """

    def __init__(self, key: bytes, window_s: float = WINDOW_S):
        self.key = key
        self.window_s = window_s
        self._seen = NonceCache(2 * window_s)

    def verify(self, method: str, target: str, headers, body: bytes, now: float | None = None) -> Verified | None:
        """The caller's device id when the request is genuine and new; None otherwise."""
        outcome = self.check(method, target, headers, body, now)
        return outcome if isinstance(outcome, Verified) else None

    def check(self, method: str, target: str, headers, body: bytes, now: float | None = None) -> Verified | Refused:
        """`verify`, saying (only to a sender that holds the key) when the clocks are what is wrong."""
        now = time.time() if now is None else now
        if not headers_well_formed(headers):
            return Refused()
        device, ts, nonce, sig = (headers.get(h) for h in (H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE))
        expected = _mac(self.key, "req", method.upper(), target, ts, nonce, device, hashlib.sha256(body).digest())
        if not hmac.compare_digest(expected, sig):
            return Refused()
        sent = sent_at(ts)
        if abs(now - sent) > self.window_s:
            return Refused(skew_s=sent - now, nonce=nonce)
        if not self._seen.add(nonce, now):
            return Refused()  # a replay of a request already answered
        return Verified(device, nonce)
