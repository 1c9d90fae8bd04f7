"""One sync of one connection: push the outbox, then pull. Used by the CLI and the background loop."""
from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import asdict, dataclass, field

from checkin_app import secrets
from checkin_app.log import scrub
from checkin_app.errors import CheckinError, ConfigError, ProviderError
from checkin_app.store import Store
from checkin_app.store import sync_state
from checkin_app.store.connections import Connection
from checkin_app.sync.push import PushReport, push_pending
from checkin_app.sync.tickettailor import Progress, PullReport

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    connection: str
    provider: str
    push: PushReport = field(default_factory=PushReport)
    pull: PullReport | None = None
    error: str | None = None
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        return self.error is None and not self.cancelled and self.push.complete and self.pull is not None

    def to_dict(self) -> dict:
        return {"connection": self.connection, "provider": self.provider, "complete": self.complete,
                "push": {**asdict(self.push), "complete": self.push.complete},
                "pull": asdict(self.pull) if self.pull else None, "error": self.error, "cancelled": self.cancelled}


# Pull (and push) adapters other than Ticket Tailor's, by provider: each module has
# `make_adapter(store, connection, progress, cancel)` returning an object with `push` and `pull`.
ADAPTER_MODULES = {
    "relay": "checkin_app.sync.relay",
    "oneticket": "checkin_app.sync.oneticket",
    "ticketevolution": "checkin_app.sync.ticketevolution",
}


def adapter_for(store: Store, connection: Connection, progress: Progress | None, cancel: threading.Event):
    """The provider adapter (push + pull) for a connection, with its secret resolved."""
    if connection.provider == "tickettailor":
        from checkin_app.providers.tickettailor_api import TicketTailorClient
        from checkin_app.sync.tickettailor import TicketTailorSync

        from checkin_app.providers.http import RetryPolicy

        key = secrets.resolve(connection.settings.get("secret"), "API key")
        # Optional per-connection tuning, e.g. {"retry": {"base_delay": 0.2, "max_attempts": 8}}.
        policy = RetryPolicy(**connection.settings["retry"]) if connection.settings.get("retry") else None
        client = TicketTailorClient(connection.base_url or "https://api.tickettailor.com/v1", key, cancel=cancel,
                                    policy=policy)
        return TicketTailorSync(store, connection, client, progress=progress, cancel=cancel)
    if connection.provider in ADAPTER_MODULES:
        return importlib.import_module(ADAPTER_MODULES[connection.provider]).make_adapter(store, connection, progress,
                                                                                          cancel)
    if connection.provider in ("ticketor", "ticketsolve"):
        raise ConfigError(f"{connection.provider} delivers by webhook only: receive them with `webhooks serve` and "
                          "sync a `relay` connection")
    raise ConfigError(f"sync is not available for {connection.provider} connections yet")


def sync_connection(store: Store, connection: Connection, *, event_remote_ids: list[str] | None = None,
                    cancel: threading.Event | None = None, progress: Progress | None = None) -> SyncReport:
    """Push, then pull. Never raises for provider or network trouble: the report carries it."""
    cancel = cancel or threading.Event()
    report = SyncReport(connection.name, connection.provider)
    error = None
    try:
        adapter = adapter_for(store, connection, progress, cancel)
        report.push = push_pending(store, connection.id, adapter, cancel)
        if not cancel.is_set():
            report.pull = adapter.pull(event_remote_ids)
    except (ProviderError, ConfigError, CheckinError) as exc:
        # Kept in the database and shown in `status`: never a secret, in any form (an error text
        # can carry a URL with a token, or a header echoed by a proxy).
        error = scrub(str(exc))
    report.cancelled = cancel.is_set()
    report.error = error
    with store.transaction() as conn:
        sync_state.record_outcome(conn, connection.id, "connection", error if error else
                                  (None if report.complete else "incomplete: some acts wait for a retry"))
    if error:
        log.warning("sync of %s failed: %s", connection.name, error)
    return report
