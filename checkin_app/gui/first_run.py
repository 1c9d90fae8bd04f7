"""First run: box office, key, tonight's events, this door's name, the supervisor PIN, in one short wizard.

It is made of the Connections tab's parts: the same form per provider (`ProviderForm`, from the
provider registry), the same services (`connections.connect_at`, `syncing.sync_now`,
`events.set_admitted`) and the same door-settings box, so there is one way to connect and one
place for the door name; the wizard only orders the steps for a newcomer.
"""
from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QStackedWidget, QVBoxLayout, QWidget, QWizard, QWizardPage)

from checkin_app.domain.changes import ADMITTED_EVENTS, CONNECTIONS, SYNC
from checkin_app.gui.connections_view import ProviderForm
from checkin_app.gui.door_settings import DoorSettings
from checkin_app.gui.pin_setup import PinPage
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.plain_words import plain_error
from checkin_app.gui.tasks import Tasks
from checkin_app.providers import registry
from checkin_app.services import connections, events, syncing


def tonight(event_rows: list[dict], today: date | None = None) -> list[int]:
    """The events to tick at first: those starting today (in the event's own zone); else the next one."""
    today = today or date.today()
    starts = []
    for e in event_rows:
        try:
            starts.append((datetime.fromisoformat(e["starts_at"]).date(), e["id"]))
        except (TypeError, ValueError):  # no date, or one we cannot read: never ticked for you
            continue
    todays = [i for day, i in starts if day == today]
    upcoming = sorted((day, i) for day, i in starts if day > today)
    return todays or [i for _day, i in upcoming[:1]]


class ConnectPage(QWizardPage):
    """Provider and its fields (the Connections tab's own form per provider); "Connect and download"
    checks, saves and syncs. Complete once the list is in."""

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.setTitle("Connect your box office")
        self.setSubTitle("The attendee list is downloaded to this laptop: the door keeps scanning without internet.")
        self.provider = QComboBox()
        self.forms: dict[str, ProviderForm] = {}
        self.pages = QStackedWidget()
        for spec in registry.SPECS.values():
            if spec.ticketing:  # a relay is another laptop of the venue, not a box office
                self.provider.addItem(spec.name, spec.id)
                self.forms[spec.id] = form_page = ProviderForm(spec)
                self.pages.addWidget(form_page)
        self.provider.currentIndexChanged.connect(
            lambda _i: self.pages.setCurrentWidget(self.forms[self.provider.currentData()]))
        self.name = QLineEdit(placeholderText="e.g. Main box office")
        self.base_url = QLineEdit(placeholderText="leave empty for the provider's own")
        self.go = QPushButton("Connect and download the list", clicked=self.connect)
        self.go.setProperty("role", "primary")
        self.outcome = OutcomeLine()
        more = QLabel("Webhook receiver and relay: the Connections tab, under Advanced.")
        form = QFormLayout(self)
        form.addRow("Box office", self.provider)
        form.addRow("Name", self.name)
        form.addRow(self.pages)
        form.addRow("API address", self.base_url)
        form.addRow("", self.go)
        form.addRow("", self.outcome)
        form.addRow("", more)
        self.connected_ok = False

    def isComplete(self) -> bool:
        return self.connected_ok

    def connect(self) -> None:
        provider = self.provider.currentData()
        name = self.name.text().strip() or self.provider.currentText()
        given, base_url = self.forms[provider].given(), self.base_url.text().strip() or None
        data_dir = self.tasks.data_dir
        self.go.setEnabled(False)
        self.outcome.working("Checking…")

        def work():
            connections.connect_at(data_dir, provider, name, base_url, given)
            return syncing.sync_now(data_dir, connection=name)

        self.tasks.net(work, self._connected, self._failed, changes=CONNECTIONS | SYNC)

    def _connected(self, reports) -> None:
        self.forms[self.provider.currentData()].clear_secrets()
        errors = [r.error for r in reports if r.error]
        tickets = sum(r.pull.tickets for r in reports if r.pull)
        if errors:
            self.outcome.say("Connected, but the download failed: " + plain_error(errors[0]), False)
        else:
            self.outcome.say(f"Connected: {tickets:,} tickets downloaded", True)
        self.connected_ok = True
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.go.setEnabled(True)
        self.tasks.explain(exc, lambda reason: self.outcome.say(plain_error(reason), False))


class EventsPage(QWizardPage):
    """Tick tonight's events: the door admits exactly those.

    Signals:
        saved(): the choice is in the database (the door may re-read its scope).
    """

    saved = Signal()

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.setTitle("Events for tonight")
        self.setSubTitle("Tickets for other events are refused as \"wrong event\".")
        self.list = QListWidget()
        QVBoxLayout(self).addWidget(self.list)

    def initializePage(self) -> None:
        self.list.clear()
        self.tasks.read(lambda app: events.list_events(app.store), self._show)

    def _show(self, rows: list[dict]) -> None:
        ticked = set(tonight(rows))
        for e in rows:
            item = QListWidgetItem(f"{e['name']}  ·  {e['starts_at'] or 'no date'}  ·  {e['expected']:,} expected")
            item.setData(Qt.UserRole, e["id"])
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if e["id"] in ticked else Qt.Unchecked)
            self.list.addItem(item)

    def chosen(self) -> list[int]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.Checked]

    def validatePage(self) -> bool:
        ids = self.chosen()
        if ids:
            self.tasks.db(lambda app: events.set_admitted(app.store, ids), lambda _r: self.saved.emit(),
                          changes=ADMITTED_EVENTS)
        return bool(ids)


class DoorNamePage(QWizardPage):
    """The door's name: other doors and the journal show it."""

    def __init__(self, door_settings: DoorSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.door_settings = door_settings
        self.setTitle("Name this door")
        self.name = QLineEdit(placeholderText="e.g. Door 2, Balcony, Stage door")
        form = QFormLayout(self)
        form.addRow("Door name", self.name)

    def initializePage(self) -> None:
        self.name.setText(self.door_settings.name.text())

    def validatePage(self) -> bool:
        if self.name.text().strip():
            self.door_settings.name.setText(self.name.text().strip())
            self.door_settings.save()  # the one place the door's name is kept
        return True


class FirstRunWizard(QWizard):
    """Signals:
        changed(): a list was downloaded or the events were chosen: the door re-reads what it admits."""

    changed = Signal()

    def __init__(self, tasks: Tasks, door_settings: DoorSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Set up this door")
        self.setOption(QWizard.NoBackButtonOnStartPage)
        self.connect_page = ConnectPage(tasks)
        self.events_page = EventsPage(tasks)
        self.name_page = DoorNamePage(door_settings)
        self.pin_page = PinPage(door_settings.settings)  # the PIN is in place before the door opens
        for page in (self.connect_page, self.events_page, self.name_page, self.pin_page):
            self.addPage(page)
        self.connect_page.completeChanged.connect(lambda: self.connect_page.connected_ok and self.changed.emit())
        self.events_page.saved.connect(self.changed)
        self.resize(640, 460)
