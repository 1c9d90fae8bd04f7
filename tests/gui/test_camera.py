"""CameraWorker: decoding on its own thread, scans and previews back on the GUI thread."""
import threading

import numpy as np
from PySide6.QtGui import QImage

from checkin_app.gui.camera import CameraWorker, to_qimage
from checkin_app.scanning import formats as fmt
from checkin_app.scanning.decoders import ZxingDecoder
from checkin_app.scanning.pipeline import ScanPipeline
from checkin_app.scanning.sources import ArraySource, CameraSource
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
