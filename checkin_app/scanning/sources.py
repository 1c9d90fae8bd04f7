"""Frame sources behind one interface: a webcam, a video file, or arrays (tests, demo).

A source hands out BGR or grayscale uint8 frames with `read()` until it returns None (the end of a
file or iterator). A camera that cannot be opened, or stops delivering, raises `CameraError`: a
message for the door staff, never a crash. The door's camera is opened by name (`open_camera`,
`scanning.cameras`) inside a `ReconnectingSource`, which reports a camera pulled out mid-event
and reopens it when it comes back.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from checkin_app.errors import CheckinError
from checkin_app.scanning.cameras import CameraChoice, CameraInfo, find, list_cameras


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
        width, height: the resolution to ask for (the camera may choose another: see `settings`).
        backend: the OpenCV capture API (`cv2.CAP_ANY` lets OpenCV pick).
        autofocus: switch autofocus on or off; None leaves the driver's default.
        exposure: a fixed exposure in the driver's units; None leaves automatic exposure on.
        name: what to call it in messages (default "camera N").

    Attributes:
        settings: what the driver made of the request, for the door settings to show: "resolution"
            ("1280x720"), and "autofocus" / "exposure" as "on", "off", a value, or "not supported".

    Raises:
        CameraError: when there is no such camera, or it delivers no first frame.
    """

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720, *, backend: int = cv2.CAP_ANY,
                 autofocus: bool | None = None, exposure: float | None = None, name: str | None = None):
        cap = cv2.VideoCapture(index, backend)
        label = name or f"camera {index}"
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"{label} is not available (unplugged, or in use by another program?)")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # Keep only the newest frame: when decoding falls behind, stale frames are skipped
        # instead of queuing up as lag.
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        super().__init__(cap, label)
        self.settings = {"resolution": f"{int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))}"}
        self.settings.update(apply_controls(cap, autofocus, exposure))

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok:
            raise CameraError(f"{self.name} stopped delivering frames (unplugged?)")
        return frame


class _Controls(Protocol):
    def set(self, prop: int, value: float) -> bool: ...


def apply_controls(cap: _Controls, autofocus: bool | None, exposure: float | None) -> dict[str, str]:
    """Ask the driver for autofocus and exposure; say what it accepted.

    Drivers differ: V4L2 takes `CAP_PROP_AUTO_EXPOSURE` 3 (automatic) or 1 (manual), and many
    webcams accept neither control. `cap.set` returning False is the driver saying no.

    Returns:
        {"autofocus": ..., "exposure": ...} for the controls asked for: "on", "off", the value
        set, "auto", or "not supported by this camera".
    """
    out = {}
    unsupported = "not supported by this camera"
    if autofocus is not None:
        out["autofocus"] = ("on" if autofocus else "off") if cap.set(cv2.CAP_PROP_AUTOFOCUS, 1 if autofocus else 0) else unsupported
    if exposure is None:
        cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, 3)  # back to automatic where it was switched off before
    else:
        cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, 1)
        out["exposure"] = f"{exposure:g}" if cap.set(cv2.CAP_PROP_EXPOSURE, float(exposure)) else unsupported
    return out


def open_camera(choice: CameraChoice, lister: Callable[[], list[CameraInfo]] = list_cameras) -> CameraSource:
    """Open the chosen camera, finding its index by name now (it may have moved since last time).

    Raises:
        CameraError: when no listed camera has that name, or it cannot be opened.
    """
    info = find(lister(), choice)
    if info is None:
        raise CameraError(f"camera \"{choice.name}\" is not connected" if choice.name else "no camera found")
    return CameraSource(info.index, choice.width, choice.height, backend=info.backend, autofocus=choice.autofocus,
                        exposure=choice.exposure, name=f"camera \"{info.name}\"")


class ReconnectingSource:
    """A camera that may disappear mid-event (USB pulled) and come back: reopened when it does.

    `read()` returns frames while the camera delivers. When opening fails or the camera stops
    delivering, it reports the loss once through `on_status`, then tries to open it again every
    `retry_s` until it is back (reporting that too) or `stop` is set. It never ends by itself: it
    returns None only once stopped, or when the underlying source itself ends (a file).

    Args:
        opener: opens the camera, raising `CameraError` while it is absent (`open_camera` with a
            choice: the name is looked up again on each attempt, so a camera replugged into another
            port is found at its new index).
        name: what to call it in messages.
        on_status: called with (state, message): state "connected" (first open), "lost" (it stopped
            delivering), "waiting" (it cannot be opened: absent at start), "reconnected".
        stop: set it to end the waits (the camera worker's stop event).
        retry_s: seconds between attempts to reopen.
    """

    def __init__(self, opener: Callable[[], FrameSource], name: str, *,
                 on_status: Callable[[str, str], None] | None = None, stop: threading.Event | None = None,
                 retry_s: float = 1.0, fps: float | None = 30.0):
        self._opener, self.name, self.fps = opener, name, fps
        self._on_status = on_status or (lambda _state, _message: None)
        self._stop = stop or threading.Event()
        self.retry_s = retry_s
        self._source: FrameSource | None = None
        self._state: str | None = None
        self.source_settings: dict[str, str] = {}
        self.losses = 0

    def _report(self, state: str, message: str) -> None:
        if state != self._state:
            self._state = state
            self._on_status(state, message)

    def read(self) -> np.ndarray | None:
        while not self._stop.is_set():
            if self._source is None and not self._try_open():
                self._stop.wait(self.retry_s)
                continue
            try:
                return self._source.read()
            except CameraError as exc:
                self._drop()
                self.losses += 1
                self._report("lost", f"{exc}; waiting for it to come back")
        return None

    def _try_open(self) -> bool:
        try:
            self._source = self._opener()
        except CameraError as exc:
            if self._state is None:
                self._report("waiting", f"{exc}; waiting for it (plug it in, or choose another camera)")
            return False
        self.source_settings = dict(getattr(self._source, "settings", {}))
        self._report("reconnected" if self.losses else "connected",
                     f"{self._source.name} is scanning" + _settings_text(self.source_settings))
        return True

    def _drop(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

    def close(self) -> None:
        self._stop.set()
        self._drop()


def _settings_text(settings: dict[str, str]) -> str:
    return "".join(f", {k} {v}" for k, v in settings.items())


def open_source(spec: str | int | Path) -> FrameSource:
    """A source from user text: an integer is a camera index, anything else a video file."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec))
    return VideoFileSource(spec)
