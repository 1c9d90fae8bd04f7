"""The door's camera controls: which camera (by name), resolution, focus, exposure, decoder.

Part of the door settings group (`gui.door_settings`). The choice is remembered by the camera's
name (`scanning.cameras`), so the door finds the same camera after it was plugged into another
port; the running camera's state and a decoder fallback are shown under the controls.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QWidget)

from checkin_app.gui.settings import Settings
from checkin_app.gui.style import NOTE_WARN
from checkin_app.gui.tasks import Tasks
from checkin_app.scanning.cameras import RESOLUTIONS, CameraChoice, CameraInfo, list_cameras

_AUTOFOCUS = (("Autofocus: as the camera sets it", None), ("Autofocus on", True), ("Autofocus off (fixed focus)", False))
_DECODERS = (("zxing-cpp (recommended)", "zxing"), ("pyzbar (needs the zbar library)", "pyzbar"))


class CameraSettings(QWidget):
    """Signals:
        cameraChosen(object): the `CameraChoice` to scan from now (also after a change of
            resolution, focus, exposure or decoder), or None for no camera.
        camerasListed(list): the camera list was read (a list of `CameraInfo`).

    Args:
        list_cameras: what lists the cameras (run on the network lane: on Windows listing can take
            a moment); tests pass a fake.
    """

    cameraChosen = Signal(object)
    camerasListed = Signal(list)

    def __init__(self, tasks: Tasks, settings: Settings, parent: QWidget | None = None, *,
                 list_cameras: Callable[[], list[CameraInfo]] = list_cameras):
        super().__init__(parent)
        self.tasks, self.settings, self._list_cameras = tasks, settings, list_cameras
        choice = settings.camera
        self.camera = QComboBox()
        self.refresh = QPushButton("Refresh", clicked=self.list_cameras)
        self.resolution = QComboBox()
        for w, h in RESOLUTIONS:
            self.resolution.addItem(f"{w} × {h}", f"{w}x{h}")  # a string: Qt drops a tuple as item data
        self.autofocus = QComboBox()
        for label, value in _AUTOFOCUS:
            self.autofocus.addItem(label, value)
        self.auto_exposure = QCheckBox("Automatic exposure")
        self.exposure = QDoubleSpinBox(minimum=-13, maximum=10000, decimals=1, value=-6,
                                       toolTip="In the driver's own units: Linux 100 µs steps (e.g. 100 = 10 ms), "
                                               "Windows log2 seconds (-6 = 1/64 s). Short exposures cut motion blur.")
        self.decoder = QComboBox()
        for label, value in _DECODERS:
            self.decoder.addItem(label, value)
        self.state = QLabel("", wordWrap=True)
        self.decoder_note = QLabel("", wordWrap=True, styleSheet=f"color: {NOTE_WARN}")
        self.decoder_note.setVisible(False)
        if choice is not None:
            self.resolution.setCurrentIndex(max(0, self.resolution.findData(f"{choice.width}x{choice.height}")))
            self.autofocus.setCurrentIndex([v for _, v in _AUTOFOCUS].index(choice.autofocus))
            if choice.exposure is not None:
                self.exposure.setValue(choice.exposure)
        self.auto_exposure.setChecked(choice is None or choice.exposure is None)
        self.exposure.setEnabled(not self.auto_exposure.isChecked())
        self.decoder.setCurrentIndex(max(0, self.decoder.findData(settings.decoder)))
        self._fill_cameras([], choice)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.camera, 1)
        row.addWidget(self.refresh)
        form.addRow("Camera", row)
        form.addRow("Resolution", self.resolution)
        form.addRow("", self.autofocus)
        exposure = QHBoxLayout()
        exposure.addWidget(self.auto_exposure)
        exposure.addWidget(self.exposure)
        form.addRow("Exposure", exposure)
        form.addRow("Decoder", self.decoder)
        form.addRow("", self.decoder_note)
        form.addRow("", self.state)
        for combo in (self.camera, self.resolution, self.autofocus, self.decoder):
            combo.activated.connect(self._changed)
        self.auto_exposure.toggled.connect(self._exposure_mode)
        self.exposure.editingFinished.connect(self._changed)
        self.list_cameras()

    def list_cameras(self) -> None:
        """Read the camera list off the GUI thread, then offer it (keeping the current choice)."""
        self.refresh.setEnabled(False)
        self.tasks.net(self._list_cameras, self._listed, lambda _exc: self._listed([]))

    def _listed(self, cameras: list) -> None:
        self.refresh.setEnabled(True)
        self._fill_cameras(cameras, self.choice())
        self.camerasListed.emit(cameras)

    def _fill_cameras(self, cameras: list[CameraInfo], choice: CameraChoice | None) -> None:
        self.camera.clear()
        self.camera.addItem("No camera (USB scanner or typing)", None)
        for cam in cameras:
            self.camera.addItem(cam.name, cam.name)
        if choice is None:
            self.camera.setCurrentIndex(0)
        elif choice.name:
            if self.camera.findData(choice.name) < 0:  # remembered, but not plugged in now: keep it
                self.camera.addItem(f"{choice.name} (not connected)", choice.name)
            self.camera.setCurrentIndex(self.camera.findData(choice.name))
        else:  # a setting from before names (an index), or a fresh door: the camera at that index
            index = choice.index or 0
            listed = next((c for c in cameras if c.index == index), None)
            if listed is None:
                self.camera.addItem(f"Camera {index + 1} (by number)", index)
            self.camera.setCurrentIndex(self.camera.findData(listed.name if listed else index))

    def choice(self) -> CameraChoice | None:
        """What the controls say now."""
        data = self.camera.currentData()
        if data is None:
            return None
        width, height = map(int, self.resolution.currentData().split("x"))
        exposure = None if self.auto_exposure.isChecked() else float(self.exposure.value())
        name, index = (data, None) if isinstance(data, str) else ("", int(data))
        return CameraChoice(name, width, height, self.autofocus.currentData(), exposure, index)

    def _exposure_mode(self, auto: bool) -> None:
        self.exposure.setEnabled(not auto)
        self._changed()

    def _changed(self, _row: int = 0) -> None:
        choice = self.choice()
        self.settings.camera = choice
        self.settings.decoder = self.decoder.currentData()
        self.state.setText("")
        self.cameraChosen.emit(choice)

    def show_status(self, state: str, message: str) -> None:
        """The running camera's state (`CameraWorker.status`), under the controls."""
        self.state.setText(("⚠ " if state in ("lost", "waiting") else "") + message)

    def show_decoder_note(self, note: str | None) -> None:
        """Why the decoder in use is not the one chosen (pyzbar without libzbar), or None."""
        self.decoder_note.setText(f"⚠ {note}" if note else "")
        self.decoder_note.setVisible(bool(note))
