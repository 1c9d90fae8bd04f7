"""The door view: the verdict, manual entry, entry/exit mode, what the door admits, counters, last scans.

Every scan goes to the database lane (`Tasks.db`); the GUI thread only paints. Counters move
locally with each verdict and are re-read from the read lane now and then, so a door with a
million tickets never waits for a count between two scans.

Sized for door laptops: the verdict column takes what the window gives and scales its text
(`verdict.py`); the side column has a fixed share and elides, so nothing a scan shows can push
anything off screen. At 1024×600 the headline, name, reason and the code field all show.
"""
from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from checkin_app.domain.changes import ATTENDEE_ACT, SCAN, Changes
from checkin_app.domain.rules import Mode, Verdict, VerdictKind, clock_time
from checkin_app.errors import CheckinError, InvalidCode
from checkin_app.gui.camera_pane import CameraPane
from checkin_app.gui.plain_words import unknown_reason
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.style import RECENT_WARN, TONES
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.fit_label import FitLabel
from checkin_app.gui.capacity import CapacityBanner, door_occupancy
from checkin_app.gui.verdict import VerdictPanel, look_for
from checkin_app.services import events, lists, stats, supervisor
from checkin_app.services.stats import Counters
from checkin_app.services.status import DoorStatus

RECENT = 20
#: An Enter within this long of a hold going up, or of the last scan, is not taken as "let in": a USB
#: scanner ends every code with Enter, and one arriving late (a busy loop, a slow scanner) must not
#: confirm a hold nobody looked at. A person reads the notes for longer than this before pressing it.
HOLD_ARM_MS = 700
MAX_WAITING = 50  # scans kept while a hold is open (a queue at the door, not a flood)
SCAN_BURST_MS = 250  # scans in a queue of arrivals tell the other views once per this, not once each
_MARK = {"ok": "✔", "info": "➜", "exit": "➜", "warn": "!", "stop": "✖"}


def door_scope(app) -> dict:
    """What this door admits: {"all": bool, "events": [{"name", "starts_at"}...], "cached": n} (read lane).

    From the event-scope service (`services.events.door_scope`): a door that never chose its events
    admits every cached event and says so; a cancelled event is not shown as admitted.
    """
    scope = events.door_scope(app.store)
    cached = len(events.list_events(app.store))
    chosen = [{"name": e["name"], "starts_at": e["starts_at"]} for e in scope["events"] if not e["cancelled"]]
    return {"all": scope["scope"] == "all" and cached > 0, "events": chosen, "cached": cached,
            "lists": lists.door_lists(app.store)}


def _when(iso: str | None) -> str:
    """"30 Nov 19:00" in the event's own time zone (as the provider gave it)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %H:%M").lstrip("0")
    except ValueError:
        return iso


def scope_text(scope: dict) -> str:
    """"Admitting: Friday Late · 30 Nov 19:00"; every cached event, or nothing, said as such; on a
    check-in list, "List: Main" (its events and rules decide)."""
    on_lists = scope.get("lists") or []
    if on_lists:
        return ("List: " if len(on_lists) == 1 else "Lists (multi-event): ") + ", ".join(on_lists)
    chosen = scope["events"]
    if not chosen:
        return "Admitting: nothing yet (no event chosen)" if scope["cached"] else "Admitting: no attendee list yet"
    if scope["all"]:
        return f"Admitting: every cached event ({len(chosen)})"
    return "Admitting: " + ", ".join(" · ".join(p for p in (e["name"], _when(e["starts_at"])) if p) for e in chosen)


def door_snapshot(app) -> dict:
    """What the door view re-reads (on the read lane): counters, the last scans, the scope, capacity."""
    return {"counters": stats.counters(app.store), "recent": supervisor.recent_scans(app.store, RECENT),
            "scope": door_scope(app), "occupancy": door_occupancy(app)}


class FirstRun(QWidget):
    """In place of the verdict while the data dir has no attendee list: one way forward."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("firstRun")
        self.setAttribute(Qt.WA_StyledBackground)
        self.setStyleSheet(f"QWidget#firstRun {{ background: {TONES['idle']['bg']}; border-radius: 14px; }}"
                           f" QLabel {{ color: {TONES['idle']['fg']}; }}")
        title = QLabel("No attendee list yet")
        font = QFont()
        font.setPixelSize(40)
        font.setBold(True)
        title.setFont(font)
        self.connect_button = QPushButton("Connect your box office  →")
        self.connect_button.setProperty("role", "primary")
        self.connect_button.setStyleSheet("font-size: 22px; padding: 14px 28px;")
        hint = QLabel("Connect a box office, choose tonight's events and name this door.\n"
                      "Or import a list: checkin-app import FILE")
        hint.setAlignment(Qt.AlignCenter)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(title, 0, Qt.AlignHCenter)
        lay.addSpacing(16)
        lay.addWidget(self.connect_button, 0, Qt.AlignHCenter)
        lay.addSpacing(12)
        lay.addWidget(hint, 0, Qt.AlignHCenter)
        lay.addStretch(1)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)


class DoorView(QWidget):
    """Where door staff work.

    Args:
        tasks: the background lanes.
        sounds: the cue player.

    Signals:
        verdictShown(dict): a scan was decided and is on screen (the verdict dict).
        countersChanged(Counters): the counters changed (admitted, inside, expected, per_type).
        connectRequested(): the first-run button was pressed (open the connect wizard).
        scopeShown(str): the "Admitting: …" line changed.
        holdOpened(dict): an admission with attention notes holds the door (the verdict dict).
        holdResolved(str, dict): staff confirmed ("confirmed") or denied ("denied") the held guest
            (the act's result: code, ticket_id, message); waiting scans are decided next.
        scanWaiting(str): a scan arrived while a hold was open; it waits, undecided, until then.
    """

    verdictShown = Signal(dict)
    holdOpened = Signal(dict)
    holdResolved = Signal(str, dict)
    scanWaiting = Signal(str)
    countersChanged = Signal(object)
    connectRequested = Signal()
    scopeShown = Signal(str)

    def __init__(self, tasks: Tasks, sounds: Sounds, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks, self.sounds = tasks, sounds
        self.mode = Mode.ENTRY
        self.counters = Counters()
        self.status: DoorStatus | None = None  # the door's last status (list age, online)
        self.latencies: list[float] = []  # seconds from scan arrival to verdict painted

        self.verdict = VerdictPanel()
        self.verdict.staffed = True  # door staff end holds here (Enter, Let in, Do not let in)
        self.verdict.painted.connect(self.latencies.append)
        self.verdict.confirmClicked.connect(self.confirm_hold)
        self.verdict.denyClicked.connect(self.deny_hold)
        self.hold: dict | None = None  # the held verdict, until staff confirm or deny
        self._hold_busy = False  # a confirm or deny is on its way to the database
        self._hold_at = 0.0  # time.monotonic() when the hold went up
        self._input_at = 0.0  # time.monotonic() of the last scan or typed code
        self.waiting: list[tuple[str, float]] = []  # scans that arrived during the hold
        self.first_run = FirstRun()
        self.first_run.connect_button.clicked.connect(self.connectRequested)
        self.centre = QStackedWidget()
        self.centre.addWidget(self.verdict)
        self.centre.addWidget(self.first_run)
        self.entry = QLineEdit(placeholderText="Type a ticket code and press Enter")
        self.entry.setMinimumWidth(160)
        self.entry.returnPressed.connect(self._submit_typed)
        self.entry.installEventFilter(self)  # Space on an empty field acknowledges a refusal
        go = QPushButton("Check", clicked=self._submit_typed)
        go.setProperty("role", "primary")
        self.entry_button = QPushButton("Entry", checkable=True, checked=True)
        self.exit_button = QPushButton("Exit", checkable=True)
        modes = QButtonGroup(self)
        modes.addButton(self.entry_button)
        modes.addButton(self.exit_button)
        self.exit_button.toggled.connect(lambda on: self.set_mode(Mode.EXIT if on else Mode.ENTRY))
        self.mode_banner = QLabel("EXIT MODE · scans record people LEAVING · F2 for entry", objectName="banner")
        self.mode_banner.setStyleSheet(f"background: {TONES['exit']['bg']}; color: white; font-size: 20px;")
        self.mode_banner.setAlignment(Qt.AlignCenter)
        self.mode_banner.hide()
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self.verdict.acknowledge,
                  context=Qt.WidgetWithChildrenShortcut)

        entry_row = QHBoxLayout()
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(go)
        entry_row.addSpacing(12)
        entry_row.addWidget(self.entry_button)
        entry_row.addWidget(self.exit_button)
        self.capacity = CapacityBanner()  # "NEARLY FULL" / "FULL" for the door's lists
        left = QVBoxLayout()
        left.addWidget(self.capacity)
        left.addWidget(self.mode_banner)
        left.addWidget(self.centre, 1)
        left.addLayout(entry_row)

        self.scope = FitLabel(lines=2)
        self.scope.setObjectName("scope")
        self.scope.setFont(self._bold(13))
        self.scope.set_font(self.scope.font())
        self.scope.setText("Admitting: …")
        self.camera = CameraPane()
        self.camera.setMinimumSize(160, 110)
        self.total = FitLabel(smallest=0.4)  # "1,204 / 2,379" stays whole in a narrow column
        self.total.set_font(self._bold(30))
        self.total.setText("0 / 0")
        self.per_type = QGridLayout()
        counters_box = QGroupBox("Inside / expected")
        cl = QVBoxLayout(counters_box)
        cl.addWidget(self.total)
        cl.addLayout(self.per_type)
        self.recent = QListWidget()
        self.recent.setFocusPolicy(Qt.NoFocus)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # long names are elided…
        self.recent.setTextElideMode(Qt.ElideRight)
        self.recent.setMinimumHeight(40)
        recent_box = QGroupBox(f"Last {RECENT} scans")
        QVBoxLayout(recent_box).addWidget(self.recent)
        self.side = QWidget()
        self.side.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # a fixed share, whatever it shows
        right = QVBoxLayout(self.side)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.scope)
        right.addWidget(self.camera, 2)
        right.addWidget(counters_box)
        right.addWidget(recent_box, 3)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addLayout(left, 3)
        lay.addWidget(self.side, 1)
        self.setFocusProxy(self.entry)

        tasks.changed.connect(self._changed)
        # Acts, syncs and other doors announce their changes (`Tasks.changed`); what nobody in this
        # app announces is the webhook receiver's deliveries and other processes on the data dir
        # (`checkin-app scan` in a terminal): a slow re-read catches those.
        self._refresh_timer = QTimer(self, interval=20_000, timeout=self.refresh)
        self._refresh_timer.start()

    @staticmethod
    def _bold(points: int) -> QFont:
        font = QFont()
        font.setPointSize(points)
        font.setBold(True)
        return font

    # -- scanning ----------------------------------------------------------------------------

    def submit(self, raw: str, asked_at: float | None = None) -> None:
        """Decide a scan from any source (manual entry, camera, USB scanner) off the GUI thread.

        While a guest is held, a scan is not decided: it waits (undecided, nothing journalled)
        until staff confirm or deny, so the next guest's scan can neither confirm the hold nor
        push it off the screen."""
        asked_at = asked_at if asked_at is not None else time.perf_counter()
        self._input_at = time.monotonic()
        if self.hold is not None or self.waiting:  # behind a hold, or behind the scans that waited for one
            if len(self.waiting) < MAX_WAITING:
                self.waiting.append((raw, asked_at))
            if self.hold is not None:
                self.verdict.previous.setText(f"{len(self.waiting)} scan(s) waiting: let in or turn away "
                                              f"{(self.hold.get('ticket') or {}).get('holder_name') or 'this guest'} first")
            self.scanWaiting.emit(raw)
            return
        self._decide(raw, asked_at)

    def _decide(self, raw: str, asked_at: float) -> None:
        mode = self.mode
        self.tasks.db(lambda app: app.checkin.scan(raw, mode=mode).to_dict(),
                      lambda verdict: self._decided(verdict, asked_at),
                      lambda exc: self._refused_input(raw, exc, asked_at))

    def _submit_typed(self) -> None:
        text = self.entry.text()
        self.entry.clear()
        if text.strip():
            self.submit(text)

    def eventFilter(self, watched, event) -> bool:
        if (watched is self.entry and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Space
                and not self.entry.text() and self.verdict.verdict is not None):
            self.verdict.acknowledge()
            return True
        if (watched is self.entry and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter)
                and not self.entry.text() and self.hold is not None):
            if self.hold_armed():
                self.confirm_hold()
            return True  # an Enter too soon after the hold or a scan is the scanner's, never a confirm
        return super().eventFilter(watched, event)

    # -- the hold: a guest with attention notes waits for staff ---------------------------------

    def hold_armed(self) -> bool:
        """Whether Enter now confirms the hold (see `HOLD_ARM_MS`)."""
        return (self.hold is not None and not self._hold_busy
                and (time.monotonic() - max(self._hold_at, self._input_at)) * 1000 >= HOLD_ARM_MS)

    def _open_hold(self, verdict: dict) -> None:
        self.hold = verdict
        self._hold_at = time.monotonic()
        self.holdOpened.emit(verdict)

    def confirm_hold(self) -> None:
        """Let the held guest in (the admission already counts): journalled as `confirm`."""
        self._resolve("confirmed", lambda app, ticket_id: app.checkin.confirm("", ticket_id=ticket_id))

    def deny_hold(self) -> None:
        """Turn the held guest away: the admission is taken back, the ticket stays valid (`deny`)."""
        self._resolve("denied", lambda app, ticket_id: app.checkin.deny("", "denied at the door", ticket_id=ticket_id))

    def _resolve(self, outcome: str, act) -> None:
        if self.hold is None or self._hold_busy:
            return
        self._hold_busy = True
        ticket_id = (self.hold.get("ticket") or {}).get("id")
        self.tasks.db(lambda app: act(app, ticket_id), lambda result: self._resolved(outcome, result),
                      self._resolve_failed, changes=ATTENDEE_ACT)

    def _resolved(self, outcome: str, result) -> None:
        held, self.hold, self._hold_busy = self.hold, None, False
        self.verdict.hide_previous()
        if outcome == "confirmed":
            self.verdict.show_verdict({**held, "held": False})
            self.sounds.play("admitted")
        else:
            self.verdict.show_verdict({**held, "held": False, "denied": True, "message": result.message})
            self.sounds.play("refused")
            ticket = held.get("ticket") or {}
            self._show_counters(self.counters.moved(ticket.get("ticket_type") or "Ticket", -1,
                                                    0 if held.get("reentry") else -1))
        self._add_recent(held["verdict"], result.message, (held.get("ticket") or {}).get("holder_name"), time.time())
        self.holdResolved.emit(outcome, {"code": result.code, "ticket_id": result.ticket_id, "message": result.message})
        self._next_waiting()

    def _resolve_failed(self, exc: BaseException) -> None:
        self._hold_busy = False
        if not isinstance(exc, CheckinError):
            self.tasks.report(exc)  # a full disk is a message, a bug a crash dialog; the hold stays
            return
        # Nothing waits any more (staff at another door confirmed or denied it, replicated here):
        # say so in place of the hold, and go on with the queue.
        held, self.hold = self.hold, None
        self.verdict.show_verdict({**held, "held": False, "message": str(exc)})
        self._next_waiting()

    def _next_waiting(self) -> None:
        """Decide the oldest scan that waited for a hold; its verdict decides the next one, so a
        second held guest in the queue holds the door in turn."""
        if self.hold is None and self.waiting:
            self.verdict.hide_previous()
            raw, asked_at = self.waiting.pop(0)
            self._decide(raw, asked_at)

    def _decided(self, verdict: dict, asked_at: float) -> None:
        reason = unknown_reason(self.status) if verdict["verdict"] == "unknown" else None
        if reason:  # the list may be behind: say so rather than "not on any cached list"
            verdict = {**verdict, "message": reason}
        self.centre.setCurrentWidget(self.verdict)
        look = self.verdict.show_verdict(verdict, asked_at)
        if look.cue:
            self.sounds.play(look.cue)
        if verdict.get("held"):
            self._open_hold(verdict)
        ticket = verdict.get("ticket") or {}
        if self.hold is None:
            self._next_waiting()  # the scans that waited for a hold, one at a time (each may hold again)
        self._add_recent(verdict["verdict"], verdict["message"], ticket.get("holder_name"), time.time())
        self._count(verdict)
        if verdict["verdict"] != VerdictKind.UNREADABLE:  # a decided scan wrote the journal; scans come in bursts
            self.tasks.announce(SCAN, source=self, within_ms=SCAN_BURST_MS)
        if verdict.get("list") is not None:  # an entry or exit on a list moved its area's count
            self.tasks.read(door_occupancy, self.capacity.show_rows)
        self.verdictShown.emit(verdict)

    def _refused_input(self, raw: str, exc: BaseException, asked_at: float) -> None:
        if not isinstance(exc, InvalidCode):
            self.tasks.report(exc)  # a full disk is a message, a bug a crash dialog
            self._next_waiting()
            return
        self._decided(Verdict(VerdictKind.UNREADABLE, raw, str(exc)).to_dict(), asked_at)

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        exiting = mode is Mode.EXIT
        self.mode_banner.setVisible(exiting)
        self.verdict.set_exit_mode(exiting)
        self.entry.setStyleSheet(f"border: 3px solid {TONES['exit']['bg']};" if exiting else "")
        self.exit_button.setStyleSheet(f"background: {TONES['exit']['bg']}; border-color: {TONES['exit']['bg']};"
                                       if exiting else "")
        (self.exit_button if exiting else self.entry_button).setChecked(True)

    def set_status(self, status: DoorStatus) -> None:
        """The door's status (list age, online): an unknown code on an old list says it may be new."""
        self.status = status

    # -- counters, scope and the recent list -----------------------------------------------------

    def _changed(self, changes: Changes, source) -> None:
        """Re-read when something else changed what the door shows (its own scans it counted itself)."""
        if changes.any_of("tickets", "events") or (changes.journal and source is not self):
            self.refresh()

    def refresh(self) -> None:
        """Re-read counters, the recent scans and the scope (read lane)."""
        self.tasks.read(door_snapshot, self._show_snapshot)

    def _show_snapshot(self, snap: dict) -> None:
        scope = snap["scope"]
        no_list = not scope["cached"] and snap["counters"].expected == 0
        if no_list and self.verdict.verdict is None:
            self.centre.setCurrentWidget(self.first_run)
        elif not no_list and self.centre.currentWidget() is self.first_run:
            self.centre.setCurrentWidget(self.verdict)
        text = scope_text(scope)
        if text != self.scope.text():
            self.scope.setText(text)
            self.scope.setToolTip(text)
            self.scopeShown.emit(text)
        self._show_counters(snap["counters"])
        self.capacity.show_rows(snap["occupancy"])
        self.recent.clear()
        for r in reversed(snap["recent"]):
            self._add_recent(r["verdict"], r["message"] or "", r["holder_name"], r["at"])

    def _count(self, verdict: dict) -> None:
        """Move the counters with a verdict: a new arrival, a re-entry (inside only) or an exit."""
        kind, ticket = verdict["verdict"], verdict.get("ticket") or {}
        if kind in (VerdictKind.ADMITTED, VerdictKind.FORCED):
            step, new = 1, not verdict.get("reentry")
        elif kind == VerdictKind.EXITED and ticket.get("checked_in_at"):
            step, new = -1, False
        else:
            return
        self._show_counters(self.counters.moved(ticket.get("ticket_type") or "Ticket", step, 1 if new else 0))

    def _show_counters(self, counters: Counters) -> None:
        self.counters = counters
        self.total.setText(f"{counters.inside:,} / {counters.expected:,}")
        while self.per_type.count():
            self.per_type.takeAt(0).widget().deleteLater()
        for i, row in enumerate(counters.per_type[:4]):
            name = FitLabel()
            name.setText(row.ticket_type)
            name.setAlignment(Qt.AlignLeft)
            self.per_type.addWidget(name, i, 0)
            n = QLabel(f"{row.people.inside:,} / {row.people.expected:,}")
            n.setAlignment(Qt.AlignRight)
            self.per_type.addWidget(n, i, 1)
        self.countersChanged.emit(counters)

    def _add_recent(self, verdict: str, message: str, name: str | None, at) -> None:
        look = look_for({"verdict": verdict})
        when = clock_time(at) if isinstance(at, str) else time.strftime("%H:%M", time.localtime(at))
        item = QListWidgetItem(f"{when}  {_MARK.get(look.tone, '')} {look.short}  {name or ''}")
        item.setToolTip(message)
        item.setForeground(QColor(TONES[look.tone]["bg"] if look.tone != "warn" else RECENT_WARN))
        self.recent.insertItem(0, item)
        while self.recent.count() > RECENT:
            self.recent.takeItem(self.recent.count() - 1)
