"""Character key presses with the X server's own timestamps: what the input really was.

xdotool is a process like any other: on a loaded machine it can be held up between two keys, and
the X server then stamps a real pause. A scan test that fails should say whether its input was one
burst at all; `KeyStamps` records what arrived so the failure message can.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class KeyStamps(QObject):
    """Records (text, X server ms) of every character key press the application gets.

    Install it after the window (and so its key filter) exists: the filter installed last sees
    each key first, before the key filter holds it back.
    """

    def __init__(self):
        super().__init__()
        self.keys: list[tuple[str, int]] = []

    def install(self) -> "KeyStamps":
        QApplication.instance().installEventFilter(self)
        return self

    def uninstall(self) -> None:
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.KeyPress and watched.isWindowType() and event.text():
            self.keys.append((event.text(), event.timestamp()))
        return False

    def burst_gaps(self, since: int = 0) -> list[int]:
        """Per burst (keys up to each Enter, or to the end) from key `since` on: the longest gap
        between its keys, ms."""
        gaps, last, longest = [], None, 0
        for text, stamp in self.keys[since:]:
            if text == "\r":
                gaps.append(longest)
                last, longest = None, 0
                continue
            if last is not None:
                longest = max(longest, stamp - last)
            last = stamp
        if last is not None:
            gaps.append(longest)
        return gaps

    def describe(self) -> str:
        return f"longest key gap per burst, X server ms: {self.burst_gaps()}"
