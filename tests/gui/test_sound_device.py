"""'Sounds' says "No sound device" where none can play: no player at all, or a real player (aplay,
installed by scripts/setup) that finds no sound card, as on CI and on a laptop whose audio is gone."""
import os
import shutil
from pathlib import Path

import pytest

from checkin_app.gui.door_settings import DoorSettings
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds


@pytest.fixture
def box(qtbot, tasks, door_dir):
    sounds = Sounds(enabled=False)
    b = DoorSettings(tasks, Settings(door_dir), sounds)
    qtbot.addWidget(b)
    yield b
    sounds.close()


def checked(qtbot, box):
    with qtbot.waitSignal(box.soundChecked, timeout=15_000) as done:
        box.check_sound()
    return done.args[0]


def test_no_player_at_all_says_no_sound_device(qtbot, box, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing that plays sound on the path
    problem = checked(qtbot, box)
    assert problem == "no audio player found (paplay, pw-play or aplay)"
    assert box.sound_device.text().startswith("No sound device") and box.sound_device.isVisibleTo(box)
    assert "No sound device" in box.sound.toolTip()


def test_a_player_without_a_sound_card_says_no_sound_device(qtbot, box, tmp_path, monkeypatch):
    aplay = shutil.which("aplay")
    if aplay is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("aplay is missing: scripts/setup installs alsa-utils")
        pytest.skip("aplay (alsa-utils, installed by scripts/setup) is not installed here")
    if list(Path("/proc/asound").glob("card*")):
        pytest.skip("this machine has a sound card: the fault cannot be made here")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aplay").symlink_to(aplay)  # aplay alone: no sound server tried first
    monkeypatch.setenv("PATH", str(bin_dir))
    problem = checked(qtbot, box)
    assert problem.startswith("aplay could not play") and box.sound_device.text().startswith("No sound device")
