"""The real-photo development set (`tests/fixtures/real-photos/`): loading, and comparing texts as a door would.

Shared by the real-photo bench (`scripts.bench.photo_bench`) and the superset test
(`tests/integration/test_real_photos.py`), so both read the same images the same way.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from checkin_app.scanning import formats as fmt  # first: it quietens OpenCV's log before cv2 loads
from checkin_app.scanning.decoders import zxing_formats

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import zxingcpp  # noqa: E402

from tests.paths import REAL_PHOTOS  # noqa: E402

ROOT = REAL_PHOTOS
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".pgm", ".gif", ".tif", ".tiff"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class Photo:
    """One image of the set.

    Args:
        group: its folder ("qrcode-4").
        path: the image file.
        expected: the expected text (from the `.txt` of the same name), None for the no-code group
            and for images whose expectation is binary (a `.bin`: not a ticket code).
        binary: the expectation is a `.bin` file.
        gray: the image in 8-bit gray, or None when OpenCV cannot decode it.
    """

    group: str
    path: Path
    expected: str | None
    binary: bool
    gray: np.ndarray | None


def key(text: str) -> str:
    """A text as the README says to compare: CRLF and LF alike, control characters (GS1's group
    separator among them) and GS1's HRI brackets aside."""
    return _CONTROL.sub("", text).strip().replace("(", "").replace(")", "")


def has_no_code(group: str) -> bool:
    """The groups of photos with no barcode ("falsepositives-1"), where a reader must find nothing."""
    return group.startswith("falsepositives")


def photos(root: Path = ROOT) -> Iterator[Photo]:
    """Every image in the set, group by group, in name order."""
    for group_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(group_dir.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            txt, binary = path.with_suffix(".txt"), path.with_suffix(".bin").exists()
            expected = key(txt.read_text(encoding="utf-8", errors="replace")) if txt.exists() else None
            # cv2 reads through a buffer: file names like "#526.webp" are fine either way.
            buf = np.frombuffer(path.read_bytes(), np.uint8)
            gray = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if buf.size else None
            yield Photo(group_dir.name, path, expected, binary, gray)


#: The door's formats when it admits every ticket symbology (a door with no provider yet, or a relay).
DOOR_FORMATS = zxing_formats(fmt.ALL)


def plain_zxing(gray: np.ndarray, door_formats: bool = True) -> list[str]:
    """`zxingcpp.read_barcodes(gray)` with its defaults, restricted to the door's formats or not."""
    if door_formats:
        return [b.text for b in zxingcpp.read_barcodes(gray, formats=DOOR_FORMATS)]
    return [b.text for b in zxingcpp.read_barcodes(gray)]
