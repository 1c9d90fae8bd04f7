"""Draw the app icon (a ticket with a check mark): PNG, ICO and ICNS into checkin_app/resources/icons/.

Run once when the icon changes: `python packaging/make_icons.py`. ICO and ICNS both accept PNG
payloads, so no imaging library beyond OpenCV is needed.
"""
import struct
from pathlib import Path

import cv2
import numpy as np

RESOURCES = Path(__file__).resolve().parents[1] / "checkin_app" / "resources" / "icons"


def draw(size: int = 512) -> bytes:
    img = np.zeros((size, size, 4), np.uint8)
    s = size / 512
    cv2.rectangle(img, (int(40 * s), int(120 * s)), (int(472 * s), int(392 * s)), (60, 140, 30, 255), -1, cv2.LINE_AA)
    for cy in (int(120 * s), int(392 * s)):  # ticket notches
        cv2.circle(img, (size // 2, cy), int(36 * s), (0, 0, 0, 0), -1, cv2.LINE_AA)
    pts = np.array([[150, 260], [225, 330], [370, 185]], np.float32) * s
    cv2.polylines(img, [pts.astype(np.int32)], False, (255, 255, 255, 255), int(42 * s), cv2.LINE_AA)
    ok, png = cv2.imencode(".png", img)
    assert ok
    return png.tobytes()


def ico(png: bytes) -> bytes:
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 6 + 16)  # 0 = 256 px
    return header + entry + png


def icns(png: bytes) -> bytes:
    chunk = b"ic09" + struct.pack(">I", 8 + len(png)) + png  # 512x512 PNG
    return b"icns" + struct.pack(">I", 8 + len(chunk)) + chunk


if __name__ == "__main__":
    png = draw()
    (RESOURCES / "icon.png").write_bytes(png)
    (RESOURCES / "icon.ico").write_bytes(ico(draw(256)))
    (RESOURCES / "icon.icns").write_bytes(icns(png))
    print("wrote icon.png, icon.ico, icon.icns")
