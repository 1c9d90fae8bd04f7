"""Where a connection's secret lives: the OS keyring, or an environment variable it names.

The database only ever holds a reference (`{"keyring": "<entry>"}` or `{"env": "VAR"}`). Every
secret read is cleaned (`clean`: surrounding whitespace stripped, control characters refused) and
registered with the log redactor before it is returned: a token copied from a Windows file keeps a
trailing `\r`, and sent as is it broke the request, and the error quoting it leaked it in a form the
redactor did not know.
"""
from __future__ import annotations

import os
import re

from checkin_app import log
from checkin_app.errors import ConfigError

SERVICE = "checkin-app"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: str, source: str) -> str:
    """A secret as entered, with surrounding whitespace (a copied line break) stripped.

    Args:
        value: the secret as read.
        source: where it came from, for the message ("environment variable TT_KEY").

    Raises:
        ConfigError: control characters inside it (never quoting the value).
    """
    value = value.strip()
    bad = _CONTROL.search(value)
    if bad:
        raise ConfigError(f"the secret in {source} has a control character (U+{ord(bad.group()):04X}) at position "
                          f"{bad.start() + 1}: copy it again as one line of plain text")
    return value


def keyring_available() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        return not isinstance(keyring.get_keyring(), fail.Keyring)
    except Exception:  # a broken keyring backend means "no keyring", not a crash
        return False


def from_env(var: str) -> str:
    """Read a secret from an environment variable, with a message naming the variable when it is unset."""
    value = os.environ.get(var, "")
    log.redact(value.strip())  # before anything can quote it, even in a refusal
    value = clean(value, f"environment variable {var}")
    if not value:
        raise ConfigError(f"environment variable {var} is not set (it should hold the secret)")
    return value


def remember(entry: str, value: str, env_var: str | None) -> dict:
    """Keep a secret for later and return the reference to store in the connection's settings.

    Args:
        entry: the keyring entry name (the connection's name).
        value: the secret.
        env_var: the variable it came from; kept as the reference when no keyring exists.

    Raises:
        ConfigError: no place to keep it, or the secret has control characters.
    """
    log.redact(value.strip())
    value = clean(value, f"the secret for {entry}")
    if keyring_available():
        import keyring

        try:
            keyring.set_password(SERVICE, entry, value)
            return {"keyring": entry}
        except Exception as exc:  # locked or refusing keyrings fall back to the variable
            if env_var is None:
                raise ConfigError(f"the OS keyring refused the secret ({type(exc).__name__})") from None
    if env_var is None:
        raise ConfigError("no OS keyring on this machine: pass the secret through an environment variable")
    return {"env": env_var}


def resolve(ref: dict | None, what: str = "secret") -> str:
    """The secret a settings reference points at."""
    if not ref:
        raise ConfigError(f"no {what} configured for this connection")
    if "keyring" in ref:
        import keyring

        value = keyring.get_password(SERVICE, ref["keyring"]) if keyring_available() else None
        if not value:
            raise ConfigError(f"the {what} for {ref['keyring']!r} is not in the OS keyring; connect again")
        log.redact(value.strip())
        return clean(value, f"the OS keyring entry {ref['keyring']!r}")
    if "env" in ref:
        return from_env(ref["env"])
    raise ConfigError(f"unrecognised {what} reference")


def forget(ref: dict | None) -> None:
    if ref and "keyring" in ref and keyring_available():
        import keyring

        try:
            keyring.delete_password(SERVICE, ref["keyring"])
        except Exception:
            pass  # already gone


def keyring_get(entry: str) -> str | None:
    """The keyring's value for `entry`, or None (no keyring, or no such entry)."""
    if not keyring_available():
        return None
    import keyring

    try:
        value = keyring.get_password(SERVICE, entry)
    except Exception:  # a locked keyring reads as "not there"
        return None
    if value:
        log.redact(value.strip())
        value = clean(value, f"the OS keyring entry {entry!r}")
    return value or None


def keyring_set(entry: str, value: str) -> None:
    """Keep `value` in the keyring under `entry`.

    Raises:
        ConfigError: no keyring, or it refused.
    """
    if not keyring_available():
        raise ConfigError("no OS keyring on this machine")
    import keyring

    try:
        keyring.set_password(SERVICE, entry, value)
    except Exception as exc:
        raise ConfigError(f"the OS keyring refused the secret ({type(exc).__name__})") from None
