"""Always-visible door status: online or not, acts waiting to be pushed, age of the lists."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from checkin_app.gui.plain_words import continues_from, plain_error
from checkin_app.gui.style import (STATUS_BAD_BG, STATUS_BAD_FG, STATUS_NEUTRAL_BG, STATUS_NEUTRAL_FG, STATUS_OK_BG,
                                   STATUS_OK_FG, STATUS_WARN_BG, STATUS_WARN_FG, pill)
from checkin_app.gui.fit_label import FitLabel
from checkin_app.services.status import DoorStatus


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "never refreshed"
    if seconds < 90:
        return "refreshed just now"
    if seconds < 3600 * 2:
        return f"refreshed {int(seconds // 60)} min ago"
    return f"refreshed {seconds / 3600:.0f} h ago"


def ago_text(seconds: float | None) -> str:
    """"12 s ago", "3 min ago", "2 h ago" (a door's last contact); "never" for None."""
    if seconds is None:
        return "never"
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 3600 * 2:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"


def doors_text(st: dict) -> tuple[str, bool]:
    """The strip's line for `services.doors.status` (as a dict), and whether it is a warning."""
    others = st["doors"]
    # In sparse gossip the doors not pulled now are reached by relay: not silent unless failing.
    silent = [d for d in others if not d["connected"] and not d.get("relayed")]
    if not others:
        return "Doors: no other door found yet", True
    if not silent:
        if (st.get("topology") or {}).get("mode") == "gossip":
            pulled = sum(1 for d in others if d.get("pulled_now", True))
            return f"Doors: {len(others) + 1} by gossip, {pulled} pulled and connected", False
        return f"Doors: {len(others)} of {len(others)} connected", False
    ages = [d["last_contact_age_s"] for d in silent]
    since = "never heard from" if any(a is None for a in ages) else \
        f"not heard from for {ago_text(max(ages)).removesuffix(' ago')}"
    return f"Doors: {len(silent)} {since}", True


class StatusStrip(QWidget):
    """Shows a `services.status.DoorStatus` (as its dict)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # Pills end in "…" rather than widen the window past a small laptop's screen.
        self.online = FitLabel(wants_text_width=True)
        self.online.setObjectName("statusPill")
        self.unpushed = QLabel()
        self.age = QLabel()
        self.door = QLabel()
        self.doors = FitLabel(wants_text_width=True)
        self.doors.setObjectName("statusPill")
        self.doors.hide()
        self.stale = QLabel(objectName="banner")
        self.stale.setWordWrap(True)
        self.stale.setStyleSheet(pill(STATUS_WARN_FG, STATUS_WARN_BG))
        self.stale.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.online, self.unpushed, self.age, self.doors):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.door)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 4)
        lay.addLayout(row)
        lay.addWidget(self.stale)
        self.show_status(DoorStatus(None, 0, 0, None, None))

    def show_status(self, st: DoorStatus) -> None:
        online = st.online
        if online is None:
            self.online.setText("●  Local lists only")
            self.online.setStyleSheet(pill(STATUS_NEUTRAL_FG, STATUS_NEUTRAL_BG))
        elif online:
            self.online.setText("●  Online")
            self.online.setStyleSheet(pill(STATUS_OK_FG, STATUS_OK_BG))
        else:  # in words door staff can act on, never "[Errno -2]"
            said = plain_error(st.last_error, st) if st.last_error else ""
            self.online.setText(f"▲  {said or 'OFFLINE. ' + continues_from(st)}  Scans are kept and sent later.")
            self.online.setStyleSheet(pill(STATUS_BAD_FG, STATUS_BAD_BG))
        failed = f", {st.failed_pushes} failed" if st.failed_pushes else ""
        self.unpushed.setText(f"   {st.unpushed} waiting to send{failed}")
        ages = [item.age_s for item in st.lists]
        oldest = None if not ages or any(a is None for a in ages) else max(ages)
        self.age.setText(f"   Attendee list {age_text(oldest)}" if st.lists else "   No attendee list yet")
        stale = [item.name for item in st.lists if item.stale]
        self.stale.setVisible(bool(stale))
        if stale:
            self.stale.setText(f"⚠  STALE LIST: {', '.join(stale)} {age_text(oldest)}. Tickets bought since then "
                               "will read as unknown: check the connection.")

    def show_doors(self, st: dict | None) -> None:
        """The other doors while replication is on (`services.doors.status` as a dict); None hides it."""
        self.doors.setVisible(st is not None)
        if st is not None:
            text, warn = doors_text(st)
            self.doors.setText(("▲  " if warn else "●  ") + text)
            self.doors.setStyleSheet(pill(STATUS_WARN_FG, STATUS_WARN_BG) if warn else pill(STATUS_OK_FG, STATUS_OK_BG))

    def set_door(self, text: str) -> None:
        self.door.setText(text)
