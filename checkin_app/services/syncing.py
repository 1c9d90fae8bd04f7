"""A sync of every connection (or one), started by hand from the GUI: progress and cancel.

Runs on the caller's thread with its own Store, so the GUI runs it in its network pool while
scans carry on in the database lane.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

from checkin_app.errors import ConfigError
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.store.connections import Connection
from checkin_app.sync.engine import SyncReport, sync_connection
from checkin_app.sync.loop import SyncLoop

Progress = Callable[[str, int], None]  # (what, tickets so far in this connection)


def throttled(progress: Progress, every_s: float = 0.1) -> Callable[[str, int, int | None], None]:
    """The engine's progress callback, passed on at most every `every_s` seconds (a page is ~100 tickets)."""
    last = [0.0]

    def forward(what: str, done: int, _total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= every_s:
            last[0] = now
            progress(what, done)

    return forward


def sync_now(data_dir: Path, *, connection: str | None = None, cancel: threading.Event | None = None,
             progress: Progress | None = None) -> list[SyncReport]:
    """Push then pull each connection (or the one named); stops between pages when `cancel` is set.

    Raises:
        ConfigError: there is no connection to sync.
    """
    cancel = cancel or threading.Event()
    with Store(data_dir) as store:
        targets = connections_to_sync(store, connection)
        if not targets:
            raise ConfigError("no connections yet: add one first")
        reports = []
        for c in targets:
            if cancel.is_set():
                break
            forward = throttled(lambda what, n, name=c.name: progress(f"{name}: {what}", n)) if progress else None
            reports.append(sync_connection(store, c, cancel=cancel, progress=forward))
        return reports


def connections_to_sync(store: Store, name: str | None = None) -> list[Connection]:
    """The connection named, or every connection (none yet: an empty list).

    Raises:
        NotFound: no connection has that name.
    """
    return [conns.by_name(store.conn, name)] if name else conns.all_connections(store.conn)


def sync_one(store: Store, connection: Connection, *, event_remote_ids: list[str] | None = None,
             cancel: threading.Event | None = None,
             progress: Callable[[str, int, int | None], None] | None = None) -> SyncReport:
    """Push then pull one connection; `progress` gets the engine's (what, tickets so far, total or None)."""
    return sync_connection(store, connection, event_remote_ids=event_remote_ids, cancel=cancel, progress=progress)


def watch(data_dir: Path, interval_s: float, on_report: Callable[[SyncReport], None]) -> SyncLoop:
    """The background sync loop (what the GUI runs), not yet started: `start()`, then `stop()`."""
    return SyncLoop(data_dir, interval_s=interval_s, on_report=on_report)
