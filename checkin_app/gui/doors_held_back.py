"""The Doors tab's "held back" section: rows other doors served that were not applied here.

Two kinds, both read with `services.doors.status` (the doors table's refresh feeds it): rows
quarantined with their reason (malformed, or one this door failed on), and `forged_row` alarms
(two versions of one row: someone wrote in another door's name). Hidden while there are none.
"""
from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from checkin_app.domain.rules import clock_time
from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.style import show_outcome

_COLUMNS = [
    Column("row", "Row", lambda r: f"{r['device_id']} #{r['seq']}" if r["device_id"] else "(no device/seq)"),
    Column("reason", "Why it was held back"),
    Column("source", "From", lambda r: r["source"] or "?"),
    Column("received_at", "When", lambda r: clock_time(r["received_at"])),
]


def alarm_text(alarm: dict) -> str:
    """One line for a forged_row alarm: the row, both versions, who served the second."""
    def version(v) -> str:
        if not isinstance(v, dict):
            return "unreadable"
        return " ".join(str(v[k]) for k in ("op", "verdict", "code") if v.get(k)) + f" by {v.get('door') or '?'}"
    return (f"Two versions of row {alarm['device']} #{alarm['seq']}: held {version(alarm['held'])}, "
            f"other {version(alarm['other'])} (from {alarm['other_from'] or '?'})")


class HeldBackBox(QGroupBox):
    """Quarantined rows with their reasons, and alarms, from a `doors.status` dict (`show_status`)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Rows from other doors held back", parent)
        self.alarms = QLabel()
        self.alarms.setWordWrap(True)
        self.model = RowsModel(_COLUMNS, self)
        self.table = table_view(self.model)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.alarms)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        self.setVisible(False)

    def show_status(self, st: dict) -> None:
        alarms, count = st.get("alarms") or [], st.get("quarantined_count") or 0
        self.setVisible(bool(alarms or count))
        self.alarms.setVisible(bool(alarms))
        if alarms:
            show_outcome(self.alarms, "ALARM: " + "\n".join(alarm_text(a) for a in alarms), False)
        self.model.set_rows(st.get("quarantined") or [])
        shown = len(self.model.rows)
        self.summary.setText(f"{count} row(s) kept aside, not applied" + (f" (newest {shown} shown)" if shown < count else "")
                             + "; the rest of the venue's rows apply as usual.")
