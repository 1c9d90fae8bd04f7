"""The supervisor PIN: set on first use, kept only as a salted PBKDF2 hash in the GUI's settings.

A PIN keeps door staff out of the supervisor tools on a shared laptop; it is not a provider
credential, so its hash lives with the other settings, never in the keyring or the database.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from checkin_app.errors import ConfigError

_ALGORITHM = "pbkdf2_sha256"
_ITERATIONS = 200_000  # about 0.1 s on a laptop: negligible once per unlock, slow for guessing


def validate(pin: str) -> str:
    """The PIN if acceptable (4 to 12 digits).

    Raises:
        ConfigError: with a one-line reason to show the user.
    """
    pin = (pin or "").strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ConfigError("the PIN must be 4 to 12 digits")
    return pin


def hash_pin(pin: str, *, iterations: int = _ITERATIONS) -> str:
    """`pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>` for a valid PIN."""
    pin = validate(pin)
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{_ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str | None) -> bool:
    """True when `pin` matches the stored hash (constant-time comparison)."""
    try:
        algorithm, iterations, salt, expected = (stored or "").split("$")
        if algorithm != _ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", (pin or "").strip().encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)
