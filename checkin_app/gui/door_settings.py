"""This door's own settings: its name (shown to other doors in refusals), its sounds, its camera."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLineEdit, QPushButton, QWidget

from checkin_app.gui.camera_settings import CameraSettings
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.tasks import Tasks


class DoorSettings(QGroupBox):
    """Signals:
        renamed(str): the door's new name is in use (settings saved, check-in service told).
        cameraChosen(object): the `CameraChoice` to scan from now, or None for none (`camera_settings`)."""

    renamed = Signal(str)
    cameraChosen = Signal(object)

    def __init__(self, tasks: Tasks, settings: Settings, sounds: Sounds, parent: QWidget | None = None):
        super().__init__("This door", parent)
        self.tasks, self.settings, self.sounds = tasks, settings, sounds
        self.name = QLineEdit(settings.door_name or "", placeholderText="e.g. Door 2, Balcony, Stage door")
        self.sound = QCheckBox("Sounds for admitted / warning / refused", checked=settings.sound)
        self.sound.toggled.connect(self._sound)
        self.camera = CameraSettings(tasks, settings)
        self.camera.cameraChosen.connect(self.cameraChosen)
        save = QPushButton("Save name", clicked=self.save)
        self.name.returnPressed.connect(self.save)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("", save)
        form.addRow("", self.sound)
        form.addRow(self.camera)

    def _sound(self, on: bool) -> None:
        self.settings.sound = on
        self.sounds.enabled = on

    def save(self) -> None:
        name = self.name.text().strip()
        self.settings.door_name = name
        # The check-in service writes the door into each journal row; scans after this carry the new name.
        self.tasks.db(lambda app: setattr(app.checkin, "door", name or app.store.device_id),
                      lambda _r: self.renamed.emit(name))
