"""The verdict panel: fills the door view with colour, a drawn icon and words, then clears itself.

Never colour alone: every tone has its own icon shape (tick, arrow, exclamation, cross) and a
headline in words, so a colour-blind steward two metres away reads the same thing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from checkin_app.gui.style import TONES


@dataclass(frozen=True)
class Look:
    tone: str  # ok | info | warn | stop | idle
    headline: str
    cue: str | None  # the sound: admitted | warning | refused
    short: str = ""  # for the list of recent scans


_LOOKS = {
    "admitted": Look("ok", "ADMITTED", "admitted", "Admitted"),
    "forced": Look("ok", "ADMITTED BY SUPERVISOR", "admitted", "Admitted (supervisor)"),
    "exited": Look("info", "EXIT RECORDED", "admitted", "Exit"),
    "already_checked_in": Look("warn", "ALREADY CHECKED IN", "warning", "Already in"),
    "wrong_event": Look("warn", "WRONG EVENT", "warning", "Wrong event"),
    "void": Look("stop", "VOID · DO NOT ADMIT", "refused", "Void"),
    "unknown": Look("stop", "UNKNOWN CODE", "refused", "Unknown"),
    "not_admission": Look("stop", "NOT A TICKET", "refused", "Not a ticket"),
    # Issue 12: the provider said something we do not recognise (fail closed), or the code rotates.
    "check_with_supervisor": Look("stop", "CHECK WITH A SUPERVISOR", "refused", "Check"),
    "rotating_code": Look("warn", "ROTATING CODE · CHECK NAME AND ID", "warning", "Rotating code"),
    "unreadable": Look("stop", "NOT A TICKET CODE", "refused", "Unreadable"),
}
IDLE = Look("idle", "READY", None)


def look_for(verdict: dict) -> Look:
    """How to show a verdict (`Verdict.to_dict()`, or {"verdict": "unreadable", ...})."""
    look = _LOOKS.get(verdict["verdict"], _LOOKS["unknown"])
    if verdict.get("reentry") and look.tone == "ok":
        return Look("ok", "RE-ENTRY · ADMITTED", look.cue, "Re-entry")
    return look


class VerdictIcon(QWidget):
    """A drawn icon per tone (no font glyphs needed): tick, arrow, exclamation, cross, or a scan frame."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tone = "idle"
        self.setFixedSize(150, 150)

    def set_tone(self, tone: str) -> None:
        self.tone = tone
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        fg = QColor(TONES[self.tone]["fg"])
        side = min(self.width(), self.height()) - 12
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p.setPen(QPen(fg, side * 0.08, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        c, r = box.center(), side / 2
        if self.tone == "warn":
            path = QPainterPath(QPointF(c.x(), box.top()))
            path.lineTo(box.right(), box.bottom())
            path.lineTo(box.left(), box.bottom())
            path.closeSubpath()
            p.drawPath(path)
            p.drawLine(QPointF(c.x(), box.top() + r * 0.55), QPointF(c.x(), box.bottom() - r * 0.55))
            p.drawPoint(QPointF(c.x(), box.bottom() - r * 0.25))
            return
        if self.tone == "idle":
            # A viewfinder: four corners, "point the ticket here".
            k = r * 0.45
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                corner = QPointF(c.x() + sx * r * 0.9, c.y() + sy * r * 0.9)
                p.drawLine(corner, QPointF(corner.x() - sx * k, corner.y()))
                p.drawLine(corner, QPointF(corner.x(), corner.y() - sy * k))
            return
        p.drawEllipse(box.adjusted(side * 0.04, side * 0.04, -side * 0.04, -side * 0.04))
        if self.tone == "ok":
            p.drawPolyline([QPointF(c.x() - r * 0.45, c.y()), QPointF(c.x() - r * 0.1, c.y() + r * 0.35),
                            QPointF(c.x() + r * 0.5, c.y() - r * 0.35)])
        elif self.tone == "info":  # an arrow out of the door
            p.drawLine(QPointF(c.x() - r * 0.45, c.y()), QPointF(c.x() + r * 0.45, c.y()))
            p.drawPolyline([QPointF(c.x() + r * 0.1, c.y() - r * 0.35), QPointF(c.x() + r * 0.45, c.y()),
                            QPointF(c.x() + r * 0.1, c.y() + r * 0.35)])
        else:
            d = r * 0.38
            p.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
            p.drawLine(QPointF(c.x() + d, c.y() - d), QPointF(c.x() - d, c.y() + d))


class VerdictPanel(QFrame):
    """The big coloured verdict.

    Args:
        clear_after_ms: (admitting, refusing) verdicts clear after this long; a refusal stays longer.

    Signals:
        shown(dict): a verdict went up (the dict given to `show_verdict`).
        painted(float): the first paint of a verdict, seconds since `show_verdict` was asked.
        cleared(): back to "ready".
    """

    shown = Signal(dict)
    painted = Signal(float)
    cleared = Signal()

    def __init__(self, clear_after_ms: tuple[int, int] = (3500, 6000), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("verdictPanel")
        self.clear_after_ms = clear_after_ms
        self.look = IDLE
        self.verdict: dict | None = None
        self._asked_at: float | None = None
        self._timer = QTimer(self, singleShot=True, timeout=self.clear)
        self.icon = VerdictIcon()
        self.headline = self._label(46, bold=True)
        self.name = self._label(34, bold=True)
        self.detail = self._label(22)
        self.reason = self._label(22)
        self.reason.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(30, 24, 30, 24)
        lay.setSpacing(8)
        lay.addStretch(1)
        lay.addWidget(self.icon, 0, Qt.AlignHCenter)
        for w in (self.headline, self.name, self.detail, self.reason):
            lay.addWidget(w)
        lay.addStretch(1)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.clear()

    @staticmethod
    def _label(points: int, bold: bool = False) -> QLabel:
        label = QLabel()
        label.setAlignment(Qt.AlignCenter)
        font = QFont()
        font.setPointSize(points)
        font.setBold(bold)
        label.setFont(font)
        label.setTextInteractionFlags(Qt.NoTextInteraction)
        return label

    def show_verdict(self, verdict: dict, asked_at: float | None = None) -> Look:
        """Show a verdict now, replacing whatever is up (the next scan interrupts).

        Args:
            verdict: `Verdict.to_dict()` (or {"verdict": "unreadable", "message": ...}).
            asked_at: `time.perf_counter()` when the scan arrived, for the painted-latency figure.
        """
        self.verdict = verdict
        self.look = look_for(verdict)
        ticket = verdict.get("ticket") or {}
        self.headline.setText(self.look.headline)
        self.name.setText(ticket.get("holder_name") or ("Guest" if ticket else ""))
        parts = [ticket.get("ticket_type"), ticket.get("seat")]
        if ticket.get("kind") == "guest_list":
            parts.append(f"party of {ticket.get('party_size')}")
        self.detail.setText("  ·  ".join(p for p in parts if p))
        # Admissions say it all in the headline and name; anything else shows the engine's reason.
        self.reason.setText("" if self.look.tone == "ok" and not verdict.get("reentry") else verdict.get("message", ""))
        self._apply_tone(self.look.tone)
        self._asked_at = asked_at if asked_at is not None else time.perf_counter()
        self._timer.start(self.clear_after_ms[0] if self.look.tone in ("ok", "info") else self.clear_after_ms[1])
        self.shown.emit(verdict)
        return self.look

    def clear(self) -> None:
        self.verdict, self.look = None, IDLE
        self._timer.stop()
        self.headline.setText("READY")
        self.name.setText("Scan a ticket")
        self.detail.setText("camera, USB scanner or type the code below")
        self.reason.setText("")
        self._apply_tone("idle")
        self.cleared.emit()

    def _apply_tone(self, tone: str) -> None:
        colours = TONES[tone]
        self.setStyleSheet(f"QFrame#verdictPanel {{ background: {colours['bg']}; border-radius: 14px; }}"
                           f" QLabel {{ color: {colours['fg']}; background: transparent; }}")
        self.icon.set_tone(tone)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._asked_at is not None:
            elapsed, self._asked_at = time.perf_counter() - self._asked_at, None
            self.painted.emit(elapsed)
