"""The supervisor's "simulate this ticket at a time": pick a code, a check-in list and a time, and
see the verdict the door would give then, which rule decides, and every rule's result and why.

It runs the door's own decision (`CheckinService.scan(..., lists=[name], at=...)`, the same pure
rules every door evaluates) on a read-only snapshot: nothing is journalled, nobody is let in.
The time is read in the list's events' own offset, as `scan --at` reads it (the venue's clock).
"""
from __future__ import annotations

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from checkin_app.domain.changes import Changes
from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.tasks import Tasks
from checkin_app.services import lists

# The rules by name, in a supervisor's words (`checkin_lists.Rule`); a rule this build does not
# name is shown by its raw value.
RULE_WORDS = {
    "ticket": "The ticket itself (void, unknown, not an admission…)",
    "event": "The ticket's event is on the list",
    "ticket_type": "Ticket type on the list",
    "valid_from": "Valid from",
    "valid_until": "Valid until",
    "entries": "Entries allowed",
    "min_gap": "Time between entries",
    "capacity": "Capacity of the area",
    "reentry": "Re-entry after an exit",
    "all_rules": "Every rule passed",
}
CHECK_COLUMNS = [Column("rule", "Rule", lambda r: RULE_WORDS.get(r["rule"], r["rule"])),
                 Column("passed", "Result", lambda r: "passes" if r["passed"] else "REFUSES"),
                 Column("why", "Why")]


def rule_words(rule: str | None) -> str:
    return RULE_WORDS.get(rule or "", rule or "no list rule (the door's base rules)")


def simulate(app, code: str, list_name: str, when: str) -> dict:
    """The verdict `code` would get on `list_name` at `when` (naive: the list's events' offset). Read lane."""
    at = lists.simulate_time(app.store, when, [list_name])
    return {**app.checkin.scan(code, lists=[list_name], at=at).to_dict(), "at": at}


class SimulatePanel(QWidget):
    """Signals:
        simulated(dict): a verdict was worked out and is on screen (`Verdict.to_dict()` plus `at`)."""

    simulated = Signal(dict)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.code = QLineEdit(placeholderText="Ticket code")
        self.list_choice = QComboBox()
        self.when = QDateTimeEdit(QDateTime.currentDateTime(), calendarPopup=True, displayFormat="yyyy-MM-dd HH:mm")
        self.run_button = QPushButton("Simulate", clicked=self.run)
        self.run_button.setProperty("role", "primary")
        self.outcome = OutcomeLine()
        self.decided_by = QLabel()
        self.decided_by.setWordWrap(True)
        self.checks = RowsModel(CHECK_COLUMNS, self)
        self.no_lists = QLabel("No check-in list yet: create one in the Lists tab or with `checkin-app lists create`.")
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("List", self.list_choice)
        form.addRow("At (the event's local time)", self.when)
        for field in (self.code, self.list_choice, self.when):
            field.setMaximumWidth(560)
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.no_lists)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(self.outcome)
        lay.addWidget(self.decided_by)
        lay.addWidget(table_view(self.checks, rows=False), 1)
        self.code.returnPressed.connect(self.run)
        tasks.changed.connect(self._changed)

    def _changed(self, changes: Changes, _source) -> None:
        if changes.journal and self.isVisible():  # a list defined on another door arrives by the journal
            self.refresh()

    def refresh(self) -> None:
        self.tasks.read(lambda app: sorted(lists.all_lists(app.store)), self._show_lists)

    def _show_lists(self, names: list[str]) -> None:
        current = self.list_choice.currentText()
        self.list_choice.clear()
        self.list_choice.addItems(names)
        if current in names:
            self.list_choice.setCurrentText(current)
        self.no_lists.setVisible(not names)
        self.run_button.setEnabled(bool(names))

    def run(self) -> None:
        code, name = self.code.text().strip(), self.list_choice.currentText()
        when = self.when.dateTime().toString("yyyy-MM-ddTHH:mm")
        if not code or not name:
            self.outcome.say("Type a code and pick a list", False)
            return
        self.tasks.read(lambda app: simulate(app, code, name, when), self._show,
                        lambda exc: self.tasks.explain(exc, lambda why: self.outcome.say(why, False)))

    def _show(self, verdict: dict) -> None:
        self.outcome.show_verdict(verdict)
        self.decided_by.setText(f"Decided by: {rule_words(verdict.get('rule'))} · on list {verdict.get('list')}"
                                f" · at {verdict['at']} · simulated: nothing was recorded")
        self.checks.set_rows(verdict.get("checks") or [])
        self.simulated.emit(verdict)
