"""The verdict panel: fills the door view with colour, a drawn icon and words.

Never colour alone: every tone has its own icon shape (tick, arrow, exclamation, cross) and a
headline in words, so a colour-blind steward two metres away reads the same thing.

Readable from two metres: the text is sized from the panel's own height (not fixed points), so
it grows with the window and full-screen mode and still fits a 1024×600 laptop. A long name or
reason never widens the panel: it ends in "…" inside the panel's width.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from checkin_app.domain.rules import PASSING, VerdictKind
from checkin_app.gui.fit_label import FitLabel
from checkin_app.gui.style import TONES


@dataclass(frozen=True)
class Look:
    tone: str  # ok | exit | warn | stop | idle
    headline: str
    cue: str | None  # the sound: admitted | warning | refused
    short: str = ""  # for the list of recent scans
    note: str | None = None  # shown instead of the engine's message


# Keyed by the engine's verdicts only (a `VerdictKind` equals its text, so `Verdict.to_dict()`'s
# "verdict" finds its look); tests/gui/test_door_view.py checks every kind has one.
LOOKS = {
    VerdictKind.ADMITTED: Look("ok", "ADMITTED", "admitted", "Admitted"),
    VerdictKind.FORCED: Look("ok", "ADMITTED BY SUPERVISOR", "admitted", "Admitted (supervisor)"),
    VerdictKind.EXITED: Look("exit", "EXIT RECORDED", "admitted", "Exit"),
    VerdictKind.ALREADY_CHECKED_IN: Look("warn", "ALREADY CHECKED IN", "warning", "Already in"),
    VerdictKind.WRONG_EVENT: Look("warn", "WRONG EVENT", "warning", "Wrong event"),
    VerdictKind.VOID: Look("stop", "VOID · DO NOT ADMIT", "refused", "Void"),
    VerdictKind.UNKNOWN: Look("stop", "UNKNOWN CODE", "refused", "Unknown"),
    VerdictKind.NOT_ADMISSION: Look("stop", "NOT A TICKET", "refused", "Not a ticket"),
    # Issue 12: the provider said something we do not recognise (fail closed), or the code rotates.
    VerdictKind.CHECK_WITH_SUPERVISOR: Look("stop", "CHECK WITH A SUPERVISOR", "refused", "Check"),
    VerdictKind.ROTATING_CODE: Look("warn", "ROTATING CODE · CHECK NAME AND ID", "warning", "Rotating code"),
    VerdictKind.UNREADABLE: Look("stop", "NOT A TICKET CODE", "refused", "Unreadable"),
    # Issue 17: the door's check-in list refused; the engine's message says when, how often or how full.
    VerdictKind.OUTSIDE_TIME: Look("stop", "NOT VALID AT THIS TIME", "refused", "Outside time"),
    VerdictKind.ENTRY_LIMIT: Look("warn", "ALREADY ENTERED · LIMIT REACHED", "warning", "Entry limit"),
    VerdictKind.TOO_SOON: Look("warn", "TOO SOON TO ENTER AGAIN", "warning", "Too soon"),
    VerdictKind.NOT_ON_LIST: Look("stop", "NOT ON THIS DOOR'S LIST", "refused", "Not on list"),
    VerdictKind.CAPACITY_FULL: Look("stop", "FULL · WAIT FOR SPACE", "refused", "Full"),
}
IDLE = Look("idle", "READY", None)
IDLE_EXIT = Look("exit", "EXIT MODE", None)


#: An admission that holds the door until staff confirm or deny (docs/architecture.md, "Attention at the door").
HELD = Look("attention", "ATTENTION · CHECK, THEN LET IN", "attention", "Attention")
#: What a held guest reads where no staff stand by the screen (the kiosk).
UNSTAFFED_HOLD = "Please see a member of staff before going in"
#: Staff denied a held guest: not admitted, the ticket stays valid.
DENIED = Look("stop", "NOT LET IN · TICKET STILL VALID", "refused", "Denied")


def look_for(verdict: dict) -> Look:
    """How to show a verdict (`Verdict.to_dict()`); one this build does not know looks unknown (a refusal)."""
    if verdict.get("denied"):
        return DENIED
    if verdict.get("held"):
        return HELD
    look = LOOKS.get(verdict["verdict"], LOOKS[VerdictKind.UNKNOWN])
    if verdict.get("reentry") and look.tone == "ok":
        return Look("ok", "RE-ENTRY · ADMITTED", look.cue, "Re-entry")
    ticket = verdict.get("ticket")
    if verdict["verdict"] == VerdictKind.EXITED and ticket is not None and not ticket.get("checked_in_at"):
        # The ticket leaves without ever having come in: a ticket passed back out, or a wrong mode.
        return Look("warn", "EXIT · NO ENTRY RECORDED", "warning", "Exit (no entry)",
                    "No entry was recorded for this ticket: was it passed back out?")
    return look


def is_refusal(verdict: dict) -> bool:
    return verdict["verdict"] not in PASSING or bool(verdict.get("denied"))


def attention_text(verdict: dict) -> str:
    """The notes and the list's chosen answers, as one line under the verdict ("" when none)."""
    parts = [n.get("text", "") for n in verdict.get("attention") or []]
    parts += [f"{a.get('question')}: {a.get('answer')}" for a in verdict.get("answers") or []]
    return "  ·  ".join(p for p in parts if p)


def who_line(verdict: dict) -> str:
    """Name, ticket type and code: enough to tell two people of the same name apart."""
    ticket = verdict.get("ticket") or {}
    parts = [ticket.get("holder_name") or ("Guest" if ticket else None), ticket.get("ticket_type"),
             f"code {verdict['code']}" if verdict.get("code") else None]
    return " · ".join(p for p in parts if p)


class VerdictIcon(QWidget):
    """A drawn icon per tone (no font glyphs needed): tick, arrow, exclamation, cross, or a scan frame."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tone = "idle"
        self.setFixedSize(150, 150)  # the panel sizes it with the text

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
        if self.tone == "attention":
            # An eye: "look at this guest". Almond outline and a filled pupil.
            path = QPainterPath(QPointF(box.left(), c.y()))
            path.quadTo(QPointF(c.x(), box.top() - r * 0.1), QPointF(box.right(), c.y()))
            path.quadTo(QPointF(c.x(), box.bottom() + r * 0.1), QPointF(box.left(), c.y()))
            p.drawPath(path)
            p.setBrush(fg)
            p.drawEllipse(c, r * 0.22, r * 0.22)
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
        elif self.tone in ("info", "exit"):  # an arrow out of the door
            p.drawLine(QPointF(c.x() - r * 0.45, c.y()), QPointF(c.x() + r * 0.45, c.y()))
            p.drawPolyline([QPointF(c.x() + r * 0.1, c.y() - r * 0.35), QPointF(c.x() + r * 0.45, c.y()),
                            QPointF(c.x() + r * 0.1, c.y() + r * 0.35)])
        else:
            d = r * 0.38
            p.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
            p.drawLine(QPointF(c.x() + d, c.y() - d), QPointF(c.x() - d, c.y() + d))


def cap_ratio(font: QFont) -> float:
    """Cap height per pixel of font size, for this font as the platform renders it."""
    probe = QFont(font)
    probe.setPixelSize(200)
    return QFontMetricsF(probe).capHeight() / 200


def font_with_cap(font: QFont, cap_px: float) -> QFont:
    """`font` at the smallest pixel size whose capital letters are at least `cap_px` tall."""
    sized = QFont(font)
    sized.setPixelSize(max(6, math.ceil(cap_px / cap_ratio(font))))
    while QFontMetricsF(sized).capHeight() < cap_px:
        sized.setPixelSize(sized.pixelSize() + 1)
    return sized


# Capital-letter heights as parts of the panel's height. Measured at 1366×768 maximised (the
# commonest door laptop), the panel is about 560 px tall: headline 45 px, name and reason 31 px,
# which stay readable at two metres (the issue asks ≥ 40 and ≥ 28 px there).
HEADLINE_CAP, NAME_CAP, DETAIL_CAP, REASON_CAP, PREVIOUS_CAP = 0.080, 0.056, 0.040, 0.056, 0.032
ICON_PART = 0.20  # the icon's side, when there is room for it
PREVIOUS_FOR_S = 10  # how long the "previous scan refused" strip stays after the next scan


class VerdictPanel(QFrame):
    """The big coloured verdict.

    Admissions clear after a few seconds; a refusal stays until acknowledged (`clear`, Space or
    Esc at the door) or replaced by the next scan, and a refusal replaced unacknowledged leaves a
    "Previous scan REFUSED" strip for `PREVIOUS_FOR_S` seconds, naming the person, ticket type and
    code, so a void followed at once by a friend's good ticket is not lost in a flash.

    Args:
        clear_after_ms: (admitting, refusing) verdicts clear after this long; None keeps them up.

    Signals:
        shown(dict): a verdict went up (the dict given to `show_verdict`).
        painted(float): the first paint of a verdict, seconds since `show_verdict` was asked.
        cleared(): back to "ready".
    """

    shown = Signal(dict)
    painted = Signal(float)
    cleared = Signal()
    confirmClicked = Signal()
    denyClicked = Signal()

    def __init__(self, clear_after_ms: tuple[int | None, int | None] = (3500, None), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("verdictPanel")
        self.clear_after_ms = clear_after_ms
        self.look = IDLE
        self.exit_mode = False
        self.verdict: dict | None = None
        self._asked_at: float | None = None
        self._timer = QTimer(self, singleShot=True, timeout=self.clear)
        self._sized_for: int | None = None  # the panel height the fonts were chosen for
        self._previous_timer = QTimer(self, singleShot=True, timeout=self.hide_previous)
        self.icon = VerdictIcon()
        self.headline = FitLabel(smallest=0.5)
        self.name = FitLabel()
        self.detail = FitLabel()
        self.reason = FitLabel(lines=2)
        self.previous = FitLabel(smallest=0.7)
        self.previous.setObjectName("previousRefusal")
        self.previous_verdict: dict | None = None
        self._previous_shown: bool | None = None
        # Shown while a guest is held: the two ways out (Enter also confirms; docs/architecture.md).
        # No focus: the code field keeps it, so a scanner's keys never land on a button.
        self.confirm_button = QPushButton("Let in  ⏎")
        self.deny_button = QPushButton("Do not let in")
        self.confirm_button.clicked.connect(lambda: self.confirmClicked.emit())
        self.deny_button.clicked.connect(lambda: self.denyClicked.emit())
        self.hold_bar = QWidget()
        bar = QHBoxLayout(self.hold_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.confirm_button, self.deny_button):
            button.setFocusPolicy(Qt.NoFocus)
            button.setMinimumHeight(44)
            bar.addWidget(button)
        self.hold_bar.hide()
        # Whether this panel's owner ends holds (the Door: Enter, the two buttons). A panel nobody
        # staffs (the kiosk) shows a held guest as "see a member of staff", like a refusal.
        self.staffed = False
        bold = QFont()
        bold.setBold(True)
        self._fonts = {self.headline: bold, self.name: bold, self.detail: QFont(), self.reason: QFont(),
                       self.previous: bold}
        self._lay = lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.icon, 0, Qt.AlignHCenter)
        for w in (self.headline, self.name, self.detail, self.reason):
            lay.addWidget(w)
        lay.addWidget(self.hold_bar)
        lay.addStretch(1)
        lay.addWidget(self.previous)  # its place is kept when empty: the verdict never jumps
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(320, 240)
        self.clear()

    def sizeHint(self) -> QSize:
        return QSize(800, 560)

    # -- what is shown ---------------------------------------------------------------------------

    def show_verdict(self, verdict: dict, asked_at: float | None = None) -> Look:
        """Show a verdict now, replacing whatever is up (the next scan interrupts).

        Args:
            verdict: `Verdict.to_dict()`.
            asked_at: `time.perf_counter()` when the scan arrived, for the painted-latency figure.
        """
        if self.verdict is not None and is_refusal(self.verdict):
            self.show_previous(self.verdict)
        self.verdict = verdict
        self.look = look_for(verdict)
        ticket = verdict.get("ticket") or {}
        self.headline.setText(self.look.headline)
        self.name.setText(ticket.get("holder_name") or ("Guest" if ticket else ""))
        parts = [ticket.get("ticket_type"), ticket.get("seat")]
        if ticket.get("kind") == "guest_list":
            parts.append(f"party of {ticket.get('party_size')}")
        if is_refusal(verdict) and verdict.get("code"):
            parts.append(f"code {verdict['code'][:40]}")  # namesakes differ by their code
        self.detail.setText("  ·  ".join(p for p in parts if p))
        # Admissions say it all in the headline and name; anything else shows the engine's reason.
        quiet = self.look.tone == "ok" and not verdict.get("reentry")
        notes = attention_text(verdict)
        # Notes and chosen answers show on every verdict that has them; a hold shows nothing else.
        self.reason.setText(notes if notes and (quiet or verdict.get("held")) else
                            "  ·  ".join(p for p in ("" if quiet else self.look.note or verdict.get("message", ""), notes) if p))
        if verdict.get("held") and not self.staffed:
            self.reason.setText("  ·  ".join(p for p in (UNSTAFFED_HOLD, notes) if p))
        self._apply_tone(self.look.tone)
        self.hold_bar.setVisible(self.holding)
        self._asked_at = asked_at if asked_at is not None else time.perf_counter()
        after = None if self.holding or verdict.get("held") else self.clear_after_ms[1 if is_refusal(verdict) else 0]
        if after is None:
            self._timer.stop()
        else:
            self._timer.start(after)
        self.shown.emit(verdict)
        return self.look

    def show_previous(self, verdict: dict) -> None:
        """The strip under the verdict: a refusal that the next scan replaced before anyone acknowledged it."""
        self.previous_verdict = verdict
        look = look_for(verdict)
        self.previous.setText(f"Previous scan REFUSED – {look.short}: {who_line(verdict)}")
        self._style_previous(True)
        self._previous_timer.start(PREVIOUS_FOR_S * 1000)

    def _style_previous(self, shown: bool) -> None:
        # White with red words: it stands out on every verdict colour, the red one included.
        # (Only on a change: each style sheet costs a re-polish, about half a millisecond.)
        if shown != self._previous_shown:
            self._previous_shown = shown
            self.previous.setStyleSheet(f"background: white; color: {TONES['stop']['bg']}; border-radius: 8px;"
                                        if shown else "background: transparent;")

    def hide_previous(self) -> None:
        self.previous_verdict = None
        self._previous_timer.stop()
        self.previous.setText("")
        self._style_previous(False)

    @property
    def holding(self) -> bool:
        """A held guest is on screen at a staffed door: only confirm or deny takes it down."""
        return bool(self.staffed and self.verdict and self.verdict.get("held"))

    def acknowledge(self) -> None:
        """Door staff saw the verdict (Space or Esc): back to ready, and no strip about it.

        A hold is not acknowledged away: it needs confirm or deny."""
        if self.holding:
            return
        self.hide_previous()
        self.clear()

    def clear(self) -> None:
        self.verdict = None
        self.hold_bar.hide()
        self.look = IDLE_EXIT if self.exit_mode else IDLE
        self._timer.stop()
        if self.exit_mode:
            self.headline.setText("EXIT MODE")
            self.name.setText("Scan people leaving")
            self.detail.setText("F2 or the Entry button: back to letting people in")
        else:
            self.headline.setText("READY")
            self.name.setText("Scan a ticket")
            self.detail.setText("camera, USB scanner or type the code below")
        self.reason.setText("")
        self._apply_tone(self.look.tone)
        self.cleared.emit()

    def set_exit_mode(self, on: bool) -> None:
        """Exit mode has its own colour, icon and words even while idle."""
        self.exit_mode = on
        if self.verdict is None:
            self.clear()

    def _apply_tone(self, tone: str) -> None:
        colours = TONES[tone]
        self.setStyleSheet(f"QFrame#verdictPanel {{ background: {colours['bg']}; border-radius: 14px; }}"
                           f" QLabel {{ color: {colours['fg']}; background: transparent; }}")
        self.icon.set_tone(tone)

    # -- size -------------------------------------------------------------------------------------

    def _scale(self) -> None:
        """Size the icon and every line from the panel's height (on a resize only: a verdict costs no
        font work; a headline too wide for the panel is painted smaller by its label)."""
        h = self.height()
        if h == self._sized_for:
            return
        self._sized_for = h
        pad = max(8, round(h * 0.035))
        self._lay.setContentsMargins(pad * 2, pad, pad * 2, pad)
        self._lay.setSpacing(max(2, round(h * 0.012)))
        for label, part in ((self.headline, HEADLINE_CAP), (self.name, NAME_CAP), (self.detail, DETAIL_CAP),
                            (self.reason, REASON_CAP), (self.previous, PREVIOUS_CAP)):
            label.set_font(font_with_cap(self._fonts[label], h * part))
        used = sum(x.sizeHint().height() for x in (self.headline, self.name, self.detail, self.reason, self.previous))
        room = h - used - pad * 2 - self._lay.spacing() * 6
        side = max(0, min(round(h * ICON_PART), room))
        self.icon.setVisible(side >= 40)  # on a very small panel the words matter more than the icon
        self.icon.setFixedSize(side, side)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scale()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._asked_at is not None:
            elapsed, self._asked_at = time.perf_counter() - self._asked_at, None
            self.painted.emit(elapsed)


class VerdictOverlay(QFrame):
    """A verdict made while another tab is open, over the top of that tab (nothing under it moves).

    Admissions go after a few seconds; a refusal stays until someone opens the Door (a click on
    the overlay does), presses "Seen" (staying on their tab) or the next verdict replaces it.

    Signals:
        opened(): the overlay was clicked: show the Door.
    """

    opened = Signal()

    def __init__(self, parent: QWidget, hide_after_ms: int = 3500):
        super().__init__(parent)
        self.setObjectName("verdictOverlay")
        self.setCursor(Qt.PointingHandCursor)
        self.hide_after_ms = hide_after_ms
        self.verdict: dict | None = None
        self._timer = QTimer(self, singleShot=True, timeout=self.hide)
        self.icon = VerdictIcon()
        self.icon.setFixedSize(72, 72)
        self.headline = FitLabel(smallest=0.5)
        self.headline.set_font(font_with_cap(self._bold(), 30))
        self.who = FitLabel()
        self.who.set_font(font_with_cap(self._bold(), 18))
        self.reason = FitLabel()
        self.reason.set_font(font_with_cap(QFont(), 15))
        for label in (self.headline, self.who, self.reason):
            label.setAlignment(Qt.AlignLeft)
        hint = QLabel("Click: open the Door ›")
        self.seen_button = QPushButton("Seen ✕", clicked=self.hide)
        self.seen_button.setCursor(Qt.ArrowCursor)
        text = QVBoxLayout()
        text.setSpacing(2)
        for label in (self.headline, self.who, self.reason):
            text.addWidget(label)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 16, 10)
        row.addWidget(self.icon)
        row.addLayout(text, 1)
        row.addWidget(hint)
        row.addWidget(self.seen_button)
        self.hide()

    @staticmethod
    def _bold() -> QFont:
        font = QFont()
        font.setBold(True)
        return font

    def show_verdict(self, verdict: dict) -> None:
        self.verdict = verdict
        look = look_for(verdict)
        self.headline.setText(look.headline)
        self.who.setText(who_line(verdict))
        self.reason.setText(look.note or verdict.get("message", ""))
        colours = TONES[look.tone]
        self.setStyleSheet(f"QFrame#verdictOverlay {{ background: {colours['bg']}; border: 3px solid white;"
                           f" border-radius: 10px; }} QLabel {{ color: {colours['fg']}; background: transparent; }}")
        self.icon.set_tone(look.tone)
        self.place()
        self.show()
        self.raise_()
        if is_refusal(verdict) or verdict.get("held"):  # a held guest waits for the Door: stays up
            self._timer.stop()
        else:
            self._timer.start(self.hide_after_ms)

    def place(self) -> None:
        """Across the top of the parent, below whatever `top` the window set (the tab bar)."""
        parent = self.parentWidget()
        top = self.property("top") or 0
        self.setGeometry(8, top, parent.width() - 16, self.sizeHint().height() + 4)

    def mousePressEvent(self, _event) -> None:
        self.hide()
        self.opened.emit()
