"""One attendee: details, full scan history, and the supervisor's acts on the ticket.

Acts run on the database lane; their outcome (or the reason they were refused) is shown in the
panel, and `acted` tells the rest of the window to refresh.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from checkin_app.gui.models import HISTORY_COLUMNS, RowsModel, table_view, ticket_state
from checkin_app.gui.style import show_outcome
from checkin_app.gui.tasks import Tasks
from checkin_app.services import supervisor


class AttendeePanel(QWidget):
    """Shows `services.supervisor.attendee` and offers the acts.

    Signals:
        loaded(dict): an attendee's record is on screen.
        acted(str): an act succeeded (its message).
        refused(str): an act was refused (the reason, shown in the panel too).
    """

    loaded = Signal(dict)
    acted = Signal(str)
    refused = Signal(str)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.record: dict | None = None
        self.private = False
        self._generation = 0
        self.title = QLabel("Pick an attendee")
        self.title.setStyleSheet("font-size: 22px; font-weight: 700;")
        self.fields = {k: QLabel() for k in ("code", "email", "type", "seat", "order", "event", "state")}
        form = QFormLayout()
        for key, label in (("code", "Code"), ("email", "Email"), ("type", "Ticket type"), ("seat", "Seat"),
                           ("order", "Order"), ("event", "Event"), ("state", "Status")):
            self.fields[key].setTextInteractionFlags(Qt.TextSelectableByMouse)
            form.addRow(label, self.fields[key])
        self.history = RowsModel(HISTORY_COLUMNS, self)
        self.history_view = table_view(self.history, rows=False)

        self.check_in_button = QPushButton("Check in", clicked=self.check_in)
        self.check_in_button.setProperty("role", "primary")
        self.undo_button = QPushButton("Undo check-in", clicked=self.undo)
        self.reason = QLineEdit(placeholderText="Reason (needed to admit anyway, void or un-void)")
        self.force_button = QPushButton("Admit anyway", clicked=self.force)
        self.void_button = QPushButton("Void ticket…", clicked=self.void)
        self.void_button.setProperty("role", "danger")
        self.unvoid_button = QPushButton("Un-void", clicked=self.unvoid)
        self.party_count = QSpinBox(minimum=1, maximum=1)
        self.party_button = QPushButton("Admit from party", clicked=self.admit_party)
        self.party_row = QWidget()
        pr = QHBoxLayout(self.party_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(QLabel("Guests arriving now:"))
        pr.addWidget(self.party_count)
        pr.addWidget(self.party_button)
        pr.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)

        self.actions_box = QGroupBox("Supervisor actions")
        al = QVBoxLayout(self.actions_box)
        row = QHBoxLayout()
        row.addWidget(self.check_in_button)
        row.addWidget(self.undo_button)
        row.addStretch(1)
        al.addLayout(row)
        al.addWidget(self.party_row)
        row = QHBoxLayout()
        row.addWidget(self.reason, 1)
        row.addWidget(self.force_button)
        row.addWidget(self.void_button)
        row.addWidget(self.unvoid_button)
        al.addLayout(row)

        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(form)
        lay.addWidget(QLabel("History"))
        lay.addWidget(self.history_view, 1)
        lay.addWidget(self.actions_box)
        lay.addWidget(self.outcome)
        self.set_private(False)
        self._enable()

    def set_private(self, on: bool) -> None:
        """Supervisor (True): contact details and acts; door staff (False): names and history only."""
        self.private = on
        self.actions_box.setVisible(on)
        self.fields["email"].setText(self._email() if on else "hidden (supervisor only)")

    def _email(self) -> str:
        return (self.record or {}).get("email") or ""

    def load(self, ticket_id: int) -> None:
        """Read the attendee on the read lane; only the latest load is shown (older answers are stale)."""
        self._generation += 1
        generation = self._generation
        self.tasks.read(lambda app: supervisor.attendee(app.store, ticket_id),
                        lambda rec: self._show(rec) if generation == self._generation else None)

    def _show(self, rec: dict) -> None:
        self.record = rec
        self.title.setText(rec.get("holder_name") or "(no name)")
        f = self.fields
        f["code"].setText(rec["code"])
        f["type"].setText(rec.get("ticket_type") or "")
        f["seat"].setText(rec.get("seat") or "")
        f["order"].setText(rec.get("order_ref") or "")
        f["event"].setText(rec.get("event_name") or "")
        # Why it is refused, in the provider's own words (issue 12): "VOID · order cancelled".
        why = rec.get("void_reason") if rec.get("status") == "void" else (
            f"the provider says '{rec.get('provider_state')}'" if rec.get("status") == "unrecognised" else rec.get("attention"))
        f["state"].setText(ticket_state(rec) + (f" · {why}" if why else ""))
        self.set_private(self.private)
        self.history.set_rows(rec["history"])
        remaining = max(1, rec["party_size"] - rec["admitted_count"])
        self.party_count.setMaximum(remaining)
        self.party_row.setVisible(rec["kind"] == "guest_list")
        self._enable()
        self.loaded.emit(rec)

    def _enable(self) -> None:
        rec = self.record
        for b in (self.check_in_button, self.undo_button, self.force_button, self.void_button, self.party_button,
                  self.unvoid_button):
            b.setEnabled(rec is not None)
        if rec is not None:
            self.undo_button.setEnabled(rec["admitted_count"] > 0)
            self.void_button.setEnabled(not rec.get("local_void_at"))
            self.unvoid_button.setEnabled(bool(rec.get("local_void_at")))  # only a supervisor's void

    # -- acts ----------------------------------------------------------------------------------

    def _act(self, op, describe=lambda result: result.message) -> None:
        rec = self.record
        scope = [rec["event_id"]]
        self.tasks.db(lambda app: op(app, rec["code"], scope), lambda result: self._done(describe(result)), self._failed)

    def _done(self, message: str) -> None:
        show_outcome(self.outcome, message, True)
        self.reason.clear()
        self.acted.emit(message)
        self.load(self.record["id"])

    def _failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, self._refuse)

    def _refuse(self, reason: str) -> None:
        show_outcome(self.outcome, reason, False)
        self.refused.emit(reason)

    def _need_reason(self, what: str) -> str | None:
        reason = self.reason.text().strip()
        if not reason:
            self._refuse(f"type a reason to {what}")
            self.reason.setFocus()
            return None
        return reason

    def check_in(self) -> None:
        self._act(lambda app, code, scope: app.checkin.scan(code, event_ids=scope), lambda v: v.message)

    def undo(self) -> None:
        self._act(lambda app, code, scope: app.checkin.undo(code, event_ids=scope))

    def force(self) -> None:
        reason = self._need_reason("admit anyway")
        if reason:
            self._act(lambda app, code, scope: app.checkin.force(code, reason, event_ids=scope), lambda v: v.message)

    def void(self) -> None:
        reason = self._need_reason("void the ticket")
        if not reason:
            return
        who = self.record.get("holder_name") or self.record["code"]
        answer = QMessageBox.question(self, "Void ticket", f"Void the ticket of {who}?\n\nReason: {reason}\n\n"
                                      "The ticket will be refused at every door and voided upstream.",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            self._act(lambda app, code, scope: app.checkin.void(code, reason, event_ids=scope))

    def unvoid(self) -> None:
        reason = self._need_reason("un-void the ticket")
        if reason:
            self._act(lambda app, code, scope: app.checkin.unvoid(code, reason, event_ids=scope))

    def admit_party(self) -> None:
        n, ticket_id = self.party_count.value(), self.record["id"]
        self.tasks.db(lambda app: app.checkin.admit_party(ticket_id, n), lambda v: self._done(v.message), self._failed)
