"""The background sync loop shared by the GUI and `checkin-app sync --watch`.

One thread, its own Store (SQLite connections stay on their thread). Every `interval_s` it
syncs each connection: push first, then pull. `trigger()` syncs now; `stop()` cancels the round
in progress between requests and returns once the thread has ended.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.engine import SyncReport, sync_connection

log = logging.getLogger(__name__)


class SyncLoop:
    """Sync every connection of a data dir, again and again.

    Args:
        data_dir: the data dir to sync.
        interval_s: pause between rounds while all is well.
        on_report: called on the loop's thread after each connection's sync.
        progress: forwarded to the engine (what, done, total).
    """

    def __init__(self, data_dir: Path, interval_s: float = 5.0, on_report: Callable[[SyncReport], None] | None = None,
                 progress=None):
        self.data_dir = Path(data_dir)
        self.interval_s = interval_s
        self.on_report = on_report or (lambda _r: None)
        self.progress = progress
        self._cancel = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="sync-loop", daemon=True)
        self._thread.start()

    def trigger(self) -> None:
        """Sync now instead of waiting for the interval."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._cancel.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        store = Store(self.data_dir)
        try:
            while not self._cancel.is_set():
                self.run_once(store)
                self.rounds += 1
                self._wake.wait(self.interval_s)
                self._wake.clear()
        finally:
            store.close()

    def run_once(self, store: Store) -> list[SyncReport]:
        reports = []
        for connection in conns.all_connections(store.conn):
            if self._cancel.is_set():
                break
            try:
                report = sync_connection(store, connection, cancel=self._cancel, progress=self.progress)
            except Exception:  # a bug in one round must not kill the loop; it is logged with its traceback
                log.exception("sync round for %s crashed", connection.name)
                continue
            reports.append(report)
            self.on_report(report)
        return reports
