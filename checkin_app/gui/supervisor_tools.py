"""Supervisor tabs beside the attendee search: walk-up tickets, conflicts, export."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from checkin_app.domain.changes import ATTENDEE_ACT, CONFLICT_RESOLVED, Changes
from checkin_app.domain.models import ConflictKind
from checkin_app.domain.rules import clock_time
from checkin_app.errors import CheckinError
from checkin_app.gui.enabling import enable
from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.tasks import Tasks
from checkin_app.services import events, export, supervisor
from checkin_app.services.conflicts import Conflict


class WalkUpPanel(QWidget):
    """Issue a ticket at the door (pushed upstream where the provider allows), and admit the guest.

    Signals:
        issued(str): the new code.
    """

    issued = Signal(str)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.event_choice = QComboBox()
        self.name = QLineEdit(placeholderText="Guest's name")
        self.email = QLineEdit(placeholderText="optional")
        self.ticket_type = QLineEdit(placeholderText="Walk-up")
        self.admit_now = QCheckBox("Check the guest in straight away", checked=True)
        self.issue_button = QPushButton("Issue ticket", clicked=self.issue)
        self.issue_button.setProperty("role", "primary")
        self.outcome = OutcomeLine()
        form = QFormLayout()
        form.addRow("Event", self.event_choice)
        form.addRow("Name", self.name)
        form.addRow("Email", self.email)
        form.addRow("Ticket type", self.ticket_type)
        form.addRow("", self.admit_now)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.issue_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.outcome)
        lay.addStretch(1)
        self.name.returnPressed.connect(self.issue)
        for field in (self.event_choice, self.name, self.email, self.ticket_type):
            field.setMaximumWidth(560)  # a form, not a banner

    def refresh(self) -> None:
        self.tasks.read(lambda app: events.list_events(app.store), self._show_events)

    def _show_events(self, rows: list[dict]) -> None:
        current = self.event_choice.currentData()
        self.event_choice.clear()
        for r in sorted(rows, key=lambda r: not r["admitted"]):
            self.event_choice.addItem(r["name"], r["id"])
        if current is not None and self.event_choice.findData(current) >= 0:
            self.event_choice.setCurrentIndex(self.event_choice.findData(current))

    def issue(self) -> None:
        event_id, name = self.event_choice.currentData(), self.name.text()
        email, ticket_type, admit = self.email.text().strip() or None, self.ticket_type.text().strip() or None, \
            self.admit_now.isChecked()
        if event_id is None:
            self.outcome.say("No event to issue for: sync or import an attendee list first", False)
            return

        def op(app):
            result = app.checkin.issue(event_id, name, email, ticket_type)
            verdict = app.checkin.scan(result.code, event_ids=[event_id]) if admit else None
            return result, verdict

        self.tasks.db(op, self._done, self._failed, changes=ATTENDEE_ACT)

    def _done(self, outcome) -> None:
        result, verdict = outcome
        text = result.message + (" and checked in" if verdict is not None and verdict.passing else "")
        self.outcome.say(text, True)
        for field in (self.name, self.email, self.ticket_type):
            field.clear()
        self.issued.emit(result.code)

    def _failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, lambda reason: self.outcome.say(reason, False))


_PROBLEMS = {ConflictKind.DOUBLE_ADMISSION: "Admitted twice", ConflictKind.VOID_AFTER_ADMISSION: "Voided after admission",
             ConflictKind.ADMISSION_AFTER_VOID: "Admitted after a void", ConflictKind.PUSH_FAILED: "Not accepted upstream",
             ConflictKind.FORGED_ROW: "Two versions of a door's row",
             ConflictKind.UNRECOGNISED: "Provider state not recognised", ConflictKind.SET_ASIDE: "Record set aside",
             ConflictKind.UNAPPLIED_DELIVERY: "Delivery not applied"}
CONFLICT_COLUMNS = [
    Column("at", "When", lambda r: clock_time(r.at)),
    Column("kind", "Problem", lambda r: _PROBLEMS.get(r.kind, r.kind_text)),
    Column("summary", "What happened", lambda r: r.summary),
]


class ConflictsPanel(QWidget):
    """Double admissions, voids after offline admits and pushes the provider refused (its message):
    one row per problem, in a sentence (`services.conflicts`).

    Signals:
        loaded(int): the list was (re)read; how many rows.
    """

    loaded = Signal(int)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.model = RowsModel(CONFLICT_COLUMNS, self)
        self.view = table_view(self.model)
        self.summary = QLabel()
        refresh = QPushButton("Refresh", clicked=self.refresh)
        self.resolve_button = QPushButton("Mark resolved", clicked=self.resolve_selected)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.resolve_button)
        row.addWidget(refresh)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        tasks.changed.connect(self._changed)

    def _changed(self, changes: Changes, _source) -> None:
        if changes.conflicts:  # visible or not: the window's tab badge counts from this list
            self.refresh()

    def refresh(self) -> None:
        self.tasks.read(lambda app: supervisor.conflicts(app.store), self._show)

    def _show(self, rows: list[Conflict]) -> None:
        self.model.set_rows(rows)
        self.summary.setText("No conflicts" if not rows else f"{len(rows)} to look at")
        self.loaded.emit(len(rows))

    def resolve_selected(self) -> None:
        # A row stands for every stored conflict of its problem; failed pushes clear when a retry succeeds.
        ids = [i for r in self.view.selectionModel().selectedRows() for i in self.model.row_at(r.row()).ids]
        if ids:
            self.tasks.db(lambda app: supervisor.resolve_conflict(app.store, ids), changes=CONFLICT_RESOLVED)


class ExportPanel(QWidget):
    """CSV (or JSON) of the tickets and check-ins, for the promoter.

    Signals:
        exported(str, int): the file written and how many tickets.
    """

    exported = Signal(str, int)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.only_admitted = QCheckBox("Only the events this door admits", checked=True)
        self.button = QPushButton("Export CSV…", clicked=self.ask_and_export)
        self.button.setProperty("role", "primary")
        self.outcome = OutcomeLine()
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Every ticket with its status and check-in time, door and party count."))
        lay.addWidget(self.only_admitted)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.outcome)
        lay.addStretch(1)

    def ask_and_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export tickets", "checkins.csv", "CSV files (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        only = self.only_admitted.isChecked()
        self.outcome.working(f"Exporting to {path}…")
        enable(self.button, "an export is being written")

        def op(app):
            ids = None
            if only:
                ids = [e["id"] for e in events.list_events(app.store) if e["admitted"]]
            try:
                with open(path, "w", encoding="utf-8", newline="") as out:
                    return export.write(app.store, ids, "csv", out)
            except OSError as exc:
                raise CheckinError(f"cannot write {path}: {exc.strerror}") from None

        self.tasks.read(op, lambda n: self._done(path, n), self._export_failed)

    def _export_failed(self, exc: BaseException) -> None:
        enable(self.button, None)
        self._failed(exc)

    def _done(self, path: Path, n: int) -> None:
        enable(self.button, None)
        self.outcome.say(f"Exported {n:,} tickets to {path}", True)
        self.exported.emit(str(path), n)

    def _failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, lambda reason: self.outcome.say(reason, False))
