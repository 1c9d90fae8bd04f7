"""Background work for the GUI: one lane for the database, a pool for the network.

Anki's `op` / `success` / `failure` shape: the GUI hands over a function, it runs off the GUI
thread, and its result (or exception) comes back **on the GUI thread** by a queued signal. The
database lane is a single thread owning its own `App` (SQLite connections stay on their thread,
and one writer at a time is what SQLite wants anyway). A second, read-only lane with its own `App`
serves searches, counters and charts, so a scan never waits behind a query over a million
tickets (WAL lets readers run beside the writer). Network work (sync, provider checks) runs in a
thread pool so a slow provider never queues behind a scan.

Every callback belongs to the widget it was made for (`relay.owner_of`): if that widget is
deleted before the answer arrives, the answer is dropped here, and after `shutdown` every late
answer is; no callback guards itself. An op that changes data names what it changed
(`changes=`, a `domain.changes.Changes`), and `changed` carries that to every view that shows it.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal, Slot

from checkin_app.app import App
from checkin_app.domain.changes import Changes
from checkin_app.errors import CheckinError, StoreError
from checkin_app.gui.plain_words import plain_error
from checkin_app.gui.relay import GuiRelay, alive, deliver, owner_of

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


@dataclass(frozen=True)
class _Job:
    """What to do with a job's answer, and for whom."""

    success: Success | None = None
    failure: Failure | None = None
    owner: QObject | None = None
    changes: Changes | None = None
    cleanup: Success | None = None


class _NetJob(QRunnable):
    def __init__(self, job_id: int, op: Callable[[], Any], finished: Callable[[int, bool, object], None]):
        super().__init__()
        self.job_id, self.op, self.finished = job_id, op, finished

    def run(self) -> None:
        try:
            result = self.op()
        except BaseException as exc:
            exc.__traceback_text__ = traceback.format_exc()
            self.finished(self.job_id, False, exc)
            return
        self.finished(self.job_id, True, result)


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
        changed(Changes, object): data changed (an act, a sync, another door's rows), and the widget
            whose act it was (None: a sync, another door, or several sources merged); views that
            show what changed re-read it, and the act's own widget may skip what it already shows.
        dropped(object): an answer (result or exception) nobody was left to take: its owner was
            deleted, or the lanes had shut down.

    Attributes:
        relay: the GUI-thread relay (`gui.relay.GuiRelay`) for threads outside the lanes.
        closed: `shutdown` ran: new work is refused and late answers are dropped.
    """

    error = Signal(str)
    crashed = Signal(str)
    dbReady = Signal()
    readReady = Signal()
    changed = Signal(object, object)
    dropped = Signal(object)
    _submit = Signal(int, object)
    _submit_read = Signal(int, object)
    _open = Signal()
    _close = Signal()

    def __init__(self, data_dir: Path, door: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Job] = {}
        self.closed = False
        self.relay = GuiRelay(self)
        # Announcements within one burst (another door catching up) reach the views as one.
        self._unannounced, self._source = Changes(), None
        self._announce = QTimer(self, singleShot=True, timeout=self._flush_changes)
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
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(4)
        self._thread.start()
        self._read_thread.start()
        self._open.emit()

    def _job(self, success: Success | None, failure: Failure | None, owner: QObject | None,
             changes: Changes | None, cleanup: Success | None = None) -> int | None:
        """A new job's id, its answer bound to its owner (None once shut down: the job is not run)."""
        if self.closed:
            return None
        job_id = next(self._ids)
        owner = owner if owner is not None else owner_of(success) or owner_of(failure)
        self._pending[job_id] = _Job(success, failure, owner, changes, cleanup)
        return job_id

    def db(self, op: Callable[[App], Any], success: Success | None = None, failure: Failure | None = None, *,
           owner: QObject | None = None, changes: Changes | None = None) -> int | None:
        """Run `op(app)` on the database lane, in submission order.

        Args:
            owner: the widget the answer is for (default: the callbacks' own `owner_of`); a deleted
                owner gets no answer.
            changes: what a successful `op` changed: announced on `changed` after `success` ran.
        """
        job_id = self._job(success, failure, owner, changes)
        if job_id is not None:
            self._submit.emit(job_id, op)
        return job_id

    def read(self, op: Callable[[App], Any], success: Success | None = None, failure: Failure | None = None, *,
             owner: QObject | None = None) -> int | None:
        """Run `op(app)` on the read lane: queries only (search, counters, stats), in order."""
        job_id = self._job(success, failure, owner, None)
        if job_id is None:
            return None
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

    def net(self, op: Callable[[], Any], success: Success | None = None, failure: Failure | None = None, *,
            owner: QObject | None = None, changes: Changes | None = None, cleanup: Success | None = None) -> int | None:
        """Run `op()` in the network pool (it must open its own Store if it needs one).

        Args:
            cleanup: frees what a successful `op` made (a started server) when nobody is left to
                take it: its owner was deleted or the lanes shut down before the answer came.
        """
        job_id = self._job(success, failure, owner, changes, cleanup)
        if job_id is not None:
            self._pool.start(_NetJob(job_id, op, self.relay.bind(self._done, owner=self)))
        return job_id

    @Slot(int, bool, object)
    def _done(self, job_id: int, ok: bool, value: object) -> None:
        job = self._pending.pop(job_id, None) or _Job()
        if ok:
            if self.closed:
                self._orphaned(job, value)  # the window is gone: nobody is left to tell
                return
            if job.success is not None:
                deliver(job.owner, job.success, value, on_drop=lambda _fn: self._orphaned(job, value))
            if job.changes:
                self.announce(job.changes, source=job.owner)
            return
        if self.closed or not alive(job.owner):
            self._orphaned(job, value)
        elif job.failure is not None:
            job.failure(value)
        else:
            self.report(value)

    def _orphaned(self, job: _Job, value: object) -> None:
        """An answer with nobody to take it: what it made is freed; a bug is still logged."""
        self.dropped.emit(value)
        if isinstance(value, BaseException):
            if not isinstance(value, CheckinError):
                log.error("background task failed (its widget was closed):\n%s",
                          getattr(value, "__traceback_text__", repr(value)))
        elif job.cleanup is not None:
            job.cleanup(value)

    def announce(self, changes: Changes, *, source: QObject | None = None, within_ms: int = 0) -> None:
        """Tell the views that `changes` happened (GUI thread; from another thread use
        `relay.bind(...)`). Announcements before the next event-loop turn, or within `within_ms`
        for a burst (scans, another door catching up), are merged into one `changed`."""
        if self.closed or not changes:
            return
        if self._announce.isActive():
            self._source = self._source if source is self._source else None
        else:
            self._source = source
            self._announce.start(within_ms)
        self._unannounced = self._unannounced | changes

    def _flush_changes(self) -> None:
        changes, source = self._unannounced, self._source
        self._unannounced, self._source = Changes(), None
        if changes and not self.closed:
            self.changed.emit(changes, source)

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
        """Finish queued database work, close the lane, wait for network jobs (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._announce.stop()
        self._close.emit()
        for thread in (self._thread, self._read_thread):
            thread.quit()
            thread.wait()
        self._pool.waitForDone(30_000)
