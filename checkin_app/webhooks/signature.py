"""Ticket Tailor webhook signatures, and the secret path tokens of providers that sign nothing.

`Tickettailor-Webhook-Signature: t=<unix>,v1=<hex>` where v1 = hex HMAC-SHA256(secret, "<t>" + raw
body), no separator (provider-notes.md, verified against the recorded real delivery). The raw
bytes are verified before anything parses them; timestamps more than the tolerance away from now
(either way) are refused, so a captured delivery cannot be replayed later.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Callable

TT_HEADER = "Tickettailor-Webhook-Signature"
TOLERANCE_S = 300
MIN_TOKEN_LENGTH = 24
# ASCII digits only, and few of them: `str.isdigit` let "²" and 5,000-digit values through to
# int(), which raised ValueError (answered 500). Unix time fits in 11 digits until the year 5138.
_TIMESTAMP = re.compile(r"[0-9]{1,11}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
MAX_PARTS = 8  # t= and a v1= per secret being rotated; a header of 10,000 parts is not one


class SignatureError(Exception):
    """The delivery's signature is missing, malformed, stale or wrong (answered 401)."""


def tickettailor_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value Ticket Tailor would send for this body at this time (for tests and tools)."""
    digest = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def parse_header(value: str | None) -> tuple[int, list[str]]:
    """(timestamp, [v1 signatures]) from the header.

    Raises:
        SignatureError: absent or unreadable.
    """
    if not value:
        raise SignatureError(f"no {TT_HEADER} header")
    timestamp, signatures = None, []
    for part in value.split(",")[:MAX_PARTS]:
        key, _, val = part.strip().partition("=")
        if key == "t" and _TIMESTAMP.fullmatch(val):
            timestamp = int(val)
        elif key == "v1" and _HEX_DIGEST.fullmatch(val.strip()):
            signatures.append(val.strip().lower())
    if timestamp is None or not signatures:
        raise SignatureError(f"{TT_HEADER} lacks t= or v1=")
    return timestamp, signatures


def verify_tickettailor(secret: str, header: str | None, body: bytes, *, clock: Callable[[], float] = time.time,
                        tolerance_s: float = TOLERANCE_S) -> int:
    """Check a delivery. Returns its signed timestamp.

    Args:
        secret: the webhook's signing secret.
        header: the `Tickettailor-Webhook-Signature` value.
        body: the raw body, exactly as received.
        clock: current Unix time (injected to verify recorded deliveries).
        tolerance_s: how far the signed time may be from now.

    Raises:
        SignatureError: missing, malformed, stale, from the future, or not matching.
    """
    timestamp, signatures = parse_header(header)
    if abs(clock() - timestamp) > tolerance_s:
        raise SignatureError("the signature's timestamp is outside the 5-minute tolerance")
    expected = tickettailor_signature(secret, timestamp, body).split("v1=", 1)[1]
    # Constant-time comparison against every v1 offered (a secret being rotated sends two).
    if not any(hmac.compare_digest(expected.encode("ascii"), s.encode("ascii", "replace")) for s in signatures):
        raise SignatureError("the signature does not match the body")
    return timestamp


def token_matches(expected: str, offered: str) -> bool:
    """Constant-time comparison of a path or bearer token."""
    return hmac.compare_digest(expected.encode("utf-8"), offered.encode("utf-8"))
