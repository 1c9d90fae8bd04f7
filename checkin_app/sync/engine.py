"""One sync of one connection: push the outbox, then pull. Used by the CLI and the background loop."""
from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field

from checkin_app.log import scrub
from checkin_app.errors import CheckinError, ConfigError, ProviderError
from checkin_app.providers import registry
from checkin_app.store import Store
from checkin_app.store import sync_state
from checkin_app.store.connections import Connection
from checkin_app.sync.push import PushReport, push_pending
from checkin_app.sync.adapter import Progress, PullReport

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


def adapter_for(store: Store, connection: Connection, progress: Progress | None, cancel: threading.Event):
    """The provider adapter (push + pull) for a connection, with its secret resolved: the one its
    registry entry names (`ProviderSpec.adapter`)."""
    known = registry.SPECS.get(connection.provider)
    if known is not None and known.adapter is not None:
        return registry.load(known.adapter)(store, connection, progress, cancel)
    if known is not None and known.webhook is not None:
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
