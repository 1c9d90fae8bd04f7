"""The store facade: one data dir's database, opened and migrated, for one thread."""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Iterator

from checkin_app.store.checkpointer import Checkpointer, configure_writer
from checkin_app.store.db import DB_NAME, Database


class Store:
    """Open a data dir's database.

    Args:
        data_dir: the directory holding `checkin.sqlite3`; created when missing.
        shared: usable from several threads, one at a time (the caller holds a lock).
        background_checkpoints: fold the WAL on a thread of its own instead of inside this
            connection's commits (the door's connection: no scan waits for a checkpoint; see
            `store.checkpointer`).

    Repository functions (`store.tickets`, `store.journal`, ...) take `store.conn`; writes go
    inside `with store.transaction():`.
    """

    def __init__(self, data_dir: Path, shared: bool = False, background_checkpoints: bool = False):
        self.data_dir = Path(data_dir)
        self.db = Database(self.data_dir / DB_NAME, shared=shared)
        self.conn: sqlite3.Connection = self.db.conn
        self._device_id = self.db.device_id
        self.checkpointer: Checkpointer | None = None
        if background_checkpoints:
            configure_writer(self.conn)
            self.checkpointer = Checkpointer(self.db.path)

    @property
    def device_id(self) -> str:
        """This data dir's device id, read each time: a door that finds its data dir was copied takes
        a new one while it runs (`store.device_ids`), and its next act must carry it. Once the store
        is closed, the id it last had."""
        try:
            self._device_id = self.db.device_id
        except sqlite3.ProgrammingError:  # closed
            pass
        return self._device_id

    @contextlib.contextmanager
    def transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """See `Database.transaction` (`durable=False`: no fsync, for bookkeeping only)."""
        with self.db.transaction(durable) as conn:
            yield conn
        if self.checkpointer is not None:
            self.checkpointer.committed(self.conn)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: everything read inside it describes the same moment (writes wait for none)."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()  # folds what this connection wrote before it goes
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
