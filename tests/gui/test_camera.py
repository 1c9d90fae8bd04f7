"""CameraWorker: decoding on its own thread, scans and previews back on the GUI thread."""
import threading
import time

import numpy as np
from PySide6.QtGui import QImage

from checkin_app.gui.camera import CameraWorker, to_qimage
from checkin_app.gui.camera_pane import CameraPane
from checkin_app.scanning import formats as fmt
from checkin_app.scanning.decoders import ZxingDecoder
from checkin_app.scanning.pipeline import ScanPipeline
from checkin_app.scanning.sources import ArraySource, CameraError, CameraSource
from checkin_app.scanning.synth import ticket_frames, write_ticket_video

CODES = ["TKT-0001", "TKT-0002", "al4R5"]


class ThreadRecordingDecoder(ZxingDecoder):
    """zxing-cpp, remembering which threads decoded."""

    def __init__(self):
        super().__init__()
        self.threads = set()

    def decode(self, gray, fast=False, unreadable=False):
        self.threads.add(threading.get_ident())
        return super().decode(gray, fast, unreadable)


def run_to_end(qtbot, worker):
    scans, stats = [], []
    worker.scanned.connect(lambda code, sym: scans.append((code, sym)))
    worker.frameStats.connect(stats.append)
    with qtbot.waitSignal(worker.finished, timeout=15_000):
        worker.start()
    worker.stop()
    return scans, stats


def test_worker_scans_each_ticket_once_off_the_gui_thread(qtbot):
    decoder = ThreadRecordingDecoder()
    worker = CameraWorker(ArraySource(ticket_frames(CODES, hold=5, gap=3)), ScanPipeline(decoder), preview_fps=0)
    scans, stats = run_to_end(qtbot, worker)
    assert scans == [(c, fmt.QR) for c in CODES]
    assert decoder.threads and threading.get_ident() not in decoder.threads
    assert len(stats) == 3 * (5 + 3) + 3
    assert all(s["ms"] > 0 for s in stats)
    assert sum(s["scans"] for s in stats) == 3


def test_worker_reads_a_video_file_and_throttles_previews(qtbot, tmp_path):
    video = write_ticket_video(tmp_path / "door.avi", CODES, fps=15, symbology=fmt.CODE128, hold=5, gap=3)
    worker = CameraWorker(str(video), preview_fps=15)
    previews = []
    worker.preview.connect(previews.append)
    scans, stats = run_to_end(qtbot, worker)
    assert [c for c, _ in scans] == CODES
    assert {s for _, s in scans} == {fmt.CODE128}
    # Decoding runs far faster than 15 fps here, so the throttle lets only a few previews through.
    assert 1 <= len(previews) < len(stats)
    assert previews[0].width() == 1280 and previews[0].height() == 720


def test_missing_camera_is_a_message_not_a_crash(qtbot):
    worker = CameraWorker(lambda: CameraSource(97))
    with qtbot.waitSignal(worker.failed, timeout=10_000) as failed:
        worker.start()
    worker.stop()
    assert "camera 97" in failed.args[0]


def test_missing_video_file_fails_cleanly(qtbot, tmp_path):
    worker = CameraWorker(str(tmp_path / "nope.mp4"))
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.start()
    worker.stop()
    assert "no such video file" in failed.args[0]


def test_stop_joins_an_endless_source(qtbot):
    blank = np.zeros((720, 1280, 3), dtype=np.uint8)

    def endless():
        while True:
            yield blank

    worker = CameraWorker(ArraySource(endless()), preview_fps=0)
    with qtbot.waitSignal(worker.frameStats, timeout=5000):
        worker.start()
    worker.stop()
    assert not worker._thread.isRunning()


def test_to_qimage_copies_bgr_and_gray():
    bgr = np.zeros((4, 6, 3), dtype=np.uint8)
    bgr[..., 2] = 255  # red in BGR
    image = to_qimage(bgr)
    assert image.format() == QImage.Format.Format_BGR888 and image.pixelColor(0, 0).red() == 255
    assert to_qimage(np.full((4, 6), 7, dtype=np.uint8)).pixelColor(1, 1).red() == 7


class UsbCamera:
    """A fake camera on a cable (the loopback the issue asks for): frames while plugged in, reads fail
    once it is pulled, opening fails while it is out. After `show_ticket`, frames carry a ticket."""

    def __init__(self):
        self.plugged, self.show_ticket = True, False
        self.blank = np.full((720, 1280, 3), 90, np.uint8)
        self.ticket = next(f for i, f in enumerate(ticket_frames(["AFTER-USB-1"], hold=1, gap=1)) if i == 1)

    def open(self):
        if not self.plugged:
            raise CameraError('camera "Door Cam" is not connected')
        cam = self

        class Source:
            name, fps, settings = 'camera "Door Cam"', 30.0, {"resolution": "1280x720"}

            def read(self):
                if not cam.plugged:
                    raise CameraError('camera "Door Cam" stopped delivering frames (unplugged?)')
                time.sleep(0.005)  # a camera delivers at its own pace
                return cam.ticket if cam.show_ticket else cam.blank

            def close(self):
                pass

        return Source()


def test_an_unplugged_camera_is_reported_on_the_door_and_reopened_when_it_returns(qtbot):
    cam, pane = UsbCamera(), CameraPane()
    qtbot.addWidget(pane)
    worker = CameraWorker(cam.open, preview_fps=0, reconnect=True, retry_s=0.01)
    worker.status.connect(pane.set_status)
    scans = []
    worker.scanned.connect(lambda code, _sym: scans.append(code))
    with qtbot.waitSignal(worker.status, timeout=10_000, check_params_cb=lambda s, _m: s == "connected"):
        worker.start()
    assert pane.warning is None
    with qtbot.waitSignal(worker.status, timeout=10_000, check_params_cb=lambda s, _m: s == "lost"):
        cam.plugged = False  # USB pulled mid-event
    assert "stopped delivering frames" in pane.warning and "come back" in pane.warning
    cam.show_ticket = True
    with qtbot.waitSignal(worker.status, timeout=10_000, check_params_cb=lambda s, _m: s == "reconnected"):
        cam.plugged = True
    assert pane.warning is None
    qtbot.waitUntil(lambda: scans == ["AFTER-USB-1"], timeout=10_000)  # scanning goes on
    worker.stop()
    assert not worker._thread.isRunning()


def test_stop_ends_the_wait_for_a_camera_that_is_not_there(qtbot):
    cam = UsbCamera()
    cam.plugged = False
    worker = CameraWorker(cam.open, preview_fps=0, reconnect=True, retry_s=0.05)
    with qtbot.waitSignal(worker.status, timeout=10_000) as waiting:
        worker.start()
    assert waiting.args[0] == "waiting" and "not connected" in waiting.args[1]
    with qtbot.waitSignal(worker.finished, timeout=5_000):
        worker.stop()
    assert not worker._thread.isRunning()
