"""Opening the database: WAL, durable commits, migrations, and errors a user can act on.

One `Database` per thread (sqlite3 connections are not shared across threads). Writers serialise
on SQLite's lock; `busy_timeout` lets the GUI, the sync loop and a CLI call share a data dir.
"""
from __future__ import annotations

import contextlib
import errno
import sqlite3
import itertools
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator, cast

from checkin_app.errors import StoreError
from checkin_app.store import commits
from checkin_app.store.schema import MIGRATIONS

DB_NAME = "checkin.sqlite3"
FINE_LOCK_STEPS_S = (0.0001, 0.0002, 0.0005, 0.001, 0.002)
FINE_LOCK_WAIT_S = 0.05
_SQLITE_MAGIC = b"SQLite format 3\x00"


class Database:
    """A connection to one data dir's database.

    Args:
        path: the database file; created (with its directory) when missing.
        readonly: open for queries only (no migrations).
        shared: usable from several threads; the caller serialises its use (a server's lock).
    """

    def __init__(self, path: Path, *, readonly: bool = False, shared: bool = False):
        self.path = Path(path)
        self._key = str(self.path.resolve())
        if not readonly:
            _ensure_dir_writable(self.path.parent)
        uri = f"file:{self.path}?mode={'ro' if readonly else 'rwc'}"
        with _OPEN_LOCK:
            # Reading the header through an ordinary file handle and closing it drops every POSIX
            # lock this process holds on the file, including those of SQLite connections already
            # open here; another process may then delete the WAL under them and committed rows
            # are lost. So the header is checked only while no connection to the file is open.
            if not _OPEN.get(self._key):
                _check_is_sqlite(self.path)
            try:
                # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly
                # what `transaction()` wraps and nothing is committed behind our back.
                self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0,
                                            check_same_thread=not shared)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open database {self.path}: {exc}") from None
            _OPEN[self._key] = _OPEN.get(self._key, 0) + 1
        self.conn.row_factory = sqlite3.Row
        try:
            self._configure(readonly)
            if not readonly:
                self._migrate()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise translate(exc, self.path) from None

    def _configure(self, readonly: bool) -> None:
        c = self.conn
        c.execute("PRAGMA busy_timeout = 10000")
        c.execute("PRAGMA foreign_keys = ON")
        # 64 MB page cache: a million-ticket door keeps its hot index pages in memory.
        c.execute("PRAGMA cache_size = -65536")
        if not readonly:
            mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: the file system does not support WAL (got {mode})")
        # FULL: a commit returns only after the WAL is on disk, so an acknowledged scan survives
        # power loss, not just a killed process.
        c.execute("PRAGMA synchronous = FULL")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer checkin_app (schema {version}, this one knows "
                f"{len(MIGRATIONS)}); upgrade the app"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                if callable(script):
                    script(self.conn)
                else:
                    for statement in _statements(script):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)", (uuid.uuid4().hex[:12],)
            )

    @contextlib.contextmanager
    def transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE` ... `COMMIT`; rolls back on any exception.

        IMMEDIATE takes the write lock up front, so a read-decide-write sequence (a scan) cannot
        interleave with another process's write.

        Args:
            durable: False for bookkeeping that may be lost with the power (a peer's last
                contact time): the commit skips its fsync (WAL, `synchronous = NORMAL`; it
                stays atomic). Never for a transaction that may append a journal row.
        """
        if not durable:
            self.conn.execute("PRAGMA synchronous = NORMAL")
        try:
            with self._transaction() as conn:
                yield conn
        finally:
            if not durable:
                self.conn.execute("PRAGMA synchronous = FULL")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._begin_immediate()
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self.path) from None
        try:
            yield self.conn
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):  # SQLite may already have rolled back (SQLITE_FULL)
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and environmental(exc):
                raise translate(exc, self.path) from None
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise translate(exc, self.path) from None
        commits.committed(self._key)  # held long-polls wake now, not at their next look

    def _begin_immediate(self) -> None:
        """`BEGIN IMMEDIATE`, waiting for another writer in steps of 0.1-2 ms for the first 50 ms.

        SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20 ... ms between tries, so a scan that
        meets the door server's replica commit (a millisecond or two) waited 3-8 ms for it; these
        steps take the lock within ~0.1 ms of its release (issue 18: a local scan never waits
        behind replication). Past 50 ms SQLite's wait takes over, up to `busy_timeout`.
        """
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            give_up = time.monotonic() + FINE_LOCK_WAIT_S
            for step in itertools.chain(FINE_LOCK_STEPS_S, itertools.repeat(FINE_LOCK_STEPS_S[-1])):
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc).lower() or time.monotonic() + step > give_up:
                        break
                    time.sleep(step)
        finally:
            self.conn.execute("PRAGMA busy_timeout = 10000")
        self.conn.execute("BEGIN IMMEDIATE")

    @property
    def path_key(self) -> str:
        """The database file's resolved path: what `store.commits` listeners register under."""
        return self._key

    @property
    def device_id(self) -> str:
        return cast(str, self.conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0])

    def checkpoint(self) -> None:
        """Fold the WAL into the database file and truncate it (after a bulk load)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.conn.close()
        with _OPEN_LOCK:
            if not getattr(self, "_closed", False) and _OPEN.get(self._key):
                _OPEN[self._key] -= 1
            self._closed = True


# Connections open in this process, per database file (see `Database.__init__`).
_OPEN: dict[str, int] = {}
_OPEN_LOCK = threading.Lock()

_ENVIRONMENTAL = ("not a database", "encrypted", "readonly", "read-only", "disk is full", "disk i/o error",
                  "locked", "busy", "unable to open")


def environmental(exc: sqlite3.Error) -> bool:
    """True for failures of the machine (full disk, read-only, locked), False for bugs (bad SQL)."""
    low = str(exc).lower()
    return any(marker in low for marker in _ENVIRONMENTAL)


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """Turn an SQLite failure caused by the environment into a one-line StoreError."""
    text = str(exc)
    low = text.lower()
    if "file is not a database" in low or "file is encrypted" in low:
        return StoreError(f"{path} is not a checkin_app database (not SQLite); it was left untouched")
    if "readonly" in low or "read-only" in low:
        return StoreError(f"{path}: the data dir is read-only; choose a writable --data-dir")
    if "disk is full" in low:
        return StoreError(f"{path}: the disk is full; free space, nothing was recorded for this act")
    if "disk i/o error" in low:
        return StoreError(f"{path}: the disk reported an I/O error; nothing was recorded for this act")
    if "locked" in low or "busy" in low:
        return StoreError(f"{path}: the database is busy in another process; try again")
    if "unable to open" in low:
        return StoreError(f"{path}: cannot open the database file (check the data dir)")
    return StoreError(f"{path}: database error: {text}")


def _check_is_sqlite(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    if head != _SQLITE_MAGIC:
        raise StoreError(f"{path} is not a checkin_app database (not SQLite); it was left untouched")


def _ensure_dir_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create data dir {directory}: {exc.strerror}") from None
    probe = directory / f".write-test-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = "it is read-only" if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM) else exc.strerror
        raise StoreError(f"data dir {directory} is not writable ({reason}); choose another with --data-dir") from None


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    out, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        candidate = "\n".join(buf).strip()
        if candidate and sqlite3.complete_statement(candidate):
            out.append(candidate)
            buf = []
    tail = "\n".join(buf).strip()
    if tail:
        out.append(tail)
    return out
