"""Cameras by name: listing them, and what the door chose (name, resolution, focus, exposure).

OpenCV opens cameras by index, and an index is not a camera: it changes when a webcam is plugged
into another port, or a second one is plugged in first. So the door remembers the camera's *name*
and finds its index again each time it opens it (also after a USB cable was pulled and pushed back).

Listing:
- Linux: `/sys/class/video4linux/video*/name`, no device is opened. A camera has several nodes
  (capture, metadata); only node `index` 0 of each device is the capture node.
- Windows and macOS: the `cv2-enumerate-cameras` package (Media Foundation / AVFoundation names,
  indices as OpenCV counts them). Without it, four numbered entries ("Camera 1", ...) by index.
Two cameras with the same name (two identical webcams) are told apart as "Name", "Name #2".
"""
from __future__ import annotations

import logging
import platform
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2

log = logging.getLogger(__name__)

SYSFS_VIDEO = Path("/sys/class/video4linux")
RESOLUTIONS: tuple[tuple[int, int], ...] = ((1280, 720), (1920, 1080))


@dataclass(frozen=True)
class CameraInfo:
    """One camera the system lists.

    Args:
        name: what to show and remember ("HD Pro Webcam C920", "HD Webcam #2" for a second one).
        index: the index OpenCV opens it by, now (it can change after replugging).
        backend: the OpenCV capture API to open it with (`cv2.CAP_V4L2`, `cv2.CAP_MSMF`, ...).
        path: the device path where the system gives one ("/dev/video0").
    """

    name: str
    index: int
    backend: int = cv2.CAP_ANY
    path: str = ""


@dataclass(frozen=True)
class CameraChoice:
    """The camera the door scans from, as remembered in its settings.

    Args:
        name: the camera's name (`CameraInfo.name`); "" means the first camera listed.
        width, height: the resolution to ask for (1280x720 or 1920x1080; the driver may give another).
        autofocus: switch the driver's autofocus on or off; None leaves the driver's default.
        exposure: None for automatic exposure; otherwise a fixed exposure in the driver's own units
            (V4L2: 100 µs steps; Media Foundation and DirectShow: log2 seconds, -6 = 1/64 s).
        index: where the name is not known (settings from before names, or no listing): open this.
    """

    name: str = ""
    width: int = 1280
    height: int = 720
    autofocus: bool | None = None
    exposure: float | None = None
    index: int | None = None

    def with_name(self, name: str) -> "CameraChoice":
        return replace(self, name=name, index=None)

    def describe(self) -> str:
        return f"{self.name or 'the first camera'}" + (f" ({self.width}x{self.height})" if self.width else "")


def _unique_names(cameras: Iterable[tuple[str, int, int, str]]) -> list[CameraInfo]:
    out, seen = [], {}
    for name, index, backend, path in cameras:
        name = (name or "").strip() or f"Camera {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(CameraInfo(name if seen[name] == 1 else f"{name} #{seen[name]}", index, backend, path))
    return out


def linux_cameras(sysfs: Path = SYSFS_VIDEO) -> list[CameraInfo]:
    """Capture cameras from a video4linux sysfs tree (the real one, or a test's fake)."""
    if not sysfs.is_dir():
        return []
    nodes = []
    for node in sysfs.iterdir():
        m = re.fullmatch(r"video(\d+)", node.name)
        if not m:
            continue
        try:
            name = (node / "name").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        try:
            if (node / "index").read_text().strip() not in ("", "0"):
                continue  # a second node of the same device (metadata), not a picture
        except OSError:
            pass  # older kernels have no index attribute: every node counts
        nodes.append((name, int(m.group(1)), cv2.CAP_V4L2, f"/dev/{node.name}"))
    return _unique_names(sorted(nodes, key=lambda n: n[1]))


def _library_backend(system: str) -> int:
    return {"Windows": cv2.CAP_MSMF, "Darwin": cv2.CAP_AVFOUNDATION}.get(system, cv2.CAP_ANY)


def library_cameras(system: str, enumerate_fn: Callable[[int], Iterable] | None = None) -> list[CameraInfo]:
    """Cameras through `cv2-enumerate-cameras` (Windows, macOS), or numbered entries without it.

    Args:
        system: `platform.system()` ("Windows", "Darwin").
        enumerate_fn: `cv2_enumerate_cameras.enumerate_cameras` or a stand-in with its shape (called
            with an OpenCV backend, returns objects with `index`, `name`, `path`).
    """
    backend = _library_backend(system)
    if enumerate_fn is None:
        try:
            from cv2_enumerate_cameras import enumerate_cameras as enumerate_fn
        except ImportError as exc:  # an install without it: still usable by index
            log.warning("cannot list cameras by name (%s); offering camera numbers", exc)
            return [CameraInfo(f"Camera {i + 1}", i, backend) for i in range(4)]
    try:
        found = list(enumerate_fn(backend))
    except Exception as exc:  # a driver that fails to enumerate must not take the door down
        log.warning("listing cameras failed: %s", exc)
        return []
    return _unique_names((c.name, int(c.index), backend, str(c.path or "")) for c in found)


def list_cameras(system: str | None = None, *, sysfs: Path = SYSFS_VIDEO,
                 enumerate_fn: Callable[[int], Iterable] | None = None) -> list[CameraInfo]:
    """The cameras this computer has now, by name, in the system's order."""
    system = system or platform.system()
    if system == "Linux":
        return linux_cameras(sysfs)
    return library_cameras(system, enumerate_fn)


def find(cameras: list[CameraInfo], choice: CameraChoice) -> CameraInfo | None:
    """The listed camera a choice means: by name; "" means the first; an index where no name is kept."""
    if choice.name:
        return next((c for c in cameras if c.name == choice.name), None)
    if choice.index is not None:
        return next((c for c in cameras if c.index == choice.index), None) or CameraInfo(
            f"Camera {choice.index + 1}", choice.index)
    return cameras[0] if cameras else None
