"""Connections and events: add, test and remove providers; choose the events this door admits; sync.

Checks and syncs talk to providers, so they run in the network pool (with their own Store),
never on the database lane where scans are decided. Secrets go to the OS keyring through
`services.connections`; where there is none, the connection names an environment variable.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from checkin_app.domain.changes import ADMITTED_EVENTS, CONNECTIONS, SYNC, Changes
from checkin_app.gui.enabling import enable
from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.plain_words import plain_error
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.webhooks_panel import WebhooksPanel
from checkin_app.domain.rules import event_time
from checkin_app.providers import registry
from checkin_app.services import connections, events, syncing
from checkin_app.services.status import cannot_reach

_COLUMNS = [
    Column("name", "Name"), Column("provider", "Provider"), Column("base_url", "Address"),
    Column("secrets", "Secret kept in", lambda r: ", ".join(r["secrets"].values()) or "-"),
    Column("last_success_at", "Last sync", lambda r: (r["last_success_at"] or "never")[:16].replace("T", " ")),
    Column("last_error", "Last error", lambda r: plain_error(r["last_error"]) if r["last_error"] else ""),
]


def _when(iso: str | None) -> str:
    """"Fri 28 Nov 19:00" in the event's own zone (as the provider gave it), not this laptop's."""
    return event_time(iso) if iso else "no date"


class ProviderForm(QWidget):
    """The fields of one provider's connection, as its `ProviderSpec` lists them.

    A secret is typed (it goes to the OS keyring) or named by the environment variable holding
    it (where there is no keyring); other settings are typed.
    """

    def __init__(self, spec: registry.ProviderSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.values: dict[str, QLineEdit | QCheckBox] = {}
        self.envs: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        about = QLabel(spec.summary)
        about.setWordWrap(True)
        form.addRow(about)
        for f in spec.fields:
            label = f.label + ("" if f.required else " (optional)")
            if f.secret:
                self.values[f.key] = value = QLineEdit(echoMode=QLineEdit.Password,
                                                       placeholderText=f"{f.hint} kept in the OS keyring".strip())
                self.envs[f.key] = env = QLineEdit(placeholderText="or: name of an environment variable holding it")
                form.addRow(label, value)
                form.addRow("", env)
            elif f.flag:
                self.values[f.key] = box = QCheckBox(f.label, toolTip=f.hint)
                form.addRow("", box)
            else:
                self.values[f.key] = value = QLineEdit(placeholderText=f.hint)
                form.addRow(label, value)

    def given(self) -> dict[str, connections.Given]:
        out = {}
        for key, edit in self.values.items():
            if isinstance(edit, QCheckBox):
                if edit.isChecked():
                    out[key] = connections.Given(value=True)
                continue
            env = self.envs[key].text().strip() or None if key in self.envs else None
            value = edit.text().strip() or None
            if value or env:
                out[key] = connections.Given(value=value, env=env)
        return out

    def clear_secrets(self) -> None:
        for key in self.envs:
            self.values[key].clear()


class ConnectionsView(QWidget):
    """Providers, events and manual sync.

    Signals:
        checked(dict): a connection test answered (what the provider said).
        changed(): connections or admitted events changed.
        syncFinished(list): a manual sync ended (the reports as dicts).
        syncProgress(str, int): a manual sync moved on (what, tickets so far), on the GUI thread.
        message(str, bool): a line for the user (ok or not).
    """

    checked = Signal(dict)
    changed = Signal()
    syncFinished = Signal(list)
    syncProgress = Signal(str, int)
    message = Signal(str, bool)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks = tasks
        self._cancel: threading.Event | None = None
        tasks.changed.connect(self._changed)

        self.model = RowsModel(_COLUMNS, self)
        self.table = table_view(self.model)
        self.remove_button = QPushButton("Remove…", clicked=self.remove_selected)
        self.remove_button.setProperty("role", "danger")

        self.provider = QComboBox()
        self.forms: dict[str, ProviderForm] = {}
        self.provider_pages = QStackedWidget()
        for spec in registry.SPECS.values():
            self.provider.addItem(spec.name, spec.id)
            self.forms[spec.id] = form_page = ProviderForm(spec)
            self.provider_pages.addWidget(form_page)
        self.name = QLineEdit(placeholderText="e.g. Main box office")
        self.base_url = QLineEdit()
        # Ticket Tailor's key fields under their old names (the first provider's form).
        self.api_key = self.forms["tickettailor"].values["secret"]
        self.api_key_env = self.forms["tickettailor"].envs["secret"]
        self.test_button = QPushButton("Test", clicked=self.test)
        self.add_button = QPushButton("Add connection", clicked=self.add)
        self.add_button.setProperty("role", "primary")
        self.form_outcome = OutcomeLine()
        add_box = QGroupBox("Add a connection")
        self.add_form = form = QFormLayout(add_box)
        form.addRow("Provider", self.provider)
        form.addRow("Name", self.name)
        form.addRow("API address", self.base_url)
        form.addRow(self.provider_pages)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.add_button)
        row.addStretch(1)
        form.addRow("", row)
        form.addRow("", self.form_outcome)
        self.provider.currentIndexChanged.connect(self._provider_chosen)
        self._provider_chosen()

        self.events = QListWidget()
        self.save_events_button = QPushButton("Admit the ticked events", clicked=self.save_events)
        events_box = QGroupBox("Events this door admits")
        el = QVBoxLayout(events_box)
        el.addWidget(self.events)
        el.addWidget(self.save_events_button, 0, Qt.AlignLeft)

        self.sync_button = QPushButton("Sync now", clicked=self.sync)
        self.sync_button.setProperty("role", "primary")
        self.cancel_button = QPushButton("Cancel", clicked=self.cancel_sync)
        enable(self.cancel_button, "no sync is running")
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
        self.webhooks_box.setVisible(False)
        # Receiving webhooks and relaying them is set up once per venue, not at every door: folded away.
        self.advanced = QToolButton(text="Advanced: webhook receiver and relay", checkable=True,
                                    arrowType=Qt.RightArrow, toolButtonStyle=Qt.ToolButtonTextBesideIcon)
        self.advanced.setAutoRaise(True)
        self.advanced.toggled.connect(self._show_advanced)

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
        right.addWidget(self.advanced)
        right.addWidget(self.webhooks_box)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addLayout(left, 3)
        lay.addLayout(right, 2)

    # -- reading ----------------------------------------------------------------------------------

    def _changed(self, changes: Changes, source) -> None:
        """Connections, events or their arrival counts changed: re-read if on screen (or our own act)."""
        if changes.any_of("connections", "events", "tickets") and (source is self or self.isVisible()):
            self.refresh()

    def refresh(self) -> None:
        self.tasks.read(lambda app: (connections.overview(app.store), events.list_events(app.store)), self._show)

    def _show(self, data) -> None:
        rows, event_rows = data
        self.model.set_rows(rows)
        self.cannot_reach.setText("\n".join(cannot_reach(r["provider"] for r in rows)))
        self.events.clear()
        for e in event_rows:
            when = _when(e["starts_at"])
            item = QListWidgetItem(f"{e['name']}  ·  {when}  ·  {e['arrived']:,} / {e['expected']:,} in")
            item.setData(Qt.UserRole, e["id"])
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if e["admitted"] else Qt.Unchecked)
            self.events.addItem(item)

    # -- connections ------------------------------------------------------------------------------

    def _show_advanced(self, on: bool) -> None:
        self.advanced.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.webhooks_box.setVisible(on)

    def _provider_chosen(self, _index: int = 0) -> None:
        spec = registry.spec(self.provider.currentData())
        self.provider_pages.setCurrentWidget(self.forms[spec.id])
        self.add_form.setRowVisible(self.base_url, spec.address != "none")
        self.base_url.setPlaceholderText(f"{spec.default_address} (leave empty)" if spec.default_address else
                                         "https://… (required)")

    def _form(self):
        provider = self.provider.currentData()
        return provider, self.name.text().strip(), self.base_url.text().strip() or None, self.forms[provider].given()

    def _say(self, text: str, ok: bool) -> None:
        self.form_outcome.say(text, ok)
        self.message.emit(text, ok)

    def _working(self, text: str) -> None:
        self.form_outcome.working(text)
        self.message.emit(text, True)

    def _failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, lambda reason: self._say(reason, False))

    def test(self) -> None:
        provider, _name, base_url, given = self._form()
        self._working("Testing…")

        def done(info: dict) -> None:
            said = ", ".join(f"{k}: {v}" for k, v in info.items() if isinstance(v, (str, int))) or "no details"
            self._say(f"Connection works ({said})", True)
            self.checked.emit(info)

        self.tasks.net(lambda: connections.check(provider, base_url, given), done, self._failed)

    def add(self) -> None:
        provider, name, base_url, given = self._form()
        self._working("Checking and saving…")

        def done(result) -> None:
            connection, _info = result
            self._say(f"Added {connection.name}; sync it to download its events", True)
            self.forms[provider].clear_secrets()
            self.changed.emit()

        data_dir = self.tasks.data_dir
        self.tasks.net(lambda: connections.connect_at(data_dir, provider, name, base_url, given), done, self._failed,
                       changes=CONNECTIONS)

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
                      lambda _r: (self._say(f"Removed {name}", True), self.changed.emit()),
                      self._failed, changes=CONNECTIONS)

    def save_events(self) -> None:
        ids = [self.events.item(i).data(Qt.UserRole) for i in range(self.events.count())
               if self.events.item(i).checkState() == Qt.Checked]
        self.tasks.db(lambda app: events.set_admitted(app.store, ids),
                      lambda _r: (self.message.emit(f"This door admits {len(ids)} event(s)", True),
                                  self.changed.emit()), changes=ADMITTED_EVENTS)

    # -- sync --------------------------------------------------------------------------------------

    def sync(self) -> None:
        if self._cancel is not None:
            return
        self._cancel = cancel = threading.Event()
        enable(self.sync_button, "a sync is running (Cancel stops it)")
        enable(self.cancel_button, None)
        self.bar.setRange(0, 0)  # the provider does not say how many tickets are coming: a busy bar
        self.sync_status.setText("Syncing…")
        progress, data_dir = self.tasks.relay.bind(self._moved), self.tasks.data_dir
        self.tasks.net(lambda: syncing.sync_now(data_dir, cancel=cancel, progress=progress),
                       self._synced, self._sync_failed, changes=SYNC)

    def cancel_sync(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.sync_status.setText("Cancelling after this page…")

    def _moved(self, what: str, n: int) -> None:
        self.syncProgress.emit(what, n)
        if self._cancel is not None:
            self.sync_status.setText(f"{what}: {n:,} tickets")

    def _end_sync(self) -> None:
        self._cancel = None
        enable(self.sync_button, None)
        enable(self.cancel_button, "no sync is running")
        self.bar.setRange(0, 1)

    def _synced(self, reports) -> None:
        self._end_sync()
        self.bar.setValue(1)
        lines = []
        for r in reports:
            pulled = f"{r.pull.tickets:,} tickets in {r.pull.events} events" if r.pull else "not pulled"
            state = "cancelled" if r.cancelled else plain_error(r.error) if r.error else "done"
            lines.append(f"{r.connection}: sent {r.push.sent}, {pulled} ({state})")
        self.sync_status.setText("\n".join(lines))
        self.syncFinished.emit([r.to_dict() for r in reports])
        self.changed.emit()

    def _sync_failed(self, exc: BaseException) -> None:
        self._end_sync()
        self.bar.setValue(0)
        self.tasks.explain(exc, lambda reason: (self.sync_status.setText(reason), self.syncFinished.emit([])))
