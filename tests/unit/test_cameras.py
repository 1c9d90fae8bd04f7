"""Cameras by name (issue 15 item 4): listing on Linux (sysfs), Windows and macOS (a fake listing in the
shape of cv2-enumerate-cameras), finding a camera again by name, and a camera pulled out and plugged back."""
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from checkin_app.scanning import cameras
from checkin_app.scanning.cameras import CameraChoice, CameraInfo, find, list_cameras
from checkin_app.scanning.sources import (ArraySource, CameraError, ReconnectingSource, apply_controls,
                                          open_camera)


def fake_sysfs(root: Path, nodes: dict[str, tuple[str, str | None]]) -> Path:
    """A /sys/class/video4linux lookalike: node -> (name, index attribute or None for none)."""
    for node, (name, index) in nodes.items():
        (root / node).mkdir(parents=True)
        (root / node / "name").write_text(name + "\n")
        if index is not None:
            (root / node / "index").write_text(index + "\n")
    return root


def test_linux_lists_capture_nodes_by_name_from_sysfs(tmp_path):
    sysfs = fake_sysfs(tmp_path / "video4linux", {
        "video0": ("HD Pro Webcam C920", "0"), "video1": ("HD Pro Webcam C920", "1"),  # its metadata node
        "video2": ("Integrated Camera: Integrated C", "0"), "video3": ("Integrated Camera: Integrated C", "1"),
        "video10": ("HD Pro Webcam C920", "0"),  # a second, identical webcam
        "video4": ("Old kernel cam", None),  # no index attribute: counts
    })
    (sysfs / "v4l-subdev0").mkdir()  # not a video node
    found = list_cameras("Linux", sysfs=sysfs)
    assert [(c.name, c.index, c.path) for c in found] == [
        ("HD Pro Webcam C920", 0, "/dev/video0"), ("Integrated Camera: Integrated C", 2, "/dev/video2"),
        ("Old kernel cam", 4, "/dev/video4"), ("HD Pro Webcam C920 #2", 10, "/dev/video10")]
    assert {c.backend for c in found} == {cv2.CAP_V4L2}


def test_linux_listing_matches_this_machines_sysfs():
    real = Path("/sys/class/video4linux")
    found = list_cameras("Linux")
    if not real.is_dir():
        assert found == []  # no video4linux here (a container, CI): nothing, and no error
        return
    expected = sorted(int(p.name[5:]) for p in real.glob("video*")
                      if not (p / "index").exists() or (p / "index").read_text().strip() == "0")
    assert [c.index for c in found] == expected
    for c in found:
        assert c.name.startswith((real / f"video{c.index}" / "name").read_text().strip() or "Camera")


@pytest.mark.parametrize("system, backend", [("Windows", cv2.CAP_MSMF), ("Darwin", cv2.CAP_AVFOUNDATION)])
def test_windows_and_macos_list_through_the_enumeration_library(system, backend):
    asked = []

    def enumerate_cameras(api):  # the shape of cv2_enumerate_cameras.enumerate_cameras
        asked.append(api)
        return [SimpleNamespace(index=0, name="FaceTime HD Camera", path="0x1420000", vid=None, pid=None, backend=api),
                SimpleNamespace(index=1, name="USB Camera", path="\\\\?\\usb#vid_046d", vid=0x46D, pid=0x82D, backend=api),
                SimpleNamespace(index=2, name="USB Camera", path="\\\\?\\usb#vid_046e", vid=0x46E, pid=0x1, backend=api)]

    found = list_cameras(system, enumerate_fn=enumerate_cameras)
    assert asked == [backend]
    assert [(c.name, c.index, c.backend) for c in found] == [
        ("FaceTime HD Camera", 0, backend), ("USB Camera", 1, backend), ("USB Camera #2", 2, backend)]


def test_the_real_enumeration_library_is_what_windows_and_macos_use(monkeypatch):
    import cv2_enumerate_cameras

    calls = []
    monkeypatch.setattr(cv2_enumerate_cameras, "enumerate_cameras", lambda api: calls.append(api) or [])
    assert list_cameras("Windows") == [] and calls == [cv2.CAP_MSMF]


def test_without_the_library_cameras_are_offered_by_number(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2_enumerate_cameras", None)  # import fails
    assert [c.name for c in list_cameras("Darwin")] == ["Camera 1", "Camera 2", "Camera 3", "Camera 4"]


def test_a_failing_driver_listing_is_an_empty_list_not_a_crash():
    def broken(_api):
        raise OSError("device enumeration failed")

    assert list_cameras("Windows", enumerate_fn=broken) == []


def test_a_choice_finds_its_camera_by_name_wherever_its_index_went():
    before = [CameraInfo("Integrated", 0), CameraInfo("Door Cam", 1)]
    after = [CameraInfo("Door Cam", 0), CameraInfo("Integrated", 2)]  # replugged, order changed
    choice = CameraChoice("Door Cam", 1920, 1080)
    assert find(before, choice).index == 1 and find(after, choice).index == 0
    assert find([CameraInfo("Integrated", 0)], choice) is None
    assert find(after, CameraChoice()).name == "Door Cam"  # no name: the first listed
    assert find([], CameraChoice(index=3)).index == 3  # a setting from before names: by index


def test_opening_a_camera_that_is_not_listed_says_which():
    with pytest.raises(CameraError, match='camera "Door Cam" is not connected'):
        open_camera(CameraChoice("Door Cam"), lister=lambda: [CameraInfo("Integrated", 0)])


def test_controls_report_what_the_driver_accepted():
    class Driver:
        def __init__(self, accepts):
            self.accepts, self.asked = accepts, []

        def set(self, prop, value):
            self.asked.append((prop, value))
            return prop in self.accepts

    both = Driver({cv2.CAP_PROP_AUTOFOCUS, cv2.CAP_PROP_EXPOSURE, cv2.CAP_PROP_AUTO_EXPOSURE})
    assert apply_controls(both, False, -6) == {"autofocus": "off", "exposure": "-6"}
    assert (cv2.CAP_PROP_AUTO_EXPOSURE, 1) in both.asked  # manual exposure first
    none = Driver(set())
    assert apply_controls(none, True, 100) == {"autofocus": "not supported by this camera",
                                                "exposure": "not supported by this camera"}
    assert apply_controls(Driver(set()), None, None) == {}  # nothing asked: nothing to report


class FakeUsbCamera:
    """A camera on a cable: frames while plugged in; reads fail once it is pulled; opening fails
    while it is out."""

    def __init__(self):
        self.plugged = True
        self.opens = 0
        self.frame_no = 0

    def open(self):
        if not self.plugged:
            raise CameraError('camera "Door Cam" is not connected')
        self.opens += 1
        camera = self

        class Source:
            name, fps, settings = 'camera "Door Cam"', 30.0, {"resolution": "1280x720"}

            def read(self):
                if not camera.plugged:
                    raise CameraError('camera "Door Cam" stopped delivering frames (unplugged?)')
                camera.frame_no += 1
                return np.full((4, 4), camera.frame_no, np.uint8)

            def close(self):
                pass

        return Source()


def test_a_camera_pulled_out_is_reported_once_and_reopened_when_it_comes_back():
    cam, events = FakeUsbCamera(), []
    attempts = {"n": 0}

    def opener():
        attempts["n"] += 1
        if not cam.plugged and attempts["n"] >= 4:
            cam.plugged = True  # plugged back in after a few tries
        return cam.open()

    source = ReconnectingSource(opener, "Door Cam", on_status=lambda s, m: events.append((s, m)), retry_s=0.001)
    assert source.read()[0, 0] == 1 and source.read()[0, 0] == 2
    cam.plugged = False  # USB pulled
    frame = source.read()  # blocks through the loss and the failed opens, returns the first new frame
    assert frame[0, 0] == 3 and cam.opens == 2 and source.losses == 1
    assert [s for s, _ in events] == ["connected", "lost", "reconnected"]
    assert "stopped delivering frames" in events[1][1] and "waiting for it to come back" in events[1][1]
    assert "resolution 1280x720" in events[2][1]


def test_a_camera_absent_at_start_is_waited_for_and_stop_ends_the_wait():
    cam, events, stop = FakeUsbCamera(), [], threading.Event()
    cam.plugged = False
    source = ReconnectingSource(cam.open, "Door Cam", on_status=lambda s, m: events.append(s), stop=stop, retry_s=0.001)
    stopper = threading.Timer(0.05, stop.set)
    stopper.start()
    assert source.read() is None  # stopped while waiting
    assert events == ["waiting"]
    stop.clear()
    cam.plugged = True
    assert source.read() is not None and events == ["waiting", "connected"]


def test_a_file_source_that_ends_ends_the_reconnecting_source_too():
    source = ReconnectingSource(lambda: ArraySource([np.zeros((2, 2), np.uint8)]), "clip")
    assert source.read() is not None and source.read() is None
