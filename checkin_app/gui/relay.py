"""The one way onto the GUI thread: a call made on any thread runs on the GUI thread, if its widget lives.

Electrum's habit: worker threads (the task lanes, the sync loop, the door replicator's peer
threads, a sync's progress callback) never touch a widget; they post a call here, and a queued
signal carries it to the GUI thread. A call belongs to the widget it was made for (its *owner*):
a bound method's object, or the `self` a lambda closes over. If that widget has been deleted by
the time the call arrives (a tab closed, the window shut while a sync ran), the call is dropped
here, once, instead of each callback guarding itself against a dead widget.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


def owner_of(fn: Callable | None) -> QObject | None:
    """The QObject a callback belongs to: a bound method's object, or the `self` a closure captured."""
    if fn is None:
        return None
    bound = getattr(fn, "__self__", None)
    if isinstance(bound, QObject):
        return bound
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None)
    if code is not None and cells and "self" in code.co_freevars:
        try:
            captured = cells[code.co_freevars.index("self")].cell_contents
        except ValueError:  # an empty cell: `self` not bound yet
            return None
        if isinstance(captured, QObject):
            return captured
    return None


def alive(owner: QObject | None) -> bool:
    """False once the widget's C++ side has been deleted (a call for it must be dropped)."""
    return owner is None or shiboken6.isValid(owner)


class GuiRelay(QObject):
    """Lives on the GUI thread (create it there); `post` from any thread runs the call there.

    Signals:
        dropped(object): a call was dropped because its owner had been deleted (the callback).
    """

    _call = Signal(object, object, tuple)  # owner, callback, args
    dropped = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        # Queued even from the GUI thread itself: a posted call never runs inside its poster.
        self._call.connect(self._deliver, Qt.QueuedConnection)

    def post(self, fn: Callable, *args: Any, owner: QObject | None = None) -> None:
        """Run `fn(*args)` on the GUI thread, unless `owner` (default: `owner_of(fn)`) is deleted first."""
        self._call.emit(owner if owner is not None else owner_of(fn), fn, args)

    def bind(self, fn: Callable, owner: QObject | None = None) -> Callable[..., None]:
        """A thread-safe stand-in for `fn`, to hand to a worker as its callback (`on_report=`, `progress=`)."""
        owner = owner if owner is not None else owner_of(fn)
        emit = self._call.emit
        return lambda *args: emit(owner, fn, args)

    @Slot(object, object, tuple)
    def _deliver(self, owner: QObject | None, fn: Callable, args: tuple) -> None:
        deliver(owner, fn, *args, on_drop=self.dropped.emit)


def deliver(owner: QObject | None, fn: Callable, *args: Any, on_drop: Callable[[Callable], None] | None = None) -> None:
    """Call `fn(*args)` now (on the GUI thread) if its owner still lives; else drop it."""
    if not alive(owner):
        log.debug("dropped a call for a deleted %s", type(owner).__name__)
        if on_drop is not None:
            on_drop(fn)
        return
    fn(*args)
