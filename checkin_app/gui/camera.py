"""The camera worker: frames are read and decoded on a worker thread, results come back as signals.

`CameraWorker` lives on the GUI thread and re-emits what its loop (a QObject moved to a QThread)
reports, so receivers and tests see the signals on the GUI thread. The GUI thread never touches a
frame beyond the throttled preview image.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from checkin_app.errors import CheckinError
from checkin_app.scanning.cameras import CameraChoice
from checkin_app.scanning.pipeline import ScanPipeline
from checkin_app.scanning.sources import CameraSource, FrameSource, ReconnectingSource, open_camera, open_source

log = logging.getLogger(__name__)

SourceSpec = FrameSource | Callable[[], FrameSource] | int | str | CameraChoice


def to_qimage(frame: np.ndarray) -> QImage:
    """A deep-copied QImage of a BGR or gray uint8 frame (safe to hand to another thread)."""
    frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    if frame.ndim == 2:
        return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_BGR888).copy()


class _CameraLoop(QObject):
    """Runs on the camera thread: read, decode, report, until stopped or the source ends."""

    scanned = Signal(str, str)
    preview = Signal(QImage)
    frameStats = Signal(dict)
    failed = Signal(str)
    status = Signal(str, str)
    finished = Signal()

    def __init__(self, source: SourceSpec, pipeline: ScanPipeline, preview_fps: float, pace: bool, reconnect: bool,
                 retry_s: float):
        super().__init__()
        self._source_spec, self._pipeline = source, pipeline
        self._preview_interval = 1.0 / preview_fps if preview_fps > 0 else None
        self._pace, self._reconnect, self._retry_s = pace, reconnect, retry_s
        self.stopping = threading.Event()

    def _open(self) -> FrameSource:
        spec = self._source_spec
        if isinstance(spec, CameraChoice):
            return self._reconnecting(lambda: open_camera(spec), spec.describe())
        if isinstance(spec, (int, str)):
            return open_source(spec)
        if self._reconnect and callable(spec) and not hasattr(spec, "read"):
            return self._reconnecting(spec, "camera")
        return spec() if callable(spec) and not hasattr(spec, "read") else spec

    def _reconnecting(self, opener: Callable[[], FrameSource], name: str) -> ReconnectingSource:
        # Waits on the worker's own stop event, so stop() ends a wait for an unplugged camera at once.
        return ReconnectingSource(opener, name, on_status=self.status.emit, stop=self.stopping, retry_s=self._retry_s)

    @Slot()
    def run(self) -> None:
        source = None
        try:
            source = self._open()
            self._loop(source)
        except CheckinError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug in a decoder or source must not kill the door silently
            log.exception("camera loop failed")
            self.failed.emit(f"camera stopped: {exc}")
        finally:
            if source is not None:
                source.close()
            self.finished.emit()

    def _loop(self, source: FrameSource) -> None:
        live = isinstance(source, (CameraSource, ReconnectingSource))
        fps = source.fps or 30.0
        started, last_preview, index = time.monotonic(), None, 0
        while not self.stopping.is_set():
            frame = source.read()
            if frame is None:
                return
            # A live camera runs on wall time; files and arrays on their own frame time, so a
            # repeat window means the same thing however fast they are decoded.
            t = time.monotonic() if live else index / fps
            result = self._pipeline.process(frame, t)
            for scan in result.scans:
                self.scanned.emit(scan.code, scan.symbology)
            self.frameStats.emit(result.stats())
            now = time.monotonic()
            if self._preview_interval is not None and (last_preview is None or now - last_preview >= self._preview_interval):
                last_preview = now
                self.preview.emit(to_qimage(frame))
            index += 1
            if self._pace and not live:
                self.stopping.wait(max(0.0, started + index / fps - time.monotonic()))


class CameraWorker(QObject):
    """Feeds a frame source through a `ScanPipeline` on its own thread.

    Args:
        source: a FrameSource, a callable that opens one (called on the camera thread, so a slow
            camera never blocks the GUI), a camera index, a video file path, or a `CameraChoice`:
            the door's camera by name, reopened when it is unplugged and comes back.
        pipeline: the pipeline (default: zxing-cpp, every ticket symbology, 3 s repeat window).
        preview_fps: at most this many preview images a second (0: none).
        pace: play files and arrays at their frame rate (demo video) instead of as fast as possible.
        reconnect: treat a callable `source` as a camera that may disappear: reopen it (every
            `retry_s`) when opening fails or it stops delivering, as a `CameraChoice` is.
        parent: Qt parent.

    Signals:
        scanned(str, str): a confirmed code and its symbology.
        preview(QImage): the latest frame, throttled to `preview_fps`.
        frameStats(dict): per frame: frame, ms, reads, scans, full_read, second_pass, rescue.
        failed(str): the camera or file cannot be used (a message for the door staff).
        status(str, str): a reconnecting camera's state and a message: "connected", "lost"
            (unplugged mid-event), "waiting" (absent at start), "reconnected".
        finished(): the loop ended (source exhausted, stopped or failed).

    Attributes:
        decoder_note: why the pipeline's decoder is not the one asked for (pyzbar without libzbar
            falls back to zxing-cpp), or None; the Door tab and the door settings show it.
    """

    scanned = Signal(str, str)
    preview = Signal(QImage)
    frameStats = Signal(dict)
    failed = Signal(str)
    status = Signal(str, str)
    finished = Signal()
    _run = Signal()

    def __init__(self, source: SourceSpec, pipeline: ScanPipeline | None = None, *, preview_fps: float = 15.0,
                 pace: bool = False, reconnect: bool = False, retry_s: float = 1.0, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("camera")
        pipeline = pipeline or ScanPipeline()
        self.decoder_note: str | None = getattr(pipeline.decoder, "fallback_reason", None)
        self._loop = _CameraLoop(source, pipeline, preview_fps, pace, reconnect, retry_s)
        self._loop.moveToThread(self._thread)
        self._run.connect(self._loop.run)
        # Signal-to-signal connections across threads are queued: these re-emit on the GUI thread.
        self._loop.scanned.connect(self.scanned)
        self._loop.preview.connect(self.preview)
        self._loop.frameStats.connect(self.frameStats)
        self._loop.failed.connect(self.failed)
        self._loop.status.connect(self.status)
        self._loop.finished.connect(self.finished)
        self._started = False

    @property
    def pipeline(self) -> ScanPipeline:
        return self._loop._pipeline

    def start(self) -> None:
        """Open the source and start decoding on the camera thread."""
        if self._started:
            return
        self._started = True
        self._thread.start()
        self._run.emit()

    def stop(self) -> None:
        """Stop decoding, close the source and join the thread (idempotent)."""
        self._loop.stopping.set()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()
