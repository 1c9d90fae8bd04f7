"""One attendee: details, full scan history, and the supervisor's acts on the ticket.

Acts run on the database lane; their outcome (or the reason they were refused) is shown in the
panel, and `acted` tells the rest of the window to refresh.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from checkin_app.domain.changes import ATTENDEE_ACT
from checkin_app.gui.badge_sender import BadgeSender
from checkin_app.gui.enabling import enable
from checkin_app.gui.models import HISTORY_COLUMNS, RowsModel, table_view, ticket_state
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.style import TEXT_MUTED
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

    def __init__(self, tasks: Tasks, badges: BadgeSender | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.badges = badges  # None: this window prints no badges (no reprint button)
        self.record: dict | None = None
        self.private = False
        self._generation = 0
        self.title = QLabel("Pick an attendee")
        self.title.setStyleSheet("font-size: 22px; font-weight: 700;")
        self.fields = {k: QLabel() for k in ("code", "email", "type", "seat", "order", "event", "state", "note")}
        form = QFormLayout()
        for key, label in (("code", "Code"), ("email", "Email"), ("type", "Ticket type"), ("seat", "Seat"),
                           ("order", "Order"), ("event", "Event"), ("state", "Status"), ("note", "Note")):
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
        # The supervisor's note: every door shows it on this attendee's next scan and holds for it.
        self.note_edit = QLineEdit(placeholderText="Note every door shows and holds for (e.g. 'Wheelchair: side door')")
        self.note_edit.setMaxLength(500)
        self.note_button = QPushButton("Save note", clicked=self.save_note)
        self.clear_note_button = QPushButton("Clear note", clicked=self.clear_note)
        self.hold_confirm_button = QPushButton("Let in (held)", clicked=self.confirm_hold)
        self.hold_deny_button = QPushButton("Turn away (held)", clicked=self.deny_hold)
        self.badge_button = QPushButton("Print badge", clicked=self.print_badge)
        self.badge_button.setVisible(badges is not None)
        if badges is not None:
            badges.printed.connect(lambda tid, where: self._badge_done(tid, f"Badge printed to {where}", "ok"))
            badges.failed.connect(lambda tid, why: self._badge_done(tid, why, "stop"))
        self.party_count = QSpinBox(minimum=1, maximum=1)
        self.party_button = QPushButton("Admit from party", clicked=self.admit_party)
        self.party_row = QWidget()
        pr = QHBoxLayout(self.party_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(QLabel("Guests arriving now:"))
        pr.addWidget(self.party_count)
        pr.addWidget(self.party_button)
        pr.addStretch(1)
        self.outcome = OutcomeLine()
        self.why_off = QLabel()  # why some acts are greyed out (also each button's tooltip)
        self.why_off.setWordWrap(True)
        self.why_off.setStyleSheet(f"color: {TEXT_MUTED};")

        self.actions_box = QGroupBox("Supervisor actions")
        al = QVBoxLayout(self.actions_box)
        row = QHBoxLayout()
        row.addWidget(self.check_in_button)
        row.addWidget(self.undo_button)
        row.addWidget(self.badge_button)
        row.addStretch(1)
        al.addLayout(row)
        al.addWidget(self.party_row)
        row = QHBoxLayout()
        row.addWidget(self.reason, 1)
        row.addWidget(self.force_button)
        row.addWidget(self.void_button)
        row.addWidget(self.unvoid_button)
        al.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.note_edit, 1)
        row.addWidget(self.note_button)
        row.addWidget(self.clear_note_button)
        al.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.hold_confirm_button)
        row.addWidget(self.hold_deny_button)
        row.addStretch(1)
        al.addLayout(row)
        al.addWidget(self.why_off)

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
        if self.record is None or self.record["id"] != rec["id"]:
            self.outcome.clear()  # another attendee: the last act's outcome was about someone else
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
        f["state"].setText(ticket_state(rec) + (f" · {why}" if why else "") + (" · held for a staff check" if rec.get("held") else ""))
        f["note"].setText(rec.get("note") or "")
        self.note_edit.setText(rec.get("note") or "")
        self.set_private(self.private)
        self.history.set_rows(rec["history"])
        remaining = max(1, rec["party_size"] - rec["admitted_count"])
        self.party_count.setMaximum(remaining)
        self.party_row.setVisible(rec["kind"] == "guest_list")
        self._enable()
        self.loaded.emit(rec)

    def _enable(self) -> None:
        """Enable the acts that make sense for this ticket; each one off says why (tooltip and a line)."""
        reasons = self._why_off(self.record)
        for button in self._acts():
            enable(button, reasons.get(button))
        if self.record is None:
            self.why_off.setText("Pick an attendee to act on their ticket.")
        else:
            self.why_off.setText("\n".join(f"{button.text().rstrip(chr(0x2026))}: {why}" for button, why in reasons.items()
                                           if button.isVisibleTo(self.actions_box)))
        self.why_off.setVisible(bool(self.why_off.text()))

    def _acts(self) -> tuple:
        return (self.check_in_button, self.undo_button, self.force_button, self.void_button, self.party_button,
                self.unvoid_button, self.badge_button, self.note_button, self.clear_note_button,
                self.hold_confirm_button, self.hold_deny_button)

    def _why_off(self, rec: dict | None) -> dict:
        """{button: reason} for each act that cannot be done now."""
        if rec is None:
            return {b: "pick an attendee first" for b in self._acts()}
        out = {}
        if rec["admitted_count"] <= 0:
            out[self.undo_button] = "not checked in, nothing to undo"
        if rec.get("local_void_at"):
            out[self.void_button] = "already voided by a supervisor"
        else:
            # Only a supervisor's void can be taken back here; a provider's void follows the provider.
            out[self.unvoid_button] = ("voided by the provider: it follows the provider" if rec["status"] == "void"
                                       else "not voided by a supervisor")
        if not rec.get("note"):
            out[self.clear_note_button] = "no note on this attendee"
        if not rec.get("held"):
            out[self.hold_confirm_button] = out[self.hold_deny_button] = "no admission of this ticket waits for a check"
        if rec["status"] != "valid" or rec["kind"] == "product":
            out[self.badge_button] = "no badge for a ticket that does not admit"
        if rec["kind"] == "guest_list" and rec["admitted_count"] >= rec["party_size"]:
            out[self.party_button] = "the whole party is in"
        return out

    # -- acts ----------------------------------------------------------------------------------

    def _act(self, op, verdict: bool = False) -> None:
        """Run an act on the database lane; `verdict`: it answers with a Verdict (shown in its own look)."""
        rec = self.record
        scope = [rec["event_id"]]
        self.tasks.db(lambda app: op(app, rec["code"], scope),
                      self._done_verdict if verdict else lambda result: self._done(result.message), self._failed,
                      changes=ATTENDEE_ACT)

    def _done_verdict(self, verdict) -> None:
        self.outcome.show_verdict(verdict.to_dict())
        self._acted(verdict.message)

    def _done(self, message: str) -> None:
        self.outcome.show_text(message, "ok")
        self._acted(message)

    def _acted(self, message: str) -> None:
        self.reason.clear()
        self.acted.emit(message)
        self.load(self.record["id"])

    def _failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, self._refuse)

    def _refuse(self, reason: str) -> None:
        self.outcome.show_text(reason, "stop")
        self.refused.emit(reason)

    def _need_reason(self, what: str) -> str | None:
        reason = self.reason.text().strip()
        if not reason:
            self._refuse(f"type a reason to {what}")
            self.reason.setFocus()
            return None
        return reason

    def check_in(self) -> None:
        self._act(lambda app, code, scope: app.checkin.scan(code, event_ids=scope), verdict=True)

    def undo(self) -> None:
        self._act(lambda app, code, scope: app.checkin.undo(code, event_ids=scope))

    def force(self) -> None:
        reason = self._need_reason("admit anyway")
        if reason:
            self._act(lambda app, code, scope: app.checkin.force(code, reason, event_ids=scope), verdict=True)

    def void(self) -> None:
        reason = self._need_reason("void the ticket")
        if not reason:
            return
        code, who = self.record["code"], self.record.get("holder_name") or "no name"
        answer = QMessageBox.question(self, f"Void ticket {code}", f"Void ticket {code} ({who})?\n\nReason: {reason}\n\n"
                                      "The ticket will be refused at every door and voided upstream.",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            self._act(lambda app, code, scope: app.checkin.void(code, reason, event_ids=scope))

    def unvoid(self) -> None:
        reason = self._need_reason("un-void the ticket")
        if reason:
            self._act(lambda app, code, scope: app.checkin.unvoid(code, reason, event_ids=scope))

    def save_note(self) -> None:
        text = self.note_edit.text().strip()
        if not text:
            self._refuse("type the note first (Clear note removes one)")
            self.note_edit.setFocus()
            return
        self._act(lambda app, code, scope: app.checkin.set_note(code, text, event_ids=scope))

    def clear_note(self) -> None:
        self._act(lambda app, code, scope: app.checkin.set_note(code, None, event_ids=scope))

    def confirm_hold(self) -> None:
        """Let in a guest held at some door (the supervisor looked; journalled like the door's Enter)."""
        self._act(lambda app, code, scope: app.checkin.confirm(code, event_ids=scope))

    def deny_hold(self) -> None:
        reason = self.reason.text().strip() or None
        self._act(lambda app, code, scope: app.checkin.deny(code, reason, event_ids=scope))
    def print_badge(self) -> None:
        """Reprint this attendee's badge where the door prints badges (Connections → This door)."""
        self.badges.print_ticket(self.record["id"])

    def _badge_done(self, ticket_id: int, text: str, tone: str) -> None:
        if self.record is not None and self.record["id"] == ticket_id:
            self.outcome.show_text(text, tone)

    def admit_party(self) -> None:
        n, ticket_id = self.party_count.value(), self.record["id"]
        self.tasks.db(lambda app: app.checkin.admit_party(ticket_id, n), self._done_verdict, self._failed,
                      changes=ATTENDEE_ACT)
