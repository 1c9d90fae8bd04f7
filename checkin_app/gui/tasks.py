"""Background work for the GUI: one lane for the database, a pool for the network.

Anki's `op` / `success` / `failure` shape: the GUI hands over a function, it runs off the GUI
thread, and its result (or exception) comes back **on the GUI thread** by a queued signal. The
database lane is a single thread owning its own `App` (SQLite connections stay on their thread,
and one writer at a time is what SQLite wants anyway). Network work (sync, provider checks) runs
in a thread pool so a slow provider never queues behind a scan.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from checkin_app.app import App
from checkin_app.errors import CheckinError

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class _DbWorker(QObject):
    """Lives on the database thread; runs jobs in order against its own App."""

    finished = Signal(int, bool, object)  # job id, ok, result or exception
    ready = Signal()

    def __init__(self, data_dir: Path, door: str | None):
        super().__init__()
        self._data_dir, self._door = data_dir, door
        self.app: App | None = None

    @Slot()
    def open(self) -> None:
        self.app = App(self._data_dir, door=self._door)
        self.ready.emit()

    @Slot(int, object)
    def run(self, job_id: int, op: Callable[[App], Any]) -> None:
        try:
            result = op(self.app)
        except BaseException as exc:  # handed to the GUI thread, which decides message vs crash
            exc.__traceback_text__ = traceback.format_exc()
            self.finished.emit(job_id, False, exc)
            return
        self.finished.emit(job_id, True, result)

    @Slot()
    def close(self) -> None:
        if self.app is not None:
            self.app.close()
            self.app = None


class _Relay(QObject):
    """Created on the GUI thread: signals emitted from pool threads are queued to it."""

    finished = Signal(int, bool, object)


class _NetJob(QRunnable):
    def __init__(self, job_id: int, op: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.job_id, self.op, self.relay = job_id, op, relay

    def run(self) -> None:
        try:
            result = self.op()
        except BaseException as exc:
            exc.__traceback_text__ = traceback.format_exc()
            self.relay.finished.emit(self.job_id, False, exc)
            return
        self.relay.finished.emit(self.job_id, True, result)


class Tasks(QObject):
    """Run work off the GUI thread and get the outcome back on it.

    Args:
        data_dir: the data dir the database lane opens.
        door: this door's label.

    Signals:
        error(str): an environment error (`CheckinError`) nobody handled: show it as a message.
        crashed(str): a bug (any other exception) nobody handled: the traceback text.
        dbReady(): the database lane has opened the data dir.
    """

    error = Signal(str)
    crashed = Signal(str)
    dbReady = Signal()
    _submit = Signal(int, object)
    _open = Signal()
    _close = Signal()

    def __init__(self, data_dir: Path, door: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Success | None, Failure | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName("db-lane")
        self._worker = _DbWorker(Path(data_dir), door)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._open.connect(self._worker.open)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._done)
        self._worker.ready.connect(self.dbReady)
        self._relay = _Relay()
        self._relay.finished.connect(self._done)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(4)
        self._thread.start()
        self._open.emit()

    def db(self, op: Callable[[App], Any], success: Success | None = None, failure: Failure | None = None) -> int:
        """Run `op(app)` on the database lane, in submission order."""
        job_id = next(self._ids)
        self._pending[job_id] = (success, failure)
        self._submit.emit(job_id, op)
        return job_id

    def net(self, op: Callable[[], Any], success: Success | None = None, failure: Failure | None = None) -> int:
        """Run `op()` in the network pool (it must open its own Store if it needs one)."""
        job_id = next(self._ids)
        self._pending[job_id] = (success, failure)
        self._pool.start(_NetJob(job_id, op, self._relay))
        return job_id

    @Slot(int, bool, object)
    def _done(self, job_id: int, ok: bool, value: object) -> None:
        success, failure = self._pending.pop(job_id, (None, None))
        if ok:
            if success is not None:
                success(value)
            return
        if failure is not None:
            failure(value)
        elif isinstance(value, CheckinError):
            self.error.emit(str(value))
        else:
            text = getattr(value, "__traceback_text__", repr(value))
            log.error("background task failed:\n%s", text)
            self.crashed.emit(text)

    def shutdown(self) -> None:
        """Finish queued database work, close the lane, wait for network jobs."""
        self._close.emit()
        self._thread.quit()
        self._thread.wait()
        self._pool.waitForDone(30_000)
