"""Connections and events: add, test and remove providers; choose the events this door admits; sync.

Checks and syncs talk to providers, so they run in the network pool (with their own Store),
never on the database lane where scans are decided. Secrets go to the OS keyring through
`services.connections`; where there is none, the connection names an environment variable.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.style import show_outcome
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.webhooks_panel import WebhooksPanel
from checkin_app.domain.rules import event_time
from checkin_app.services import connections, events, syncing
from checkin_app.services.status import cannot_reach

_COLUMNS = [
    Column("name", "Name"), Column("provider", "Provider"), Column("base_url", "Address"),
    Column("secrets", "Secret kept in", lambda r: ", ".join(r["secrets"].values()) or "-"),
    Column("last_success_at", "Last sync", lambda r: (r["last_success_at"] or "never")[:16].replace("T", " ")),
    Column("last_error", "Last error"),
]
WEB_PROVIDERS = [("Ticket Tailor", "tickettailor"), ("Ticketor (webhooks)", "ticketor"),
                 ("Ticketsolve (webhooks)", "ticketsolve"), ("Relay (another laptop's receiver)", "relay")]


def _when(iso: str | None) -> str:
    """"Fri 28 Nov 19:00" in the event's own zone (as the provider gave it), not this laptop's."""
    return event_time(iso) if iso else "no date"


class _Progress(QObject):
    """Lives on the GUI thread: the sync thread's progress calls arrive here queued."""

    moved = Signal(str, int)


class ConnectionsView(QWidget):
    """Providers, events and manual sync.

    Signals:
        checked(dict): a connection test answered (what the provider said).
        changed(): connections or admitted events changed.
        syncFinished(list): a manual sync ended (the reports as dicts).
        message(str, bool): a line for the user (ok or not).
    """

    checked = Signal(dict)
    changed = Signal()
    syncFinished = Signal(list)
    message = Signal(str, bool)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks = tasks
        self._cancel: threading.Event | None = None
        self.progress_relay = _Progress(self)
        self.progress_relay.moved.connect(self._moved)

        self.model = RowsModel(_COLUMNS, self)
        self.table = table_view(self.model)
        self.remove_button = QPushButton("Remove…", clicked=self.remove_selected)
        self.remove_button.setProperty("role", "danger")

        self.provider = QComboBox()
        for label, key in WEB_PROVIDERS:
            self.provider.addItem(label, key)
        self.name = QLineEdit(placeholderText="e.g. Main box office")
        self.base_url = QLineEdit(placeholderText="https://api.tickettailor.com/v1 (leave empty)")
        self.api_key = QLineEdit(placeholderText="sk_… (kept in the OS keyring)", echoMode=QLineEdit.Password)
        self.api_key_env = QLineEdit(placeholderText="or: name of an environment variable holding it")
        self.test_button = QPushButton("Test", clicked=self.test)
        self.add_button = QPushButton("Add connection", clicked=self.add)
        self.add_button.setProperty("role", "primary")
        self.form_outcome = QLabel()
        self.form_outcome.setWordWrap(True)
        add_box = QGroupBox("Add a connection")
        form = QFormLayout(add_box)
        form.addRow("Provider", self.provider)
        form.addRow("Name", self.name)
        form.addRow("API address", self.base_url)
        form.addRow("API key", self.api_key)
        form.addRow("", self.api_key_env)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.add_button)
        row.addStretch(1)
        form.addRow("", row)
        form.addRow("", self.form_outcome)

        self.events = QListWidget()
        self.save_events_button = QPushButton("Admit the ticked events", clicked=self.save_events)
        events_box = QGroupBox("Events this door admits")
        el = QVBoxLayout(events_box)
        el.addWidget(self.events)
        el.addWidget(self.save_events_button, 0, Qt.AlignLeft)

        self.sync_button = QPushButton("Sync now", clicked=self.sync)
        self.sync_button.setProperty("role", "primary")
        self.cancel_button = QPushButton("Cancel", clicked=self.cancel_sync, enabled=False)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)  # the provider gives no total; the line below counts tickets
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.sync_status = QLabel("")
        sync_box = QGroupBox("Sync")
        sl = QVBoxLayout(sync_box)
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.bar, 1)
        sl.addLayout(row)
        sl.addWidget(self.sync_status)

        self.webhooks_box = WebhooksPanel(tasks)

        conns_box = QGroupBox("Connections")
        cl = QVBoxLayout(conns_box)
        cl.addWidget(self.table)
        self.cannot_reach = QLabel()  # issue 12: what each provider cannot bring to the door
        self.cannot_reach.setWordWrap(True)
        cl.addWidget(self.cannot_reach)
        cl.addWidget(self.remove_button, 0, Qt.AlignLeft)
        left = QVBoxLayout()
        left.addWidget(conns_box, 1)
        left.addWidget(add_box)
        self.right = right = QVBoxLayout()
        right.addWidget(events_box, 1)
        right.addWidget(sync_box)
        right.addWidget(self.webhooks_box)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addLayout(left, 3)
        lay.addLayout(right, 2)

    # -- reading ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.tasks.read(lambda app: (connections.overview(app.store), events.list_events(app.store)), self._show)

    def _show(self, data) -> None:
        rows, event_rows = data
        self.model.set_rows(rows)
        self.cannot_reach.setText("\n".join(cannot_reach(r["provider"] for r in rows)))
        self.events.clear()
        for e in event_rows:
            when = _when(e["starts_at"])
            item = QListWidgetItem(f"{e['name']}  ·  {when}  ·  {e['checked_in']:,} / {e['tickets']:,} in")
            item.setData(Qt.UserRole, e["id"])
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if e["admitted"] else Qt.Unchecked)
            self.events.addItem(item)

    # -- connections ------------------------------------------------------------------------------

    def _form(self):
        env = self.api_key_env.text().strip() or None
        # A relay's secret is its bearer token; the field says which variable holds it.
        creds = (connections.Credentials(token_env=env) if self.provider.currentData() == "relay"
                 else connections.Credentials(api_key_env=env))
        return (self.provider.currentData(), self.name.text().strip(), self.base_url.text().strip() or None, creds,
                self.api_key.text().strip() or None)

    def _say(self, text: str, ok: bool) -> None:
        show_outcome(self.form_outcome, text, ok)
        self.message.emit(text, ok)

    def _failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, lambda reason: self._say(reason, False))

    def test(self) -> None:
        provider, _name, base_url, creds, key = self._form()
        self._say("Testing…", True)

        def done(info: dict) -> None:
            said = ", ".join(f"{k}: {v}" for k, v in info.items() if isinstance(v, (str, int))) or "no details"
            self._say(f"Connection works ({said})", True)
            self.checked.emit(info)

        self.tasks.net(lambda: connections.check(provider, base_url, creds, api_key=key), done, self._failed)

    def add(self) -> None:
        provider, name, base_url, creds, key = self._form()
        self._say("Checking and saving…", True)

        def done(result) -> None:
            connection, _info = result
            self._say(f"Added {connection.name}; sync it to download its events", True)
            self.api_key.clear()
            self.changed.emit()
            self.refresh()

        data_dir = self.tasks.data_dir
        self.tasks.net(lambda: connections.connect_at(data_dir, provider, name, base_url, creds, key), done, self._failed)

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        name = self.model.row_at(rows[0].row())["name"]
        if QMessageBox.question(self, "Remove connection", f"Remove {name}? Its cached attendees stay on this "
                                "laptop; its secret is deleted from the keyring.",
                                QMessageBox.Yes | QMessageBox.No, QMessageBox.No) != QMessageBox.Yes:
            return
        self.tasks.db(lambda app: connections.remove(app.store, name),
                      lambda _r: (self._say(f"Removed {name}", True), self.changed.emit(), self.refresh()),
                      self._failed)

    def save_events(self) -> None:
        ids = [self.events.item(i).data(Qt.UserRole) for i in range(self.events.count())
               if self.events.item(i).checkState() == Qt.Checked]
        self.tasks.db(lambda app: events.set_admitted(app.store, ids),
                      lambda _r: (self.message.emit(f"This door admits {len(ids)} event(s)", True),
                                  self.changed.emit(), self.refresh()))

    # -- sync --------------------------------------------------------------------------------------

    def sync(self) -> None:
        if self._cancel is not None:
            return
        self._cancel = cancel = threading.Event()
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setRange(0, 0)  # the provider does not say how many tickets are coming: a busy bar
        self.sync_status.setText("Syncing…")
        relay = self.progress_relay
        self.tasks.net(lambda: syncing.sync_now(self.tasks.data_dir, cancel=cancel,
                                                progress=lambda what, n: relay.moved.emit(what, n)),
                       self._synced, self._sync_failed)

    def cancel_sync(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.sync_status.setText("Cancelling after this page…")

    def _moved(self, what: str, n: int) -> None:
        if self._cancel is not None:
            self.sync_status.setText(f"{what}: {n:,} tickets")

    def _end_sync(self) -> None:
        self._cancel = None
        self.sync_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1)

    def _synced(self, reports) -> None:
        self._end_sync()
        self.bar.setValue(1)
        lines = []
        for r in reports:
            pulled = f"{r.pull.tickets:,} tickets in {r.pull.events} events" if r.pull else "not pulled"
            state = "cancelled" if r.cancelled else f"error: {r.error}" if r.error else "done"
            lines.append(f"{r.connection}: sent {r.push.sent}, {pulled} ({state})")
        self.sync_status.setText("\n".join(lines))
        self.syncFinished.emit([r.to_dict() for r in reports])
        self.changed.emit()
        self.refresh()

    def _sync_failed(self, exc: BaseException) -> None:
        self._end_sync()
        self.bar.setValue(0)
        self.tasks.explain(exc, lambda reason: (self.sync_status.setText(reason), self.syncFinished.emit([])))
