"""Adding, testing and removing provider connections. Secrets go to the keyring (or stay in env vars)."""
from __future__ import annotations

from dataclasses import dataclass

from checkin_app import log, secrets
from checkin_app.errors import ConfigError
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.store.connections import Connection

PROVIDERS = ("tickettailor", "ticketor", "ticketsolve", "oneticket", "ticketevolution", "relay")


@dataclass(frozen=True)
class Credentials:
    """Where `connect` reads secrets from: environment variable names, never the values."""

    api_key_env: str | None = None
    username: str | None = None
    password_env: str | None = None
    token_env: str | None = None
    secret_env: str | None = None


def check(provider: str, base_url: str | None, creds: Credentials, extra: dict | None = None, *,
          api_key: str | None = None) -> dict:
    """Try the credentials against the provider; returns what the provider said (e.g. box office name).

    Args:
        extra: provider settings that are not secrets (1Ticket's `token_header`).
        api_key: the key itself (typed into the GUI); otherwise it is read from `creds.api_key_env`.

    Raises:
        AuthError: the provider refused them; ProviderError: it could not be reached.
    """
    if provider == "tickettailor":
        from checkin_app.providers.tickettailor_api import TicketTailorClient

        if api_key:
            log.redact(api_key.strip())
            key = secrets.clean(api_key, "the API key")
        elif creds.api_key_env:
            key = secrets.from_env(creds.api_key_env)
        else:
            raise ConfigError("Ticket Tailor needs an API key (or --api-key-env VAR, the variable holding it)")
        return TicketTailorClient(base_url or "https://api.tickettailor.com/v1", key).ping()
    if provider in ("ticketor", "ticketsolve"):
        return {}  # webhook-only providers: nothing to call; deliveries arrive at the receiver
    if provider == "relay":
        from checkin_app.providers.relay import RelayClient

        if not creds.token_env:
            raise ConfigError("a relay connection needs --token-env VAR (the variable holding the relay's token)")
        client = RelayClient(base_url or "", secrets.from_env(creds.token_env))
        try:
            return client.ping()
        finally:
            client.close()
    if provider == "oneticket":
        from checkin_app.providers.oneticket_api import DEFAULT_HEADER, OneTicketClient

        if not creds.token_env:
            raise ConfigError("1Ticket needs --token-env VAR (the variable holding the API token)")
        client = OneTicketClient(base_url, secrets.from_env(creds.token_env),
                                 header_name=(extra or {}).get("token_header") or DEFAULT_HEADER)
        try:
            return client.verify()
        finally:
            client.close()
    if provider == "ticketevolution":
        from checkin_app.providers.ticketevolution_api import TicketEvolutionClient

        if not creds.token_env or not creds.secret_env:
            raise ConfigError("Ticket Evolution needs --token-env VAR and --secret-env VAR (API token and secret)")
        client = TicketEvolutionClient(base_url, secrets.from_env(creds.token_env), secrets.from_env(creds.secret_env))
        try:
            return client.check()
        finally:
            client.close()
    raise ConfigError(f"connecting to {provider} is not available in this build")


def connect(store: Store, provider: str, name: str, base_url: str | None, creds: Credentials,
            extra: dict | None = None, *, api_key: str | None = None) -> tuple[Connection, dict]:
    """Check the credentials, then save the connection with a reference to its secret (nothing saved on failure).

    Args:
        extra: provider settings that are not secrets (1Ticket's `token_header` and `filters`).
        api_key: the key itself (the GUI's field); it goes to the OS keyring, and where there is
            none, the connection needs `creds.api_key_env` instead.
    """
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}; one of: {', '.join(PROVIDERS)}")
    if store.conn.execute("SELECT 1 FROM connections WHERE name = ?", (name,)).fetchone():
        raise ConfigError(f"a connection named {name!r} already exists")
    if not (name or "").strip():
        raise ConfigError("a connection needs a name")
    info = check(provider, base_url, creds, extra, api_key=api_key)
    settings: dict = dict(extra or {})
    if api_key:
        settings["secret"] = secrets.remember(f"{name}:api-key", api_key, creds.api_key_env)
    elif creds.api_key_env:
        settings["secret"] = secrets.remember(f"{name}:api-key", secrets.from_env(creds.api_key_env), creds.api_key_env)
    if creds.token_env:
        settings["token"] = secrets.remember(f"{name}:token", secrets.from_env(creds.token_env), creds.token_env)
    if creds.secret_env:
        settings["signing_secret"] = secrets.remember(f"{name}:secret", secrets.from_env(creds.secret_env), creds.secret_env)
    if creds.password_env:
        settings["password"] = secrets.remember(f"{name}:password", secrets.from_env(creds.password_env), creds.password_env)
    if creds.username:
        settings["username"] = creds.username
    with store.transaction() as conn:
        connection = conns.add(conn, name, provider, base_url, settings)
    return connection, info


def remove(store: Store, name: str) -> None:
    connection = conns.by_name(store.conn, name)
    for key in ("secret", "token", "signing_secret", "password"):
        secrets.forget(connection.settings.get(key))
    with store.transaction() as conn:
        conn.execute("UPDATE events SET connection_id = NULL WHERE connection_id = ?", (connection.id,))
        conns.remove(conn, connection.id)


def describe(connection: Connection) -> dict:
    """A connection for display: where its secret lives, never the secret."""
    where = {}
    for key in ("secret", "token", "signing_secret", "password"):
        ref = connection.settings.get(key)
        if ref:
            where[key] = f"keyring:{ref['keyring']}" if "keyring" in ref else f"env:{ref['env']}"
    return {"name": connection.name, "provider": connection.provider, "base_url": connection.base_url, "secrets": where,
            "events": connection.settings.get("events")}


def overview(store: Store) -> list[dict]:
    """Every connection for display, with its last sync outcome."""
    from checkin_app.store import sync_state

    rows = []
    for c in conns.all_connections(store.conn):
        state = sync_state.load(store.conn, c.id, "connection")
        rows.append({**describe(c), "id": c.id, "last_success_at": state.last_success_at, "last_error": state.last_error})
    return rows


def connect_at(data_dir, provider: str, name: str, base_url: str | None, creds: Credentials,
               api_key: str | None = None) -> tuple[Connection, dict]:
    """`connect` with a Store of its own: for a caller's worker thread (the check is a network call)."""
    with Store(data_dir) as store:
        return connect(store, provider, name, base_url, creds, api_key=api_key)
