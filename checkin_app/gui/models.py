"""Table models: rows are plain dicts from the services, columns say how to show them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

from checkin_app.domain.models import PROVIDER_NAMES
from checkin_app.domain.rules import clock_time


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    show: Callable[[dict], Any] | None = None  # text for a row; default: the key's value
    private: bool = False  # contact details: hidden from door staff


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of dicts (a page of search results, a history, conflicts).

    Args:
        columns: what to show.

    The model holds only the rows it was given (a search asks for one page, not a million
    tickets); `row_at` hands back the dict, whose `id` the views use to fetch details. With
    `fetch_more`, a view scrolled to the end asks for the next page (Qt's canFetchMore/fetchMore):
    `fetch_more(offset)` starts an asynchronous read whose answer comes back by `append_rows`.
    """

    def __init__(self, columns: list[Column], parent=None, fetch_more: Callable[[int], None] | None = None):
        super().__init__(parent)
        self.all_columns = columns
        self.columns = list(columns)
        self.rows: list[dict] = []
        self.more = False  # the source has rows past the last one held
        self._fetch_more = fetch_more
        self._fetching = False

    def set_rows(self, rows: list[dict], more: bool = False) -> None:
        self.beginResetModel()
        self.rows, self.more, self._fetching = rows, more, False
        self.endResetModel()

    def append_rows(self, rows: list[dict], more: bool) -> None:
        self._fetching, self.more = False, more
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self.more and not self._fetching and self._fetch_more is not None

    def fetchMore(self, parent=QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self._fetch_more(len(self.rows))

    def show_private(self, on: bool) -> None:
        self.beginResetModel()
        self.columns = [c for c in self.all_columns if on or not c.private]
        self.endResetModel()

    def row_at(self, row: int) -> dict | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if role not in (Qt.DisplayRole, Qt.ToolTipRole) or not index.isValid():
            return None
        column, row = self.columns[index.column()], self.rows[index.row()]
        value = column.show(row) if column.show else row.get(column.key)
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.columns[section].header
        return None


def table_view(model: QAbstractTableModel, *, rows: bool = True) -> QTableView:
    """A read-only table in the app's look: whole-row selection, sized columns, last one stretched."""
    view = QTableView()
    view.setModel(model)
    if rows:
        view.setSelectionBehavior(QTableView.SelectRows)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def ticket_state(row: dict) -> str:
    """"void", "in 19:42 (Door 2)", "2 of 4 in", or "not in"."""
    if row.get("status") == "void":
        return "VOID"
    if row.get("status") == "unrecognised":  # fail closed: a supervisor looks (issue 12)
        return "CHECK"
    if row.get("kind") == "guest_list":
        return f"{row.get('admitted_count', 0)} of {row.get('party_size', 1)} in"
    if row.get("checked_in_at"):
        # An upstream check-in's door is the provider: show "Ticket Tailor", not "tickettailor".
        door = f" ({PROVIDER_NAMES.get(row['checked_in_door'], row['checked_in_door'])})" if row.get("checked_in_door") else ""
        return f"in {clock_time(row['checked_in_at'])}{door}"
    return "not in"


SEARCH_COLUMNS = [
    Column("holder_name", "Name", lambda r: r.get("holder_name") or "(no name)"),
    Column("code", "Code"),
    Column("ticket_type", "Type"),
    Column("state", "Status", ticket_state),
    Column("event_name", "Event"),
    Column("order_ref", "Order"),
    Column("email", "Email", private=True),
]

_ACT_WORDS = {"scan": "Scan", "force": "Admitted anyway", "exit": "Exit", "undo": "Undo", "void": "Void",
              "unvoid": "Un-voided", "issue": "Walk-up issued"}

HISTORY_COLUMNS = [
    Column("at", "Time", lambda r: clock_time(r["at"])),
    Column("op", "Act", lambda r: _ACT_WORDS.get(r["op"], r["op"])),
    Column("verdict", "Verdict", lambda r: (r.get("verdict") or "").replace("_", " ")),
    Column("door", "Door", lambda r: r.get("door") or r.get("device")),
    Column("note", "Note", lambda r: r["payload"].get("reason") or r["payload"].get("message") or ""),
]

_CONFLICT_WORDS = {"double_admission": "Admitted twice", "void_after_admission": "Voided after admission",
                   "admission_after_void": "Admitted after a void", "push_failed": "Not accepted upstream",
                   "unrecognised": "Provider state not recognised", "set_aside": "Record set aside",
                   "unapplied_delivery": "Delivery not applied"}
_SCAN_WORDS = {"double_admission": ("first", "again"), "void_after_admission": ("admitted", "voided"),
               "admission_after_void": ("voided", "admitted")}


def _scan(who: dict) -> str:
    """One side of a conflict: its time, door and device (doors may share a name; devices never do)."""
    device = who.get("device") or "?"
    where = f"{who['door']} ({device})" if who.get("door") else device
    return f"{clock_time(who.get('at'))} at {where}"


def conflict_detail(row: dict) -> str:
    d = row.get("detail") or {}
    if row["kind"] == "push_failed":
        return f"{d.get('op')}: {d.get('error')} ({d.get('attempts')} attempts)"
    if "first" in d and "second" in d:  # found between doors: both acts' time, door and device
        one, two = _SCAN_WORDS.get(row["kind"], ("first", "then"))
        return f"{one} {_scan(d['first'])}, {two} {_scan(d['second'])}"
    if row["kind"] == "void_after_admission":  # the provider voided a ticket this venue had admitted
        return f"admitted {_scan({'at': d.get('admitted_at'), 'door': d.get('door'), 'device': d.get('device')})}, " \
               "then voided upstream"
    return ", ".join(f"{k}: {v}" for k, v in d.items() if not isinstance(v, (dict, list)))


CONFLICT_COLUMNS = [
    Column("at", "When", lambda r: clock_time(r["at"])),
    Column("kind", "Problem", lambda r: _CONFLICT_WORDS.get(r["kind"], r["kind"])),
    Column("holder_name", "Name"),
    Column("code", "Code"),
    Column("detail", "Detail", conflict_detail),
]
