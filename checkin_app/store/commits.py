"""Commits to a data dir, told to whoever waits for them (a door server's held long-polls).

A held long-poll used to re-read the journal every 20 ms to see whether anything new had come;
with a 50,000-row journal that alone cost two idle doors a third of a core each (issue 18). Now
it sleeps until something commits:

- a commit by this process (`Database.transaction`) calls `committed(path)` at once, which calls
  every listener registered for that database file (cheap callables: a thread-safe wake-up);
- a commit by another process on the same data dir (the `checkin-app scan` CLI, a second window)
  is seen by `DataVersionWatch`, which asks SQLite's `PRAGMA data_version` (a read of the WAL
  index in shared memory, no query, no I/O) every `every_s` seconds on its own connection and
  calls the same listeners when it changed.

A listener may be called for a commit that brought nothing its waiter wants (or twice for one
commit, once by each path): waiters re-check what they wait for, so extra calls cost one read.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Callable

log = logging.getLogger(__name__)

Listener = Callable[[], None]

_LISTENERS: dict[str, list[Listener]] = {}
_LOCK = threading.Lock()

DATA_VERSION_S = 0.02  # how soon another process's commit is noticed (as soon as the old 20 ms re-read); one PRAGMA a look (~10 us)


def listen(path_key: str, listener: Listener) -> Callable[[], None]:
    """Call `listener` after every commit to the database file `path_key` (its resolved path).

    Returns:
        A function that stops the calls.
    """
    with _LOCK:
        _LISTENERS.setdefault(path_key, []).append(listener)

    def stop() -> None:
        with _LOCK:
            found = _LISTENERS.get(path_key, [])
            if listener in found:
                found.remove(listener)
            if not found:
                _LISTENERS.pop(path_key, None)
    return stop


def committed(path_key: str) -> None:
    """A transaction on `path_key` committed: tell its listeners (on the committing thread)."""
    with _LOCK:
        listeners = list(_LISTENERS.get(path_key, ()))
    for listener in listeners:
        try:
            listener()
        except Exception:  # noqa: BLE001 - a waiter's bug must never fail the commit that already happened
            log.exception("a commit listener failed")


class DataVersionWatch:
    """Notices commits by other processes on one database file and calls `committed` for them.

    Args:
        path: the database file.
        path_key: the key listeners registered under (`Database` uses the resolved path).
        every_s: how often to look.
    """

    def __init__(self, path: str, path_key: str, every_s: float = DATA_VERSION_S):
        self.path = path
        self.path_key = path_key
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "DataVersionWatch":
        self._thread = threading.Thread(target=self._run, name="commit-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)

    def _run(self) -> None:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        try:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            while not self._stop.wait(self.every_s):
                try:
                    now = conn.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error as exc:  # busy or failing: look again next time
                    log.debug("PRAGMA data_version failed: %s", exc)
                    continue
                if now != version:
                    version = now
                    committed(self.path_key)
        finally:
            conn.close()
