"""Decode image and video files: what `checkin-app decode` reports.

An image is one frame: every code in it. A video runs through the same `ScanPipeline` as the
camera, on the video's own clock, so it yields each ticket once, in the order they appear.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from checkin_app.errors import CheckinError
from checkin_app.scanning.pipeline import ScanPipeline
from checkin_app.scanning.sources import CameraError, VideoFileSource

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"})


@dataclass
class FileReport:
    """The codes found in one file.

    Args:
        file: the path as given.
        kind: "image" or "video".
        frames: frames decoded.
        codes: one dict per code: code, symbology, position, frame, t_s (video time), ms (of that frame).
        frame_ms: decode time of every frame, for the summary.
    """

    file: str
    kind: str
    frames: int = 0
    codes: list[dict] = field(default_factory=list)
    frame_ms: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        ms = sorted(self.frame_ms)
        return {"file": self.file, "kind": self.kind, "frames": self.frames, "codes": self.codes,
                "ms_median": round(statistics.median(ms), 2) if ms else None,
                "ms_max": round(ms[-1], 2) if ms else None}


def decode_file(path: str | Path, pipeline: ScanPipeline | None = None) -> FileReport:
    """Every code in an image, or each ticket once (in order) in a video.

    Raises:
        CheckinError: when the file is missing or neither an image nor a video OpenCV can read.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckinError(f"{path}: no such file")
    pipeline = pipeline or ScanPipeline()
    if path.suffix.lower() in IMAGE_SUFFIXES:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise CheckinError(f"{path}: not an image this build can read")
        return _image_report(path, image, pipeline)
    try:
        source = VideoFileSource(path)
    except CameraError:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)  # an image with an unusual suffix
        if image is None:
            raise CheckinError(f"{path}: neither an image nor a video this build can read") from None
        return _image_report(path, image, pipeline)
    return _video_report(path, source, pipeline)


def _image_report(path: Path, image, pipeline: ScanPipeline) -> FileReport:
    result = pipeline.read(image)
    report = FileReport(str(path), "image", frames=1, frame_ms=[result.ms])
    report.codes = [{**r.to_dict(), "frame": 0, "t_s": 0.0, "ms": round(result.ms, 2)} for r in result.reads]
    return report


def _video_report(path: Path, source: VideoFileSource, pipeline: ScanPipeline) -> FileReport:
    report = FileReport(str(path), "video")
    fps = source.fps or 30.0
    try:
        while (frame := source.read()) is not None:
            result = pipeline.process(frame, t=report.frames / fps)
            report.frame_ms.append(result.ms)
            for scan in result.scans:
                report.codes.append({"code": scan.code, "symbology": scan.symbology,
                                     "position": [list(p) for p in scan.position], "frame": scan.frame,
                                     "t_s": round(scan.frame / fps, 3), "ms": round(result.ms, 2)})
            report.frames += 1
    finally:
        source.close()
    if report.frames == 0:
        raise CheckinError(f"{path}: no frame could be decoded from this video")
    return report
