"""Application-wide key filter: scanner bursts become scans, people's typing passes through.

Installed on the QApplication, it sees every key press before any widget does. Printable keys
(and Enter/Tab ending a held run) go to a `scanning.wedge.WedgeParser` and are held back; when the
parser decides a run was typed by a person, the held presses are re-sent, in order, to the
widget that has focus, so a search box gets exactly what was typed (at most one key gap late).
When the run was a scan, the held presses are dropped (nothing leaks into a focused field) and
`scanned` is emitted, whether or not any field has focus.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from checkin_app.scanning.wedge import LAYOUT_WARNING, SCAN, TYPED, WedgeParser

_TERMINATOR_KEYS = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Enter: "\r", Qt.Key.Key_Tab: "\t"}
_COMMAND_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


class WedgeFilter(QObject):
    """Turns keyboard-wedge scanner bursts into `scanned` signals.

    Args:
        parser: the parser to use (default: `WedgeParser()` with its defaults).
        clock: milliseconds, monotonic; tests inject one to control key timing.
        parent: Qt parent.

    Signals:
        scanned(str): a code a scanner typed (normalised, layout translated where detected).
        layoutWarning(str): the scanner's keyboard layout does not match the computer's (once per
            layout); a message for the door staff.
    """

    scanned = Signal(str)
    layoutWarning = Signal(str)

    def __init__(self, parser: WedgeParser | None = None, clock: Callable[[], float] = _monotonic_ms,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.parser = parser or WedgeParser()
        self._clock = clock
        self._held: deque[tuple[QObject, QKeyEvent]] = deque()
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll)

    def install(self, app: QApplication | None = None) -> "WedgeFilter":
        """Install on the application (default: the running one); returns self."""
        (app or QApplication.instance()).installEventFilter(self)
        return self

    def uninstall(self, app: QApplication | None = None) -> None:
        """Remove from the application, passing on anything still held."""
        (app or QApplication.instance()).removeEventFilter(self)
        self._handle(self.parser.flush(self._clock()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        char = self._char_of(event)
        if char is None or (char in "\r\t" and not self.parser.pending):
            # A command key, auto-repeat or a lone Enter/Tab: first settle what is held (so the
            # order of keys is kept), then let this one through.
            if self.parser.pending:
                self._handle(self.parser.flush(self._clock()))
            return False
        self._held.append((watched, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text(),
                                              event.isAutoRepeat(), event.count())))
        self._handle(self.parser.feed(char, self._clock()))
        return True

    @Slot()
    def poll(self) -> None:
        """Decide a held run that has gone quiet (the timer calls this)."""
        self._handle(self.parser.poll(self._clock()))

    @staticmethod
    def _char_of(event: QKeyEvent) -> str | None:
        """The character this press stands for, or None for keys the parser must not see."""
        if event.isAutoRepeat() or event.modifiers() & _COMMAND_MODIFIERS:
            return None
        key = Qt.Key(event.key())
        if key in _TERMINATOR_KEYS:
            return _TERMINATOR_KEYS[key]
        text = event.text()
        return text if len(text) == 1 and text.isprintable() else None

    def _handle(self, events) -> None:
        for e in events:
            if e.kind == TYPED:
                self._replay(len(e.text))
            elif e.kind == SCAN:
                self.scanned.emit(e.text)
            elif e.kind == LAYOUT_WARNING:
                self.layoutWarning.emit(e.text)
        # Whatever the parser no longer holds and did not ask to pass on was a scan: drop it.
        while len(self._held) > self.parser.pending:
            self._held.popleft()
        self._schedule()

    def _replay(self, count: int) -> None:
        """Send the oldest `count` held presses to the focused widget (or where they were going)."""
        self._replaying = True
        try:
            for _ in range(min(count, len(self._held))):
                watched, event = self._held.popleft()
                target = QApplication.focusWidget() or watched
                if shiboken6.isValid(target):
                    QApplication.sendEvent(target, event)
        finally:
            self._replaying = False

    def _schedule(self) -> None:
        deadline = self.parser.next_deadline()
        if deadline is None:
            self._timer.stop()
            return
        self._timer.start(max(1, int(deadline - self._clock()) + 1))
