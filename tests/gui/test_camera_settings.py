"""The door's camera controls (issue 15 items 4 and 5): cameras offered by name from the system's listing,
the choice kept by name, and the pyzbar fallback shown on the Door tab and in the settings."""
import numpy as np

from checkin_app.errors import ConfigError
from checkin_app.gui.app import open_window
from checkin_app.gui.camera_settings import CameraSettings
from checkin_app.gui.settings import Settings
from checkin_app.scanning.cameras import CameraChoice, list_cameras
from checkin_app.scanning.decoders import PyzbarDecoder
from checkin_app.scanning.sources import ArraySource
from tests.unit.test_cameras import fake_sysfs


def test_cameras_are_offered_by_name_and_an_unplugged_choice_is_kept(qtbot, tasks, tmp_path):
    sysfs = fake_sysfs(tmp_path / "v4l", {"video0": ("Integrated Camera", "0"), "video1": ("Integrated Camera", "1"),
                                          "video2": ("Door Cam HD", "0")})
    settings = Settings(tmp_path)
    settings.camera = CameraChoice("Old USB cam", 1920, 1080, autofocus=False)
    box = CameraSettings(tasks, settings, list_cameras=lambda: list_cameras("Linux", sysfs=sysfs))
    qtbot.addWidget(box)
    with qtbot.waitSignal(box.camerasListed, timeout=10_000):
        pass
    labels = [box.camera.itemText(i) for i in range(box.camera.count())]
    assert labels == ["No camera (USB scanner or typing)", "Integrated Camera", "Door Cam HD",
                      "Old USB cam (not connected)"]
    assert box.camera.currentText() == "Old USB cam (not connected)"
    assert box.resolution.currentData() == "1920x1080" and box.autofocus.currentData() is False

    with qtbot.waitSignal(box.cameraChosen, timeout=1_000) as chosen:
        box.camera.setCurrentIndex(box.camera.findData("Door Cam HD"))
        box.camera.activated.emit(box.camera.currentIndex())
    assert chosen.args[0] == CameraChoice("Door Cam HD", 1920, 1080, autofocus=False)
    assert Settings(tmp_path).camera == chosen.args[0]
    box.auto_exposure.setChecked(False)  # a fixed exposure against motion blur
    assert Settings(tmp_path).camera.exposure == box.exposure.value()


def test_a_setting_from_before_names_still_opens_that_camera_number(qtbot, tasks, tmp_path):
    settings = Settings(tmp_path)
    settings.qs.setValue("door/camera", "2")  # written by an older version
    assert settings.camera == CameraChoice(index=2)
    box = CameraSettings(tasks, settings, list_cameras=lambda: [])
    qtbot.addWidget(box)
    with qtbot.waitSignal(box.camerasListed, timeout=10_000):
        pass
    assert box.camera.currentText() == "Camera 3 (by number)" and box.choice() == CameraChoice(index=2)


def test_the_pyzbar_fallback_is_shown_on_the_door_and_in_the_settings(qtbot, door_dir, monkeypatch):
    def no_zbar(self, symbologies=None):
        raise ConfigError("pyzbar cannot load the zbar library (Unable to find zbar shared library); install libzbar0")

    monkeypatch.setattr(PyzbarDecoder, "__init__", no_zbar)  # libzbar0 is installed here: simulate its absence
    Settings(door_dir).decoder = "pyzbar"
    window = open_window(door_dir, sync_interval_s=0)
    qtbot.addWidget(window)
    try:
        blank = np.zeros((72, 128, 3), np.uint8)
        with qtbot.waitSignal(window.cameraStarted, timeout=10_000) as started:
            window.start_camera(ArraySource([blank] * 3))
        assert "install libzbar0" in started.args[0].decoder_note
        assert "libzbar0" in window.door.camera.notice and "zxing-cpp instead" in window.door.camera.notice
        note = window.door_settings.camera.decoder_note
        assert not note.isHidden() and "libzbar0" in note.text()
        assert window.door_settings.camera.decoder.currentData() == "pyzbar"
    finally:
        window.stop_camera()
        window.crash.uninstall()
        window.shutdown()


def test_a_chosen_camera_that_is_not_plugged_in_is_said_on_the_door_tab(qtbot, door_dir):
    window = open_window(door_dir, sync_interval_s=0)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.cameraStarted, timeout=10_000) as started:
            window.use_camera(CameraChoice("No Such Camera 7f3a"))  # the real listing: not there
        with qtbot.waitSignal(started.args[0].status, timeout=10_000) as status:
            pass
        assert status.args[0] == "waiting"
        assert 'camera "No Such Camera 7f3a" is not connected' in window.door.camera.warning
        assert "not connected" in window.door_settings.camera.state.text()
    finally:
        window.stop_camera()
        window.crash.uninstall()
        window.shutdown()
