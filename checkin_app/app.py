"""Composition root: the only module that wires the layers together for one data dir."""
from __future__ import annotations

from pathlib import Path

from checkin_app import log, paths
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store import peers


class App:
    """Everything one process needs for a data dir.

    Args:
        data_dir: `--data-dir`, or None for the default location.
        door: this door's label (`--device`), shown to other doors.
    """

    def __init__(self, data_dir: str | Path | None = None, door: str | None = None):
        self.data_dir = paths.data_dir(data_dir)
        # The door's connection: its scans never run a WAL checkpoint inside their commit.
        self.store = Store(self.data_dir, background_checkpoints=True)
        self.log_file = log.setup(paths.log_dir(self.data_dir))
        # The door's name is kept in its data dir (`services.doors.set_door_name`); `--device` wins for one command.
        self.checkin = CheckinService(self.store, door=door or peers.door_name(self.store.conn))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "App":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
