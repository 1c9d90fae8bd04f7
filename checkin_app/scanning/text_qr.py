"""QR codes that carry a text rather than a ticket (the venue key): drawn as PNG, read from a picture.

A ticket scan goes through `ScanPipeline` (symbologies, quiet zones, de-duplication); a pairing
QR code is read once from a file the user picked, so every QR code in the picture is returned.
"""
from __future__ import annotations

import io
from pathlib import Path

import cv2
import segno
import zxingcpp

from checkin_app.errors import CheckinError


def qr_png(text: str, scale: int = 6, border: int = 4) -> bytes:
    """`text` as a QR code (error level M) in PNG bytes, for a window to show; written nowhere."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def texts_in_image(path: str | Path) -> list[str]:
    """The text of every QR code in a PNG/JPEG picture (a saved file or a phone photo).

    Raises:
        CheckinError: the file is missing or not an image this build can read.
    """
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise CheckinError(f"cannot read an image from {path}")
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
