"""This door's own settings: its name (shown to other doors in refusals), its check-in list(s), its
sounds, its camera.

The check-in lists the door scans against are kept in the data dir's database like its name
(`services.lists.set_door_lists`), so the command line on the same data dir decides the same way.
Ticking several lists is the multi-event mode: each ticket is decided on the list that names its event.

The name is edited here and nowhere else; it is kept in the data dir's database (`services.doors`),
where the CLI, the door server and the other doors read it, and every other place shows it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QWidget)

from checkin_app.gui.attention_settings import AttentionSettings
from checkin_app.gui.camera_settings import CameraSettings
from checkin_app.gui.settings import Settings
from checkin_app.domain.changes import Changes
from checkin_app.gui import sounds as sound_device
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.style import OUTCOME_FAIL
from checkin_app.gui.tasks import Tasks
from checkin_app.services import doors, lists


class DoorSettings(QGroupBox):
    """Signals:
        renamed(str): the door's name is in use: read at start (`load`) or saved (check-in service told).
        cameraChosen(object): the `CameraChoice` to scan from now, or None for none (`camera_settings`).
        listsChosen(list): the check-in lists scans are decided on from now (read at `load`, or ticked).
        listsShown(list): the venue's lists are on screen (names), after each `load_lists`."""

    renamed = Signal(str)
    listsChosen = Signal(list)
    listsShown = Signal(list)
    cameraChosen = Signal(object)
    soundChecked = Signal(object)  # None: sound plays here; else why not

    def __init__(self, tasks: Tasks, settings: Settings, sounds: Sounds, parent: QWidget | None = None):
        super().__init__("This door", parent)
        self.tasks, self.settings, self.sounds = tasks, settings, sounds
        self.name = QLineEdit(placeholderText="e.g. Door 2, Balcony, Stage door")
        self.sound = QCheckBox("Sounds for admitted / warning / refused", checked=settings.sound)
        self.sound.toggled.connect(self._sound)
        self.sound_device = QLabel()  # whether this laptop can play them at all (`load` checks)
        self.sound_device.setWordWrap(True)
        self.camera = CameraSettings(tasks, settings)
        self.camera.cameraChosen.connect(self.cameraChosen)
        save = QPushButton("Save name", clicked=self.save)
        self.name.returnPressed.connect(self.save)
        # Check-in lists of the venue (made on any door: Supervisor → Lists or `checkin-app lists create`); none ticked: no list rules.
        self.lists = QListWidget()
        self.lists.setMaximumHeight(110)
        self.lists.itemChanged.connect(self._list_ticked)
        self.lists_note = QLabel("No check-in lists yet: every ticket of the admitted events gets in once.")
        self.lists_note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("", save)
        form.addRow("Check-in list", self.lists)
        form.addRow("", self.lists_note)
        self.attention = AttentionSettings(tasks)  # this door's own attention rules (tickets on no list)
        form.addRow("Attention", self.attention)
        form.addRow("", self.sound)
        form.addRow("", self.sound_device)
        form.addRow(self.camera)
        tasks.changed.connect(self._changed)

    def _sound(self, on: bool) -> None:
        self.settings.sound = on
        self.sounds.enabled = on

    def check_sound(self) -> None:
        """Find out whether a sound can play here (a player and a device), off the GUI thread."""
        self.sound_device.setText("Checking the sound device…")
        self.tasks.net(sound_device.probe, self._sound_checked)

    def _sound_checked(self, problem: str | None) -> None:
        if problem is None:
            self.sound_device.setText("")
            self.sound.setToolTip("")
        else:
            self.sound_device.setText(f"No sound device: the door stays silent ({problem}).")
            self.sound_device.setStyleSheet(f"color: {OUTCOME_FAIL}; font-weight: 600;")
            self.sound.setToolTip(f"No sound device: {problem}")
        self.sound_device.setVisible(problem is not None)
        self.soundChecked.emit(problem)

    def load(self) -> None:
        """Read the name and check the sound device (call once the lanes are open). A name only the old
        `gui.ini` knew moves to the database."""
        self.check_sound()
        legacy = self.settings.door_name

        def read(app) -> str | None:
            name = doors.door_name(app.store)
            if name is None and legacy:
                name = doors.set_door_name(app.store, legacy)
            app.checkin.door = name or app.store.device_id  # a pairing may have named the door meanwhile
            return name

        def shown(name: str | None) -> None:
            if legacy:
                self.settings.door_name = None
            self.name.setText(name or "")
            self.renamed.emit(name or "")

        self.tasks.db(read, shown)
        self.load_lists()
        self.attention.load()

    # -- check-in lists -----------------------------------------------------------------------

    def _changed(self, changes: Changes, _source) -> None:
        if changes.lists:  # a list saved in the supervisor's list editor: choosable at once
            self.load_lists()

    def load_lists(self) -> None:
        """Show the venue's lists with this door's ticked (lists arrive from other doors: call again to see them)."""

        def read(app) -> tuple[list[str], list[str]]:
            chosen = [n for n in lists.door_lists(app.store) if n in lists.all_lists(app.store)]
            app.checkin.lists = tuple(chosen)
            return sorted(lists.all_lists(app.store)), chosen

        self.tasks.db(read, self._show_lists)

    def _show_lists(self, found: tuple[list[str], list[str]]) -> None:
        names, chosen = found
        shown = [self.lists.item(i).text() for i in range(self.lists.count())]
        if names != shown or chosen != self.chosen_lists():  # unchanged: leave the user's place in it alone
            row = self.lists.currentRow()
            self.lists.blockSignals(True)  # ticking them here is showing, not choosing
            self.lists.clear()
            for name in names:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if name in chosen else Qt.Unchecked)
                self.lists.addItem(item)
            self.lists.setCurrentRow(min(row, len(names) - 1))
            self.lists.blockSignals(False)
            self.listsChosen.emit(chosen)
        self.lists.setVisible(bool(names))
        self.lists_note.setVisible(not names)
        self.listsShown.emit(names)

    def chosen_lists(self) -> list[str]:
        return [self.lists.item(i).text() for i in range(self.lists.count())
                if self.lists.item(i).checkState() == Qt.Checked]

    def _list_ticked(self, _item: QListWidgetItem) -> None:
        names = self.chosen_lists()

        def choose(app) -> list[str]:
            chosen = lists.set_door_lists(app.store, names)
            app.checkin.lists = tuple(chosen)  # the scans on this lane decide on them from the next one
            return chosen

        self.tasks.db(choose, self.listsChosen.emit)

    def save(self) -> None:
        name = self.name.text().strip()

        def rename(app) -> str:
            doors.set_door_name(app.store, name)
            # The check-in service writes the door into each journal row; scans after this carry the new name.
            app.checkin.door = name or app.store.device_id
            return name

        self.tasks.db(rename, self.renamed.emit)
