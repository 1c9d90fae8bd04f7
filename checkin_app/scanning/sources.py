"""Frame sources behind one interface: a webcam by index, a video file, or arrays (tests, demo).

A source hands out BGR or grayscale uint8 frames with `read()` until it returns None (the end of a
file or iterator). A camera that cannot be opened, or stops delivering, raises `CameraError`: a
message for the door staff, never a crash.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from checkin_app.errors import CheckinError


class CameraError(CheckinError):
    """A camera or video that cannot be opened or stopped delivering frames."""


class FrameSource(Protocol):
    """Where frames come from.

    Attributes:
        name: what to call the source in messages ("camera 0", "door.mp4").
        fps: the nominal frame rate, or None when the source does not say (an iterator).
    """

    name: str
    fps: float | None

    def read(self) -> np.ndarray | None:
        """The next frame, or None at the end (files and iterators; a camera never ends)."""
        ...

    def close(self) -> None:
        """Release the device or file; idempotent."""
        ...


class ArraySource:
    """Frames from any iterable of numpy arrays (tests, generated demo frames).

    Args:
        frames: the frames, in order.
        fps: the rate they stand for (used for timestamps by callers that want one).
        name: label for messages.
    """

    def __init__(self, frames: Iterable[np.ndarray], fps: float | None = 30.0, name: str = "frames"):
        self._it = iter(frames)
        self.fps, self.name = fps, name

    def read(self) -> np.ndarray | None:
        return next(self._it, None)

    def close(self) -> None:
        self._it = iter(())


class _CaptureSource:
    """Shared by cameras and files: an opened `cv2.VideoCapture`."""

    def __init__(self, capture: cv2.VideoCapture, name: str):
        self._cap, self.name = capture, name
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource(_CaptureSource):
    """Frames of a video file, in order, then None.

    Raises:
        CameraError: when the file is missing or no frame can be decoded from it.
    """

    def __init__(self, path: str | Path):
        path = Path(path)
        if not path.is_file():
            raise CameraError(f"{path}: no such video file")
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"{path}: not a video this build can read")
        super().__init__(cap, path.name)

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        return frame if ok else None


class CameraSource(_CaptureSource):
    """A webcam by index (0 = the default camera).

    Args:
        index: the OpenCV device index.
        width, height: the resolution to ask for (the camera may choose another).

    Raises:
        CameraError: when there is no such camera, or it delivers no first frame.
    """

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720):
        cap = cv2.VideoCapture(index)
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"camera {index} is not available (unplugged, or in use by another program?)")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # Keep only the newest frame: when decoding falls behind, stale frames are skipped
        # instead of queuing up as lag.
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        super().__init__(cap, f"camera {index}")

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok:
            raise CameraError(f"{self.name} stopped delivering frames (unplugged?)")
        return frame


def open_source(spec: str | int | Path) -> FrameSource:
    """A source from user text: an integer is a camera index, anything else a video file."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec))
    return VideoFileSource(spec)
