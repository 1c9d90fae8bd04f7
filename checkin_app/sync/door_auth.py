"""The venue key and the signatures every request and answer between doors carry.

The first door makes a random 256-bit key; the others get it by QR code or by typing its text
form: base32 in groups of four with a 3-byte checksum, so a typo is caught before it is used
(`CV1-` prefix, ambiguous 0/1/8 read as O/I/B). The venue id that doors advertise is derived from
the key by a one-way hash, so it identifies the venue without revealing anything.

Door protocol 2 (docs/door-replication.md): a request names the door it is for (its device id)
and is signed with HMAC-SHA256, under a signing key derived from the venue key (door_crypto), over
the protocol, method, path (with query), timestamp, nonce, sender, target door and the SHA-256 of
the body; the body is sealed (AES-GCM) with the derived encryption key and those same fields as
associated data. The server refuses a timestamp outside `WINDOW_S`, any nonce it has already seen
inside that window (a captured request cannot be replayed), and a request signed for another door
(nor can it be replayed to another door). Answers are sealed and signed the same way over the
request's nonce and the status, so a laptop without the key can neither read them nor pose as a door.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable

from checkin_app.errors import ConfigError
from checkin_app.sync import door_crypto
from checkin_app.sync.nonce_cache import NonceCache

KEY_BYTES = 32
CHECK_BYTES = 3
TEXT_PREFIX = "CV1-"
QR_PREFIX = "checkin-venue:"
WINDOW_S = 300.0  # accepted clock difference between doors (laptops offline drift); nonces are kept twice as long

H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE = "x-door-device", "x-door-time", "x-door-nonce", "x-door-signature"
H_TARGET = "x-door-target"  # the device id of the door a request is for (signed)
H_PROTOCOL = "x-door-protocol"  # on every answer, signed or not: lets a peer tell an older or newer door
PROTOCOL = 2  # paths are /door/v2/...; bumped with any change a door of the previous version cannot read
ANY_DOOR = "*"  # the target of a hello, sent before the door at an address is known


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


# -- protocol 2: target-bound signatures and sealed bodies ----------------------------------------------

def _request_fields(method: str, path: str, ts: str, nonce: str, device: str, to: str) -> tuple[str | int, ...]:
    return ("req", PROTOCOL, method.upper(), path, ts, nonce, device, to)


def request_signature(key: bytes, method: str, path: str, ts: str, nonce: str, device: str, to: str,
                      body: bytes) -> str:
    """HMAC (with the venue's derived signing key) over the request's fields and its sealed body."""
    return door_crypto.mac(key, *_request_fields(method, path, ts, nonce, device, to), hashlib.sha256(body).digest())


def request_aad(method: str, path: str, ts: str, nonce: str, device: str, to: str) -> bytes:
    """The associated data a request body is sealed with: the signed fields, so a body moved under
    other headers (another door, path, time or nonce) does not open."""
    return door_crypto.fields(*_request_fields(method, path, ts, nonce, device, to))


def seal_request(key: bytes, device_id: str, to: str, method: str, path: str, plaintext: bytes,
                 now: float | None = None) -> tuple[dict[str, str], bytes]:
    """(headers, sealed body) for one request from `device_id` to the door `to` (its device id, or
    `ANY_DOOR` for a hello to an address whose door is not known yet). `path` includes the query."""
    ts = f"{time.time() if now is None else now:.3f}"
    nonce = secrets.token_hex(16)
    body = door_crypto.seal(key, plaintext, request_aad(method, path, ts, nonce, device_id, to))
    sig = request_signature(key, method, path, ts, nonce, device_id, to, body)
    return {H_DEVICE: device_id, H_TARGET: to, H_TIME: ts, H_NONCE: nonce, H_SIGNATURE: sig}, body


def _answer_fields(request_nonce: str, status: int) -> tuple[str | int, ...]:
    return ("resp", PROTOCOL, request_nonce, status)


def seal_answer(key: bytes, request_nonce: str, status: int, plaintext: bytes) -> tuple[bytes, str]:
    """(sealed body, signature) of the answer to one request: bound to its nonce and status."""
    body = door_crypto.seal(key, plaintext, door_crypto.fields(*_answer_fields(request_nonce, status)))
    return body, door_crypto.mac(key, *_answer_fields(request_nonce, status), hashlib.sha256(body).digest())


def answer_of(key: bytes, request_nonce: str, status: int, doc: dict) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a door's answer to one request: `doc` as JSON, sealed and signed."""
    # ASCII escapes: a quarantined row served on as it came may hold text UTF-8 cannot encode.
    plaintext = json.dumps(doc, separators=(",", ":")).encode("ascii")
    body, signature = seal_answer(key, request_nonce, status, plaintext)
    return body, {H_SIGNATURE: signature, H_PROTOCOL: str(PROTOCOL), "content-type": "application/octet-stream"}


def open_answer(key: bytes, request_nonce: str, status: int, body: bytes, signature: str | None) -> bytes | None:
    """The plaintext of a genuine answer to our request; None for anything a key holder did not send."""
    if not signature or not hmac.compare_digest(
            door_crypto.mac(key, *_answer_fields(request_nonce, status), hashlib.sha256(body).digest()), signature):
        return None
    try:
        return door_crypto.unseal(key, bytes(body), door_crypto.fields(*_answer_fields(request_nonce, status)))
    except door_crypto.Unsealable:
        return None


def protocol_of(path: str) -> int | None:
    """N for a path under `/door/vN/`, else None."""
    match = _VERSIONED.match(path)
    return int(match.group(1)) if match else None


# -- protocol 1: only to recognise an older door, never to exchange data ------------------------------------
# A door of protocol 1 signs with the venue key itself (no derived keys) and sends bodies in the clear.
# A protocol 2 door signs one empty request the old way to tell "an older door of this venue" from
# "a door of another venue", and answers an older door's signed request with a signed 426.

LEGACY_PROTOCOL = 1


def _v1_mac(key: bytes, *parts: str | bytes) -> str:
    return hmac.new(key, door_crypto.fields(*parts), hashlib.sha256).hexdigest()


def v1_request_headers(key: bytes, device_id: str, method: str, path: str, now: float | None = None) -> dict[str, str]:
    """Protocol 1 headers for a request with an empty body."""
    ts = f"{time.time() if now is None else now:.3f}"
    nonce = secrets.token_hex(16)
    sig = _v1_mac(key, "req", method.upper(), path, ts, nonce, device_id, hashlib.sha256(b"").digest())
    return {H_DEVICE: device_id, H_TIME: ts, H_NONCE: nonce, H_SIGNATURE: sig}


def v1_headers_well_formed(headers) -> bool:
    device, ts, nonce, sig = (headers.get(h) for h in (H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE))
    return bool(device and _DEVICE.fullmatch(device) and sent_at(ts) is not None and nonce and _NONCE.fullmatch(nonce)
                and sig and _SIGNATURE.fullmatch(sig))


def v1_request_signed(key: bytes, method: str, path: str, headers, body: bytes) -> bool:
    """Whether a protocol 1 request carries the venue's signature (time and replay not checked:
    it only earns a signed refusal)."""
    if not v1_headers_well_formed(headers):
        return False
    device, ts, nonce, sig = (headers.get(h) for h in (H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE))
    return hmac.compare_digest(_v1_mac(key, "req", method.upper(), path, ts, nonce, device,
                                       hashlib.sha256(body).digest()), sig)


def v1_answer_signature(key: bytes, request_nonce: str, status: int, body: bytes) -> str:
    return _v1_mac(key, "resp", request_nonce, str(status), hashlib.sha256(body).digest())


def v1_answer_ok(key: bytes, request_nonce: str, status: int, body: bytes, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(v1_answer_signature(key, request_nonce, status, body), signature)


_DEVICE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TIME = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")  # unix seconds: no sign, exponent, nan or inf
_NONCE = re.compile(r"[0-9a-f]{16,64}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_VERSIONED = re.compile(r"/door/v([0-9]{1,6})(/|$)")


@dataclass(frozen=True)
class Verified:
    device_id: str
    nonce: str
    aad: bytes = b""  # what the request's body is sealed with (`request_aad`)


@dataclass(frozen=True)
class Refused:
    """A request that is not let in. `skew_s` is set only when the signature is right and the
    time is not: the sender holds the key (or replays an old request of someone who does), so
    telling it the clocks differ says nothing a stranger could use (the Date header says as much)."""

    skew_s: float | None = None
    nonce: str | None = None
    misdirected: bool = False  # genuine, but signed for another door (or for any door, where that is not allowed)


def sent_at(ts: str | None) -> float | None:
    """The time in an `X-Door-Time` header, or None when it is not plain unix seconds."""
    if not ts or not _TIME.fullmatch(ts):
        return None
    value = float(ts)
    return value if math.isfinite(value) else None


def is_device_id(text: str) -> bool:
    return bool(_DEVICE.fullmatch(text))


def headers_well_formed(headers) -> bool:
    """Whether the five signature headers are there and look right (checked before any body is read)."""
    to = headers.get(H_TARGET)
    return bool(v1_headers_well_formed(headers) and to and (to == ANY_DOOR or _DEVICE.fullmatch(to)))


class RequestVerifier:
    """Checks signatures and remembers nonces for `WINDOW_S` (thread-safe).

    Args:
        key: the venue key.
        device_id: this door's device id (or a function giving it now): requests signed for another door
            are refused.
        window_s: accepted clock difference; nonces are kept for twice as long.
    """

    def __init__(self, key: bytes, device_id: str | Callable[[], str], window_s: float = WINDOW_S):
        self.key = key
        self._device_id = device_id
        self.window_s = window_s
        self._seen = NonceCache(2 * window_s)

    @property
    def device_id(self) -> str:
        """This door's device id now (a door whose data dir was copied takes a new one)."""
        return self._device_id() if callable(self._device_id) else self._device_id

    def verify(self, method: str, target: str, headers, body: bytes, now: float | None = None,
               any_door: bool = False) -> Verified | None:
        """The caller's device id when the request is genuine, new and for this door; None otherwise."""
        outcome = self.check(method, target, headers, body, now, any_door)
        return outcome if isinstance(outcome, Verified) else None

    def check(self, method: str, target: str, headers, body: bytes, now: float | None = None,
              any_door: bool = False) -> Verified | Refused:
        """`verify`, saying (only to a sender that holds the key) when the clocks or the door are
        what is wrong. `any_door`: whether this path takes a request for `ANY_DOOR` (a hello)."""
        now = time.time() if now is None else now
        if not headers_well_formed(headers):
            return Refused()
        device, ts, nonce, sig, to = (headers.get(h) for h in (H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE, H_TARGET))
        if not hmac.compare_digest(request_signature(self.key, method, target, ts, nonce, device, to, body), sig):
            return Refused()
        sent = sent_at(ts)
        if abs(now - sent) > self.window_s:
            return Refused(skew_s=sent - now, nonce=nonce)
        if to != self.device_id and not (any_door and to == ANY_DOOR):
            return Refused(nonce=nonce, misdirected=True)  # a request for another door, captured and replayed here
        if not self._seen.add(nonce, now):
            return Refused()  # a replay of a request already answered
        return Verified(device, nonce, request_aad(method, target, ts, nonce, device, to))
