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


# -- back-off after wrong PINs ---------------------------------------------------------------------
# A 4-digit PIN has 10,000 values: at one guess a second they all fall in under three hours. After
# FREE_ATTEMPTS wrong PINs each further one doubles the wait (5 s, 10 s, 20 s …), up to MAX_WAIT_S
# from the 11th wrong PIN on: trying the whole space would take over three months. The count and the time of the
# last wrong PIN are kept with the PIN's hash, so quitting and restarting the app resets nothing.

FREE_ATTEMPTS = 3
FIRST_WAIT_S = 5.0
MAX_WAIT_S = 15 * 60.0


def wait_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong PINs in a row: 0 for the first few, then 5, 10, 20 … 900."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_ATTEMPTS))


def seconds_left(failures: int, last_failed_at: float | None, now: float) -> float:
    """How long before the next PIN may be tried (0: now).

    A clock that went backwards (now before the last wrong PIN) restarts the full wait rather than
    ending it: turning the clock back must not buy guesses.
    """
    wait = wait_after(failures)
    if wait == 0 or last_failed_at is None:
        return 0.0
    if now < last_failed_at:
        return wait
    return max(0.0, last_failed_at + wait - now)
