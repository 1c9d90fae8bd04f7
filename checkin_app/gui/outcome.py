"""One line saying how an act turned out: a tone's colour, its drawn icon and words.

Every act's outcome shows in one of these (a supervisor's check-in, a walk-up, an export, a
connection test, pairing, starting a server): one look for "it worked", "working on it" and
"refused, because…", and never colour alone.

A refused "Check in" is a refusal, whatever button asked for it: the line takes the verdict's own
look (`verdict.look_for`), so an ALREADY CHECKED IN reads amber with a warning sign, a VOID red
with a cross, exactly as at the door. Never colour alone: the icon and the headline say it too.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from checkin_app.gui.style import TONES
from checkin_app.gui.verdict import VerdictIcon, look_for

ICON_PX = 28


class OutcomeLine(QFrame):
    """Empty (hidden) until an act ends; `tone` is "ok", "info", "warn" or "stop" (None when empty)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("outcomeLine")
        self.tone: str | None = None
        self.icon = VerdictIcon()
        self.icon.setFixedSize(ICON_PX, ICON_PX)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)  # a route URL or a reason to copy
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.icon)
        lay.addWidget(self.label, 1)
        self.clear()

    def text(self) -> str:
        return self.label.text()

    def show_verdict(self, verdict: dict) -> None:
        """An act that decided a verdict (check in, admit anyway, admit from party)."""
        look = look_for(verdict)
        self.show_text(f"{look.headline}: {verdict.get('message', '')}", look.tone)

    def say(self, text: str, ok: bool) -> None:
        """An act ended: it worked (ok), or was refused with this reason."""
        self.show_text(text, "ok" if ok else "stop")

    def working(self, text: str) -> None:
        """An act is under way ("Checking…")."""
        self.show_text(text, "info")

    def show_text(self, text: str, tone: str) -> None:
        self.tone = tone
        colours = TONES[tone]
        self.setStyleSheet(f"QFrame#outcomeLine {{ background: {colours['bg']}; border-radius: 6px; }}"
                           f" QLabel {{ color: {colours['fg']}; font-weight: 600; background: transparent; }}")
        self.icon.set_tone(tone)
        self.label.setText(text)
        self.setVisible(True)

    def clear(self) -> None:
        self.tone = None
        self.label.clear()
        self.setVisible(False)
