"""Application-wide key filter: scanner bursts become scans, people's typing passes through.

Installed on the QApplication, it sees every key press before any widget does. Printable keys
(and Enter/Tab ending a held run) go to a `scanning.wedge.WedgeParser` and are held back; when the
parser decides a run was typed by a person, the held presses are re-sent, in order, to the
widget that has focus, so a search box gets exactly what was typed (at most one key gap late).
When the run was a scan, the held presses are dropped (nothing leaks into a focused field) and
`scanned` is emitted, whether or not any field has focus.

What a USB scanner sends, and so what this filter has to get right:

- **Modifier keys** (Shift before every capital, AltGr before `@` on a German layout, Caps Lock)
  arrive as key presses of their own. They are neither characters nor gaps: they pass through
  and leave the held run alone (cutting the run at each Shift turned "vj0xOSL" into "vj0x").
- **Caps Lock on**: the scanner still presses Shift for capitals, so the case of letters arrives
  inverted ("vj0xOSL" -> "VJ0Xosl"), exactly as any keyboard would type it. The filter takes the
  text Qt's key events carry, never re-cases it: a code is what the keys typed.
- **Timing**: keys are timed by the event's own timestamp (`QKeyEvent.timestamp()`, the X server's
  time), not by when they are processed: keys queued while the GUI thread is busy arrive together,
  and a person's 60 ms/key typing would otherwise look like a scanner's burst.

Keys are never taken from password fields, nor from text fields outside `home` (the Door tab):
what is typed there, fast or slow, belongs to the field. While `home` is on screen, a person's
typing (not a scan) with focus on something that is not a text field (a button, the tab bar) goes
to `home`'s focus proxy (the code field), so a focused button does not swallow it.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from checkin_app.scanning.wedge import LAYOUT_WARNING, SCAN, TYPED, KeyTimeline, WedgeParser

_TERMINATOR_KEYS = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Enter: "\r", Qt.Key.Key_Tab: "\t"}
_CTRL, _ALT, _META = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier,
                      Qt.KeyboardModifier.MetaModifier)
_COMMAND_MODIFIERS = _CTRL | _ALT | _META
# Keys that only change what other keys type (ISO_Level3_Shift arrives as Key_AltGr).
MODIFIER_KEYS = frozenset({
    Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
    Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Hyper_L, Qt.Key.Key_Hyper_R,
    Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock, Qt.Key.Key_ScrollLock, Qt.Key.Key_Mode_switch,
})
_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
# A quiet-gap check that runs this late means the event loop was busy: keys pressed meanwhile
# may still be queued, so the gap is not known to be quiet yet.
_LATE_MS = 30.0
_MAX_RECHECKS = 10


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


def is_text_input(widget: QWidget | None) -> bool:
    """A widget that takes typed text (a line edit, text area, spin box or editable combo box)."""
    return isinstance(widget, _TEXT_INPUTS) or (isinstance(widget, QComboBox) and widget.isEditable())


def is_password_field(widget: QWidget | None) -> bool:
    return isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal


class WedgeFilter(QObject):
    """Turns keyboard-wedge scanner bursts into `scanned` signals.

    Args:
        parser: the parser to use (default: `WedgeParser()` with its defaults).
        clock: milliseconds, monotonic; tests inject one to control the time of key events that
            carry no timestamp of their own (synthetic ones) and of quiet gaps.
        home: where door staff scan (the Door tab). Text fields outside it keep their keys, and
            while it is shown, typing aimed at no text field goes to its focus proxy. None: text
            fields anywhere are watched and typing is not redirected.
        parent: Qt parent.

    Signals:
        scanned(str): a code a scanner typed (normalised, layout translated where detected).
        layoutWarning(str): the scanner's keyboard layout does not match the computer's (once per
            layout); a message for the door staff.
    """

    scanned = Signal(str)
    layoutWarning = Signal(str)

    def __init__(self, parser: WedgeParser | None = None, clock: Callable[[], float] = _monotonic_ms,
                 home: QWidget | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.parser = parser or WedgeParser()
        self.home = home
        self._clock = clock
        self._timeline = KeyTimeline()
        self._held: deque[tuple[QObject, QKeyEvent]] = deque()
        self._replaying = False
        self._due: float | None = None
        self._rechecks = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
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
        if Qt.Key(event.key()) in MODIFIER_KEYS:
            return False  # Shift per capital, AltGr, Caps Lock: the held run goes on
        char = self._char_of(event) if self._watches(QApplication.focusWidget()) else None
        if char is None or (char in "\r\t" and not self.parser.pending):
            # A command key, auto-repeat, a lone Enter/Tab, or a field that keeps its own keys:
            # first settle what is held (so the order of keys is kept), then let this one through.
            if self.parser.pending:
                self._handle(self.parser.flush(self._clock()))
            return False
        self._held.append((watched, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text(),
                                              event.isAutoRepeat(), event.count())))
        self._handle(self.parser.feed(char, self._key_time(event)))
        return True

    @Slot()
    def poll(self) -> None:
        """Decide a held run that has gone quiet (the timer calls this)."""
        now = self._clock()
        if self._due is not None and now - self._due > _LATE_MS and self._rechecks < _MAX_RECHECKS:
            # The loop was busy when the gap should have ended: the rest of a scan may be queued
            # behind, timestamped within the gap. Look again once queued keys have been delivered.
            self._rechecks += 1
            self._due = now + self.parser.max_key_gap_ms
            self._timer.start(int(self.parser.max_key_gap_ms))
            return
        self._handle(self.parser.poll(now))

    def _watches(self, focused: QWidget | None) -> bool:
        """Whether keys typed into `focused` may be a scan (not a password field, not a text field
        outside the Door tab)."""
        if is_password_field(focused):
            return False
        return self.home is None or not is_text_input(focused) or self.home.isAncestorOf(focused)

    def _key_time(self, event: QKeyEvent) -> float:
        received = self._clock()
        stamped = event.timestamp()
        if not stamped:  # a synthetic event carries no time of its own
            return received
        return self._timeline.local_ms(stamped, received, keep_offset=self.parser.pending > 0)

    @staticmethod
    def _char_of(event: QKeyEvent) -> str | None:
        """The character this press stands for, or None for keys the parser must not see."""
        if event.isAutoRepeat():
            return None
        key = Qt.Key(event.key())
        text = event.text()
        printable = len(text) == 1 and text.isprintable()
        mods = event.modifiers()
        # AltGr on Windows is Ctrl+Alt: a character, not a shortcut.
        if mods & _COMMAND_MODIFIERS and not (printable and mods & _CTRL and mods & _ALT and not mods & _META):
            return None
        if key in _TERMINATOR_KEYS:
            return _TERMINATOR_KEYS[key]
        return text if printable else None

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
                target = self._typing_target(QApplication.focusWidget(), event.text()) or watched
                if shiboken6.isValid(target):
                    QApplication.sendEvent(target, event)
        finally:
            self._replaying = False

    def _typing_target(self, focused: QWidget | None, text: str) -> QWidget | None:
        """Where a person's key goes: the focused widget, or the Door tab's code field when the Door
        tab is shown and the focus is on something that takes no text (space stays with a focused
        button: it presses it)."""
        home = self.home
        if home is None or text == " " or is_text_input(focused) or not home.isVisible():
            return focused
        if focused is not None and focused.window() is not home.window():
            return focused  # a dialog of its own
        field = home.focusProxy() or home
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        return field

    def _schedule(self) -> None:
        deadline = self.parser.next_deadline()
        if deadline is None:
            self._timer.stop()
            self._due = None
            self._rechecks = 0
            return
        self._due = deadline
        self._timer.start(max(1, int(deadline - self._clock()) + 1))
