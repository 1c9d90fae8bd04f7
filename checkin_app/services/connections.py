"""Adding, testing and removing provider connections. Secrets go to the keyring (or stay in env vars)."""
from __future__ import annotations

from dataclasses import dataclass

from checkin_app import log, secrets
from checkin_app.errors import ConfigError
from checkin_app.providers import registry
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.store import events
from checkin_app.store.connections import Connection

PROVIDERS = registry.CONNECTABLE
# Settings entries that are references to secrets ("password": connections made before the registry).
_SECRET_KEYS = (*dict.fromkeys(f.key for s in registry.SPECS.values() for f in s.secrets), "password")


@dataclass(frozen=True)
class Given:
    """One field as the user gave it: the value itself, or the environment variable holding it.

    A typed secret goes to the OS keyring; a variable is read now (to check it) and named in the
    connection, so it is read again at each sync.
    """

    value: str | bool | None = None  # bool for an on/off setting (`Field.flag`)
    env: str | None = None


@dataclass(frozen=True)
class Credentials:
    """Where `connect` reads secrets from: environment variable names, never the values.

    The `connect` options by name (kept for callers from before the registry); `given()` turns
    them into the registry's fields.
    """

    api_key_env: str | None = None
    token_env: str | None = None
    secret_env: str | None = None

    def given(self, extra: dict | None = None, api_key: str | None = None) -> dict[str, Given]:
        """The fields of every provider that these options (and `extra` settings) fill in."""
        out: dict[str, Given] = {}
        for f in registry.cli_fields():
            if f.secret:
                env = getattr(self, f.dest, None)
                if env:
                    out[f.key] = Given(env=env)
            else:
                value = getattr(self, f.dest, None) or _nested(extra or {}, f.key)
                if value:
                    out[f.key] = Given(value=value)
        if api_key:
            out["secret"] = Given(value=api_key, env=self.api_key_env)
        return out


def _nested(settings: dict, key: str):
    for part in key.split("."):
        settings = settings.get(part) if isinstance(settings, dict) else None
    return settings


def _put(settings: dict, key: str, value) -> None:
    *path, last = key.split(".")
    for part in path:
        settings = settings.setdefault(part, {})
    settings[last] = value


def _spec(provider: str) -> registry.ProviderSpec:
    try:
        return registry.spec(provider)
    except KeyError:
        raise ConfigError(f"unknown provider {provider!r}; one of: {', '.join(PROVIDERS)}") from None


def _fields(provider: str, creds, extra: dict | None, api_key: str | None) -> dict[str, Given]:
    """The caller's input as the registry's fields (a `Credentials` or a mapping of field key to `Given`)."""
    given = creds.given(extra, api_key) if isinstance(creds, Credentials) else dict(creds or {})
    return {f.key: given[f.key] for f in _spec(provider).fields if f.key in given}


def _resolve(spec: registry.ProviderSpec, base_url: str | None, given: dict[str, Given]) -> dict:
    """Every field's value (secrets read from the variable named), refusing what is missing in one line."""
    if spec.address == "required" and not base_url:
        raise ConfigError(f"a {spec.name} connection needs its address (--base-url URL)")
    values: dict = {}
    for f in spec.fields:
        g = given.get(f.key) or Given()
        if g.value:
            if f.secret and isinstance(g.value, str):  # typed into the form: strip a stray \r, refuse controls
                log.redact(g.value.strip())
                values[f.key] = secrets.clean(g.value, f"the {f.label}")
            else:
                values[f.key] = g.value
        elif g.env and f.secret:
            values[f.key] = secrets.from_env(g.env)
        elif f.required:
            how = f"{f.option} VAR, the variable holding it" if f.secret else f"{f.option} VALUE"
            raise ConfigError(f"{spec.name} needs {'an' if f.label[0] in 'AEIOU' else 'a'} {f.label} (or {how})")
    return values


def check(provider: str, base_url: str | None, creds=None, extra: dict | None = None, *,
          api_key: str | None = None) -> dict:
    """Try the credentials against the provider; returns what the provider said (e.g. box office name).

    Args:
        creds: a `Credentials` (the CLI's options) or the registry fields as `{key: Given}`.
        extra: provider settings that are not secrets (1Ticket's `token_header`), with a `Credentials`.
        api_key: the key itself (typed into the GUI), with a `Credentials`.

    Raises:
        ConfigError: a field is missing; AuthError: the provider refused them; ProviderError: it
        could not be reached.
    """
    spec = _spec(provider)
    values = _resolve(spec, base_url, _fields(provider, creds, extra, api_key))
    return spec.check(base_url, values) if spec.check else {}  # webhook-only: deliveries arrive at the receiver


def connect(store: Store, provider: str, name: str, base_url: str | None, creds=None,
            extra: dict | None = None, *, api_key: str | None = None) -> tuple[Connection, dict]:
    """Check the credentials, then save the connection with a reference to each secret (nothing saved on failure).

    Args:
        creds, extra, api_key: as for `check`. A typed secret goes to the OS keyring; where there
            is none, the connection needs the secret's environment variable instead.
    """
    spec = _spec(provider)
    if not (name or "").strip():
        raise ConfigError("a connection needs a name")
    if conns.name_taken(store.conn, name):
        raise ConfigError(f"a connection named {name!r} already exists")
    given = _fields(provider, creds, extra, api_key)
    values = _resolve(spec, base_url, given)
    info = spec.check(base_url, values) if spec.check else {}
    settings: dict = {}
    for f in spec.fields:
        if f.key not in values:
            continue
        if f.secret:
            settings[f.key] = secrets.remember(f"{name}:{f.keyring_suffix}", values[f.key], given[f.key].env)
        else:
            _put(settings, f.key, values[f.key])
    with store.transaction() as conn:
        connection = conns.add(conn, name, provider, base_url if spec.address != "none" else None, settings)
    return connection, info


def remove(store: Store, name: str) -> None:
    connection = conns.by_name(store.conn, name)
    for key in _SECRET_KEYS:
        secrets.forget(connection.settings.get(key))
    with store.transaction() as conn:
        events.detach_connection(conn, connection.id)
        conns.remove(conn, connection.id)


def describe(connection: Connection) -> dict:
    """A connection for display: where its secret lives, never the secret."""
    where = {}
    for key in _SECRET_KEYS:
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


def connect_at(data_dir, provider: str, name: str, base_url: str | None, creds=None,
               api_key: str | None = None) -> tuple[Connection, dict]:
    """`connect` with a Store of its own: for a caller's worker thread (the check is a network call)."""
    with Store(data_dir) as store:
        return connect(store, provider, name, base_url, creds, api_key=api_key)
