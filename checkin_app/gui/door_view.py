"""The door view: the verdict, manual entry, entry/exit mode, counters and the last 20 scans.

Every scan goes to the database lane (`Tasks.db`); the GUI thread only paints. Counters move
locally with each verdict and are re-read from the read lane now and then, so a door with a
million tickets never waits for a count between two scans.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from checkin_app.domain.rules import Mode, clock_time
from checkin_app.errors import InvalidCode
from checkin_app.gui.camera_pane import CameraPane
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.style import TONES
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.verdict import VerdictPanel, look_for
from checkin_app.services import stats, supervisor

RECENT = 20
_MARK = {"ok": "✔", "info": "➜", "warn": "!", "stop": "✖"}


def door_snapshot(app) -> dict:
    """What the door view re-reads (on the read lane): counters and the last scans."""
    return {"counters": stats.counters(app.store), "recent": supervisor.recent_scans(app.store, RECENT)}


class DoorView(QWidget):
    """Where door staff work.

    Args:
        tasks: the background lanes.
        sounds: the cue player.

    Signals:
        verdictShown(dict): a scan was decided and is on screen (the verdict dict).
        countersChanged(dict): the counters changed (admitted, expected, per_type).
    """

    verdictShown = Signal(dict)
    countersChanged = Signal(dict)

    def __init__(self, tasks: Tasks, sounds: Sounds, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks, self.sounds = tasks, sounds
        self.mode = Mode.ENTRY
        self.counters: dict = {"admitted": 0, "expected": 0, "per_type": []}
        self.latencies: list[float] = []  # seconds from scan arrival to verdict painted

        self.verdict = VerdictPanel()
        self.verdict.painted.connect(self.latencies.append)
        self.entry = QLineEdit(placeholderText="Type a ticket code and press Enter")
        self.entry.returnPressed.connect(self._submit_typed)
        go = QPushButton("Check", clicked=self._submit_typed)
        go.setProperty("role", "primary")
        self.entry_button = QPushButton("Entry", checkable=True, checked=True)
        self.exit_button = QPushButton("Exit", checkable=True)
        modes = QButtonGroup(self)
        modes.addButton(self.entry_button)
        modes.addButton(self.exit_button)
        self.exit_button.toggled.connect(lambda on: self.set_mode(Mode.EXIT if on else Mode.ENTRY))
        self.mode_banner = QLabel("EXIT MODE: scans record people leaving", objectName="banner")
        self.mode_banner.setStyleSheet(f"background: {TONES['info']['bg']}; color: white;")
        self.mode_banner.hide()

        entry_row = QHBoxLayout()
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(go)
        entry_row.addSpacing(16)
        entry_row.addWidget(self.entry_button)
        entry_row.addWidget(self.exit_button)
        left = QVBoxLayout()
        left.addWidget(self.mode_banner)
        left.addWidget(self.verdict, 1)
        left.addLayout(entry_row)

        self.camera = CameraPane()
        self.total = QLabel("0 / 0")
        font = QFont()
        font.setPointSize(30)
        font.setBold(True)
        self.total.setFont(font)
        self.total.setAlignment(Qt.AlignCenter)
        self.per_type = QGridLayout()
        counters_box = QGroupBox("Inside / expected")
        cl = QVBoxLayout(counters_box)
        cl.addWidget(self.total)
        cl.addLayout(self.per_type)
        self.recent = QListWidget()
        self.recent.setFocusPolicy(Qt.NoFocus)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # long names are elided…
        self.recent.setTextElideMode(Qt.ElideRight)
        recent_box = QGroupBox(f"Last {RECENT} scans")
        QVBoxLayout(recent_box).addWidget(self.recent)
        right = QVBoxLayout()
        right.addWidget(self.camera)
        right.addWidget(counters_box)
        right.addWidget(recent_box, 1)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addLayout(left, 3)
        lay.addLayout(right, 1)
        self.setFocusProxy(self.entry)

        self._refresh_timer = QTimer(self, interval=20_000, timeout=self.refresh)
        self._refresh_timer.start()

    # -- scanning ----------------------------------------------------------------------------

    def submit(self, raw: str, asked_at: float | None = None) -> None:
        """Decide a scan from any source (manual entry, camera, USB scanner) off the GUI thread."""
        asked_at = asked_at if asked_at is not None else time.perf_counter()
        mode = self.mode
        self.tasks.db(lambda app: app.checkin.scan(raw, mode=mode).to_dict(),
                      lambda verdict: self._decided(verdict, asked_at),
                      lambda exc: self._refused_input(raw, exc, asked_at))

    def _submit_typed(self) -> None:
        text = self.entry.text()
        self.entry.clear()
        if text.strip():
            self.submit(text)

    def _decided(self, verdict: dict, asked_at: float) -> None:
        look = self.verdict.show_verdict(verdict, asked_at)
        if look.cue:
            self.sounds.play(look.cue)
        ticket = verdict.get("ticket") or {}
        self._add_recent(verdict["verdict"], verdict["message"], ticket.get("holder_name"), time.time())
        if verdict["verdict"] in ("admitted", "forced") and not verdict.get("reentry"):
            self._count_in(ticket.get("ticket_type") or "Ticket")
        self.verdictShown.emit(verdict)

    def _refused_input(self, raw: str, exc: BaseException, asked_at: float) -> None:
        if not isinstance(exc, InvalidCode):
            self.tasks.report(exc)  # a full disk is a message, a bug a crash dialog
            return
        self._decided({"verdict": "unreadable", "code": raw, "message": str(exc), "ticket": None}, asked_at)

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.mode_banner.setVisible(mode is Mode.EXIT)
        (self.exit_button if mode is Mode.EXIT else self.entry_button).setChecked(True)

    # -- counters and the recent list ------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read counters and the recent scans (read lane)."""
        self.tasks.read(door_snapshot, self._show_snapshot)

    def _show_snapshot(self, snap: dict) -> None:
        self._show_counters(snap["counters"])
        self.recent.clear()
        for r in reversed(snap["recent"]):
            self._add_recent(r["verdict"], r["message"] or "", r["holder_name"], r["at"])

    def _count_in(self, ticket_type: str) -> None:
        c = self.counters
        c["admitted"] += 1
        for row in c["per_type"]:
            if row["ticket_type"] == ticket_type:
                row["admitted"] += 1
                break
        self._show_counters(c)

    def _show_counters(self, counters: dict) -> None:
        self.counters = counters
        self.total.setText(f"{counters['admitted']:,} / {counters['expected']:,}")
        while self.per_type.count():
            self.per_type.takeAt(0).widget().deleteLater()
        for i, row in enumerate(counters["per_type"][:6]):
            self.per_type.addWidget(QLabel(row["ticket_type"]), i, 0)
            n = QLabel(f"{row['admitted']:,} / {row['expected']:,}")
            n.setAlignment(Qt.AlignRight)
            self.per_type.addWidget(n, i, 1)
        self.countersChanged.emit(counters)

    def _add_recent(self, verdict: str, message: str, name: str | None, at) -> None:
        look = look_for({"verdict": verdict})
        when = clock_time(at) if isinstance(at, str) else time.strftime("%H:%M", time.localtime(at))
        item = QListWidgetItem(f"{when}  {_MARK.get(look.tone, '')} {look.short}  {name or ''}")
        item.setToolTip(message)
        item.setForeground(QColor(TONES[look.tone]["bg"] if look.tone != "warn" else "#8a5700"))
        self.recent.insertItem(0, item)
        while self.recent.count() > RECENT:
            self.recent.takeItem(self.recent.count() - 1)
