"""One line saying how a supervisor's act turned out: a tone's colour, its drawn icon and words.

A refused "Check in" is a refusal, whatever button asked for it: the line takes the verdict's own
look (`verdict.look_for`), so an ALREADY CHECKED IN reads amber with a warning sign, a VOID red
with a cross, exactly as at the door. Never colour alone: the icon and the headline say it too.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from checkin_app.gui.style import TONES
from checkin_app.gui.verdict import VerdictIcon, look_for

ICON_PX = 28


class OutcomeLine(QFrame):
    """Empty until an act ends; `tone` is "ok", "info", "warn" or "stop" (None when empty)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("outcomeLine")
        self.tone: str | None = None
        self.icon = VerdictIcon()
        self.icon.setFixedSize(ICON_PX, ICON_PX)
        self.text = QLabel()
        self.text.setWordWrap(True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        self.clear()

    def show_verdict(self, verdict: dict) -> None:
        """An act that decided a verdict (check in, admit anyway, admit from party)."""
        look = look_for(verdict)
        self.show_text(f"{look.headline}: {verdict.get('message', '')}", look.tone)

    def show_text(self, text: str, tone: str) -> None:
        self.tone = tone
        colours = TONES[tone]
        self.setStyleSheet(f"QFrame#outcomeLine {{ background: {colours['bg']}; border-radius: 6px; }}"
                           f" QLabel {{ color: {colours['fg']}; font-weight: 600; background: transparent; }}")
        self.icon.set_tone(tone)
        self.text.setText(text)
        self.setVisible(True)

    def clear(self) -> None:
        self.tone = None
        self.text.clear()
        self.setVisible(False)
