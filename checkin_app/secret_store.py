"""Where a connection's secret lives: the OS keyring, or an environment variable it names.

The database only ever holds a reference (`{"keyring": "<entry>"}` or `{"env": "VAR"}`). Every
secret read is registered with the log redactor before it is returned.
"""
from __future__ import annotations

import os

from checkin_app import log
from checkin_app.errors import ConfigError

SERVICE = "checkin-app"


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
    if not value:
        raise ConfigError(f"environment variable {var} is not set (it should hold the secret)")
    log.redact(value)
    return value


def remember(entry: str, value: str, env_var: str | None) -> dict:
    """Keep a secret for later and return the reference to store in the connection's settings.

    Args:
        entry: the keyring entry name (the connection's name).
        value: the secret.
        env_var: the variable it came from; kept as the reference when no keyring exists.
    """
    log.redact(value)
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
        log.redact(value)
        return value
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
        log.redact(value)
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
