"""Background work for the GUI: one lane for the database, a pool for the network.

Anki's `op` / `success` / `failure` shape: the GUI hands over a function, it runs off the GUI
thread, and its result (or exception) comes back **on the GUI thread** by a queued signal. The
database lane is a single thread owning its own `App` (SQLite connections stay on their thread,
and one writer at a time is what SQLite wants anyway). A second, read-only lane with its own `App`
serves searches, counters and charts, so a scan never waits behind a query over a million
tickets (WAL lets readers run beside the writer). Network work (sync, provider checks) runs in a
thread pool so a slow provider never queues behind a scan.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from checkin_app.app import App
from checkin_app.errors import CheckinError, StoreError
from checkin_app.gui.plain_words import plain_error

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class _DbWorker(QObject):
    """Lives on the database thread; runs jobs in order against its own App."""

    finished = Signal(int, bool, object)  # job id, ok, result or exception
    ready = Signal()
    openFailed = Signal(str)  # the data dir cannot be used (a message for the user)

    def __init__(self, data_dir: Path, door: str | None):
        super().__init__()
        self._data_dir, self._door = data_dir, door
        self.app: App | None = None

    @Slot()
    def open(self) -> None:
        try:
            self.app = App(self._data_dir, door=self._door)
        except CheckinError as exc:
            self.openFailed.emit(str(exc))
            return
        self.ready.emit()

    @Slot(int, object)
    def run(self, job_id: int, op: Callable[[App], Any]) -> None:
        try:
            if self.app is None:
                raise StoreError(f"the data dir {self._data_dir} is not open")
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
        readReady(): the read lane has opened the data dir.
    """

    error = Signal(str)
    crashed = Signal(str)
    dbReady = Signal()
    readReady = Signal()
    _submit = Signal(int, object)
    _submit_read = Signal(int, object)
    _open = Signal()
    _close = Signal()

    def __init__(self, data_dir: Path, door: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
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
        self._worker.openFailed.connect(self.error)
        self._read_thread = QThread()
        self._read_thread.setObjectName("read-lane")
        self._reader = _DbWorker(Path(data_dir), door)
        self._reader.moveToThread(self._read_thread)
        self._submit_read.connect(self._reader.run)
        # Opened once the writer has migrated the database, so two lanes never migrate at once.
        self._worker.ready.connect(self._reader.open)
        self._close.connect(self._reader.close)
        self._reader.finished.connect(self._done)
        self._reader.ready.connect(self._read_lane_open)
        self._reader.openFailed.connect(self.error)
        self._read_backlog: list[tuple[int, Callable]] | None = []  # jobs asked before the lane opened
        self._relay = _Relay()
        self._relay.finished.connect(self._done)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(4)
        self._thread.start()
        self._read_thread.start()
        self._open.emit()

    def db(self, op: Callable[[App], Any], success: Success | None = None, failure: Failure | None = None) -> int:
        """Run `op(app)` on the database lane, in submission order."""
        job_id = next(self._ids)
        self._pending[job_id] = (success, failure)
        self._submit.emit(job_id, op)
        return job_id

    def read(self, op: Callable[[App], Any], success: Success | None = None, failure: Failure | None = None) -> int:
        """Run `op(app)` on the read lane: queries only (search, counters, stats), in order."""
        job_id = next(self._ids)
        self._pending[job_id] = (success, failure)
        if self._read_backlog is not None:
            self._read_backlog.append((job_id, op))
        else:
            self._submit_read.emit(job_id, op)
        return job_id

    @Slot()
    def _read_lane_open(self) -> None:
        backlog, self._read_backlog = self._read_backlog or [], None
        for job_id, op in backlog:
            self._submit_read.emit(job_id, op)
        self.readReady.emit()

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
        else:
            self.report(value)

    def explain(self, exc: BaseException, show: Callable[[str], None]) -> None:
        """An act's failure: `show` the reason when the user can act on it, else report it as a crash."""
        if isinstance(exc, CheckinError):
            show(plain_error(str(exc)))
        else:
            self.report(exc)

    def report(self, exc: BaseException) -> None:
        """Hand an exception nobody handled to the user: a message, or a crash with its traceback."""
        if isinstance(exc, CheckinError):
            self.error.emit(plain_error(str(exc)))
        else:
            text = getattr(exc, "__traceback_text__", repr(exc))
            log.error("background task failed:\n%s", text)
            self.crashed.emit(text)

    def shutdown(self) -> None:
        """Finish queued database work, close the lane, wait for network jobs."""
        self._close.emit()
        for thread in (self._thread, self._read_thread):
            thread.quit()
            thread.wait()
        self._pool.waitForDone(30_000)
