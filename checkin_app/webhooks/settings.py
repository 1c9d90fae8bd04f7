"""Where the receiver's secrets come from: environment variables first, then the OS keyring.

Path tokens and the relay token are ours to choose: each comes from its environment variable when
set (at least 24 characters); otherwise from the OS keyring, where a random token is created on
first use and kept, so the URLs given to providers stay the same across restarts. With neither a
variable nor a keyring the receiver refuses to start and says which variables to set: a token made
up for one run would silently break every provider's webhook at the next restart.
Ticket Tailor's signing secret is Ticket Tailor's: only from its variable (or the keyring entry).
Secrets are registered with the log redactor as they are read; none is written to the database.
"""
from __future__ import annotations

import os
import secrets as random_tokens

from checkin_app import log, secrets
from checkin_app.errors import ConfigError
from checkin_app.providers import registry
from checkin_app.webhooks.receiver import MAX_BODY_BYTES, TOKEN_PROVIDERS, ReceiverConfig
from checkin_app.webhooks.signature import MIN_TOKEN_LENGTH

#: The variable each secret comes from by default: each provider's webhook route names its own
#: (`ProviderSpec.webhook.env`); the relay's bearer token is the receiver's own.
DEFAULT_ENV = {**{s.id: s.webhook.env for s in registry.SPECS.values() if s.webhook is not None},
               "relay": "CHECKIN_RELAY_TOKEN"}
KEYRING_ENTRY = "webhooks:{}"


def token(name: str, env_var: str | None = None) -> str:
    """A token we choose (path or bearer), from `env_var` or the keyring (created there on first use).

    Raises:
        ConfigError: too short, or neither the variable nor a keyring is available.
    """
    env_var = env_var or DEFAULT_ENV[name]
    value = secrets.clean(os.environ.get(env_var, ""), f"environment variable {env_var}")
    if value:
        if len(value) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"{env_var} is too short for a secret token (at least {MIN_TOKEN_LENGTH} characters)")
        log.redact(value)
        return value
    entry = KEYRING_ENTRY.format(name)
    if not secrets.keyring_available():
        raise ConfigError(
            f"no {name} token: set {env_var} to a long random value (e.g. the output of "
            f"`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`); this machine has no OS keyring to keep one")
    value = secrets.keyring_get(entry)
    if not value:
        value = random_tokens.token_urlsafe(32)
        secrets.keyring_set(entry, value)
    log.redact(value)
    return value


def signing_secret(env_var: str | None) -> str | None:
    """Ticket Tailor's signing secret from `env_var` (or the keyring entry); None when not configured."""
    if env_var:
        return secrets.from_env(env_var)
    var = DEFAULT_ENV["tickettailor"]
    log.redact(os.environ.get(var, "").strip())
    value = secrets.clean(os.environ.get(var, ""), f"environment variable {var}")
    if not value and secrets.keyring_available():
        value = secrets.keyring_get(KEYRING_ENTRY.format("tickettailor")) or ""
    log.redact(value)
    return value or None


def where(name: str, env_var: str | None = None) -> str:
    """Where the secret `name` ("ticketor", "ticketsolve", "relay", "tickettailor") is read from, in words
    an operator can act on (never the value)."""
    env_var = env_var or DEFAULT_ENV[name]
    if os.environ.get(env_var, "").strip():
        return f"environment variable {env_var}"
    return f"OS keyring, service {secrets.SERVICE!r}, entry {KEYRING_ENTRY.format(name)!r}"


def load_config(*, tickettailor_secret_env: str | None = None, token_envs: dict[str, str | None] | None = None,
                relay: bool = True, max_body_bytes: int = MAX_BODY_BYTES) -> ReceiverConfig:
    """The receiver's configuration with every secret resolved.

    Args:
        tickettailor_secret_env: variable holding Ticket Tailor's signing secret.
        token_envs: provider ("ticketor", "ticketsolve", "relay") -> variable name overriding the default.
        relay: serve the relay routes (standalone relays do; an embedded box-office receiver need not).
        max_body_bytes: size limit of a delivery.
    """
    envs = token_envs or {}
    return ReceiverConfig(
        tickettailor_secret=signing_secret(tickettailor_secret_env),
        path_tokens={p: token(p, envs.get(p)) for p in TOKEN_PROVIDERS},
        relay_token=token("relay", envs.get("relay")) if relay else None,
        max_body_bytes=max_body_bytes,
    )
