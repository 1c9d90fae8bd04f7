"""Folding the WAL into the database file on a thread of its own, so that no scan pays for it.

Measured on a 1,000,000-ticket door (`scripts/bench/lists.py`, and 3,000 scans classified by the
WAL header): one scan dirties ~10 pages, so SQLite's automatic checkpoint (every 1,000 WAL pages)
ran inside every ~100th scan's COMMIT, copying ~1,000 pages into the database file and fsyncing
it (median 6.9 ms against 0.5 ms for other scans), and the scan after it restarted the WAL and
fsynced the new WAL header before its own commit (median 3.5 ms). That is 2 % of scans: the p99.

Here the door's connection runs with `wal_autocheckpoint = 0` and tells a `Checkpointer` about
each commit. Every `every` commits, or once the door has been idle `idle_s`, the checkpointer's
own connection runs a PASSIVE checkpoint (it takes no writer lock: scans commit beside it). A
busy door's next scan then restarts the WAL and pays the new header's fsync, once per `every`
scans (0.2 %, under the p99); an idle door's WAL is restarted here with a one-page write, so the
first scan after a pause pays one fsync like every other. The restart write is not tried while
scans are coming: it takes the writer lock, and a scan that finds it taken sleeps in SQLite's busy
handler (1, 2, 5, 10 ms ...), which measured worse than the header fsync it saves.

The WAL stays bounded: a PASSIVE checkpoint folds the frames that were there when it started, and
a door scanning back to back has added more by then, so the WAL is never found fully folded and
never restarts (measured: 5,000 scans back to back left 40,000 pages in it). Past `max_frames`,
the door's own connection folds the last few pages right after its next commit, once per
`max_frames` pages; taking the writer lock here instead starved behind a tight scan loop. A
reader that keeps an old snapshot open holds the WAL back exactly as under SQLite's own
checkpoints. Connections opened without a checkpointer (the sync loop, the door server) keep
SQLite's automatic checkpoint, on their own threads.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from checkin_app.store.db import Database

log = logging.getLogger(__name__)

EVERY_COMMITS = 500  # ~5,000 WAL pages (~20 MB) at ~10 pages a scan: a scan restarts the WAL once per 500 at most
IDLE_S = 5.0
MAX_FRAMES = 20_000  # ~80 MB of WAL at 4 KB pages, the most a door behind on its checkpoints keeps


def configure_writer(conn: sqlite3.Connection, max_frames: int = MAX_FRAMES) -> None:
    """Leave checkpoints to a `Checkpointer`; a restarted WAL keeps at most `max_frames` pages on disk."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA journal_size_limit = {int(max_frames) * (page_size + 24)}")


class Checkpointer:
    """Checkpoints one database file for a writer of this process that reports its commits.

    Args:
        path: the database file.
        every: fold after this many reported commits.
        idle_s: fold this long after the last reported commit, when any are pending.
        max_frames: past this many WAL pages, the writer folds the rest itself after its next commit.

    The thread starts with the first reported commit (a read-only lane never starts one) and
    opens its own two connections: one checkpoints, one restarts the WAL of an idle door.
    """

    def __init__(self, path: Path, *, every: int = EVERY_COMMITS, idle_s: float = IDLE_S,
                 max_frames: int = MAX_FRAMES):
        self.path = Path(path)
        self.every, self.idle_s, self.max_frames = every, idle_s, max_frames
        self._cv = threading.Condition()
        self._pending = 0
        self._last_commit = 0.0
        self._over_cap = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        # What it did, for the door's diagnostics and the tests.
        self.folds = 0
        self.writer_folds = 0
        self.restarts = 0
        self.largest_wal_frames = 0
        self.error: BaseException | None = None

    def committed(self, conn: sqlite3.Connection) -> None:
        """The writer committed on `conn` (called on its thread, after COMMIT returned, outside a transaction).

        When the WAL outgrew `max_frames` (the door commits faster than a fold that runs beside it
        can finish), or the thread has fallen `10 * every` commits behind, the writer folds the
        rest here: nothing of its own is in flight, so this fold ends with the WAL fully folded and
        the next commit restarts it. Once per `max_frames` pages at most: the bound on the WAL.
        """
        with self._cv:
            self._pending += 1
            self._last_commit = time.monotonic()
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name=f"checkpointer:{self.path.name}", daemon=True)
                self._thread.start()
            if self._pending >= self.every:
                self._cv.notify()
            fold_here = self._over_cap or self._pending >= 10 * self.every
            self._over_cap = False
        if fold_here:
            _passive(conn)
            self.writer_folds += 1

    def close(self) -> None:
        """Fold what is pending and stop the thread (the writer is done)."""
        with self._cv:
            self._stopping = True
            self._cv.notify()
        if self._thread is not None:
            self._thread.join()

    def _due(self) -> bool:
        if self._stopping or self._pending >= self.every:
            return True
        return self._pending > 0 and time.monotonic() - self._last_commit >= self.idle_s

    def _idle(self) -> bool:
        with self._cv:
            return time.monotonic() - self._last_commit >= self.idle_s

    def _run(self) -> None:
        folder = writer = None
        try:
            folder, writer = Database(self.path), Database(self.path)
            configure_writer(writer.conn, self.max_frames)  # its own one-page writes never checkpoint inline
            while True:
                with self._cv:
                    while not self._due():
                        self._cv.wait(timeout=self.idle_s / 2)
                    self._pending, stopping = 0, self._stopping
                self._fold(folder, writer)
                if stopping:
                    return
        except Exception as exc:  # the door keeps scanning and folds on its own thread past 10 * every commits
            self.error = exc
            log.exception("WAL checkpointer for %s stopped", self.path)
        finally:
            for db in (folder, writer):
                if db is not None:
                    db.close()

    def _fold(self, folder: Database, writer: Database) -> None:
        log_frames, done = _passive(folder.conn)
        # The door kept committing while that ran; each round folds only what came meanwhile, so
        # it is shorter, and the WAL restarts (at the next scan) only once a round found nothing new.
        for _ in range(3):
            again = _passive(folder.conn)
            if again == (log_frames, done):
                break
            log_frames, done = again
        self.folds += 1
        self.largest_wal_frames = max(self.largest_wal_frames, log_frames)
        if log_frames >= self.max_frames:
            with self._cv:
                self._over_cap = True
        elif log_frames and done == log_frames and self._idle():
            self._restart(folder, writer, log_frames)

    def _restart(self, folder: Database, writer: Database, folded: int) -> None:
        """Start the WAL over with a one-page write here, so the idle door's next scan pays one fsync.

        SQLite restarts the WAL only for a writer whose transaction began with every frame already
        in the database file; a commit that came in since the fold makes this an empty transaction.
        """
        with writer.transaction() as conn:
            if _passive(folder.conn) != (folded, folded):
                return
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(version)}")  # rewrites page 1 as it is: a frame
        self.restarts += 1


def _passive(conn: sqlite3.Connection) -> tuple[int, int]:
    """One PASSIVE checkpoint: (pages in the WAL, pages of it now in the database file)."""
    # fetchall: a statement left with a row unread keeps its read lock, and SQLite restarts the WAL
    # only when no connection holds one.
    ((_busy, log_frames, done),) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return max(0, log_frames), max(0, done)
