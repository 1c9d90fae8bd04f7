"""Generated tickets and door scenes: for tests, the benchmark and the GUI demo's camera video.

Tickets are rendered exactly (QR by segno, Code128 encoded here with python-barcode's bar-pattern
table: its own encoder drops a leading "99" in code set C, `992528` comes out as `2528`) onto a
card, and the card is placed, optionally in perspective, on a 1280x720 door-like background with
clutter. `write_ticket_video` shows tickets one after another with empty frames between, the way
people step up to a door.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np
import segno
import zxingcpp

from barcode.charsets.code128 import CODES as _C128_PATTERNS
from barcode.charsets.code128 import STOP as _C128_STOP

from checkin_app.scanning import formats as fmt
from checkin_app.scanning.sources import CameraError

WIDTH, HEIGHT = 1280, 720


def qr_matrix(code: str, error: str = "m") -> list[list[bool]]:
    """A QR code's modules (True: dark), rows top to bottom, without the quiet zone (badges paint it)."""
    return [[bool(m) for m in row] for row in segno.make(code, error=error, micro=False, boost_error=False).matrix]


def qr_image(code: str, module_px: int = 6, border: int = 4, error: str = "m") -> np.ndarray:
    """A QR code (error level `error`: l, m, q or h) as a gray uint8 image, black on white, with a quiet zone."""
    matrix = np.array(qr_matrix(code, error), dtype=np.uint8)
    img = np.where(matrix > 0, 0, 255).astype(np.uint8)
    img = np.pad(img, border, constant_values=255)
    return np.kron(img, np.ones((module_px, module_px), dtype=np.uint8))


def code128_modules(code: str) -> str:
    """Code128 modules ("1" bar, "0" space): code set C for all-digit codes of even length, else B.

    Raises:
        ValueError: for characters code set B cannot carry (outside printable ASCII).
    """
    if len(code) >= 2 and len(code) % 2 == 0 and code.isdigit():
        values = [105] + [int(code[i:i + 2]) for i in range(0, len(code), 2)]  # Start C, digit pairs
    else:
        if not all(32 <= ord(c) < 127 for c in code):
            raise ValueError("Code128 set B carries printable ASCII only")
        values = [104] + [ord(c) - 32 for c in code]  # Start B
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return "".join(_C128_PATTERNS[v] for v in values + [check]) + _C128_STOP + "11"  # stop + final bar


def code128_image(code: str, module_px: int = 3, height: int = 110, quiet: int = 12) -> np.ndarray:
    """A Code128 barcode as a gray uint8 image with `quiet` modules of quiet zone each side."""
    modules = code128_modules(code)
    row = np.array([0 if m == "1" else 255 for m in "0" * quiet + modules + "0" * quiet], dtype=np.uint8)
    row = np.repeat(row, module_px)
    return np.repeat(row[None, :], height, axis=0)


def qr_version(code: str, error: str = "m") -> int:
    """The QR version (1-40) segno picks for `code` at error level `error`."""
    return segno.make(code, error=error, micro=False, boost_error=False).version


_ZX_WRITE = {fmt.PDF417: zxingcpp.BarcodeFormat.PDF417, fmt.AZTEC: zxingcpp.BarcodeFormat.Aztec,
             fmt.DATAMATRIX: zxingcpp.BarcodeFormat.DataMatrix}


def matrix_image(code: str, symbology: str, module_px: int = 3) -> np.ndarray:
    """A PDF417, Aztec or DataMatrix symbol by zxing-cpp's encoder (its default error correction),
    gray uint8, black on white, with a quiet zone of 4 modules (the encoder's own is 0 for PDF417)."""
    symbol = zxingcpp.create_barcode(code, _ZX_WRITE[symbology])
    img = np.asarray(zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False), dtype=np.uint8)
    img = np.pad(img, 4, constant_values=255)
    return np.kron(img, np.ones((module_px, module_px), dtype=np.uint8))


def code_image(code: str, symbology: str = fmt.QR, scale: int = 6) -> np.ndarray:
    """QR, PDF417, Aztec, DataMatrix at a module size of `scale`, or Code128 at `scale // 2` pixels."""
    if symbology == fmt.QR:
        return qr_image(code, module_px=scale)
    if symbology == fmt.CODE128:
        return code128_image(code, module_px=max(1, scale // 2), height=scale * 20)
    if symbology in _ZX_WRITE:
        return matrix_image(code, symbology, module_px=max(1, scale // 2))
    raise ValueError(f"synth renders QR, Code128, PDF417, Aztec and DataMatrix, not {symbology}")


def ticket_card(code: str, symbology: str = fmt.QR, scale: int = 6, title: str = "ADMIT ONE") -> np.ndarray:
    """A white ticket card (gray uint8) with a title, the code and the human-readable text."""
    symbol = code_image(code, symbology, scale)
    sh, sw = symbol.shape
    pad = max(16, scale * 3)
    card = np.full((sh + 2 * pad + 70, max(sw + 2 * pad, 260)), 250, dtype=np.uint8)
    x0 = (card.shape[1] - sw) // 2
    card[pad + 40:pad + 40 + sh, x0:x0 + sw] = symbol
    cv2.putText(card, title, (pad, pad + 24), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 40, 2, cv2.LINE_AA)
    cv2.putText(card, code, (pad, card.shape[0] - pad // 2 - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 60, 1, cv2.LINE_AA)
    return card


def door_background(rng: np.random.Generator, clutter: int = 12) -> np.ndarray:
    """A 1280x720 BGR scene: a lit gradient, coloured boxes, lines and lines of text."""
    y = np.linspace(0, 1, HEIGHT, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, WIDTH, dtype=np.float32)[None, :]
    base = 70 + 90 * (0.6 * y + 0.4 * x) + rng.uniform(-20, 20)
    img = np.repeat(np.clip(base, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
    img[:] = np.clip(img * rng.uniform(0.8, 1.1, size=3), 0, 255).astype(np.uint8)
    for _ in range(clutter):
        x0, y0 = int(rng.integers(0, WIDTH - 40)), int(rng.integers(0, HEIGHT - 40))
        w, h = int(rng.integers(30, 300)), int(rng.integers(20, 220))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            cv2.rectangle(img, (x0, y0), (x0 + w, y0 + h), colour, -1)
        else:
            cv2.line(img, (x0, y0), (x0 + w, y0 + h), colour, int(rng.integers(1, 8)))
    for _ in range(4):
        words = " ".join("".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(3, 9)))) for _ in range(3))
        org = (int(rng.integers(0, WIDTH - 300)), int(rng.integers(30, HEIGHT)))
        cv2.putText(img, words, org, cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.6, 1.4)),
                    tuple(int(c) for c in rng.integers(0, 255, 3)), 2, cv2.LINE_AA)
    return img


def place(scene: np.ndarray, card: np.ndarray, centre: tuple[float, float], width: float,
          tilt: tuple[float, float] = (0.0, 0.0), rotate_deg: float = 0.0) -> np.ndarray:
    """Paste a gray `card` into a BGR `scene` in perspective; returns the destination quad.

    Args:
        centre: where the card's centre lands (pixels).
        width: the card's width on screen (pixels).
        tilt: perspective (x, y) as a fraction: 0.2 makes the right (bottom) edge 20% shorter.
        rotate_deg: in-plane rotation.
    """
    h, w = card.shape
    height = width * h / w
    half = np.array([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2],
                     [-width / 2, height / 2]], dtype=np.float32)
    tx, ty = tilt
    half[1, 1] *= 1 - tx
    half[2, 1] *= 1 - tx
    half[2, 0] *= 1 - ty
    half[3, 0] *= 1 - ty
    a = np.deg2rad(rotate_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], dtype=np.float32)
    quad = half @ rot.T + np.array(centre, dtype=np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(card, m, (scene.shape[1], scene.shape[0]), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(card, 255), m, (scene.shape[1], scene.shape[0]), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    scene[:] = (scene * (1 - alpha) + warped[:, :, None] * alpha).astype(np.uint8)
    return quad


def ticket_frame(code: str, symbology: str = fmt.QR, seed: int = 0, width: float = 360.0) -> np.ndarray:
    """One well-lit door frame with a ticket held up near the centre (BGR, 1280x720)."""
    rng = np.random.default_rng(seed)
    scene = door_background(rng)
    card = ticket_card(code, symbology)
    centre = (WIDTH / 2 + rng.uniform(-200, 200), HEIGHT / 2 + rng.uniform(-80, 80))
    place(scene, card, centre, width, tilt=(rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1)),
          rotate_deg=rng.uniform(-8, 8))
    return scene


def ticket_frames(codes: Sequence[str], symbology: str = fmt.QR, seed: int = 0, hold: int = 6,
                  gap: int = 4) -> Iterable[np.ndarray]:
    """Frames showing each code for `hold` frames (swaying a little), with `gap` empty frames between."""
    rng = np.random.default_rng(seed)
    background = door_background(rng)
    cards = {}
    for code in codes:
        for _ in range(gap):
            yield background.copy()
        card = cards.setdefault(code, ticket_card(code, symbology))
        cx, cy = WIDTH / 2 + rng.uniform(-150, 150), HEIGHT / 2 + rng.uniform(-60, 60)
        for i in range(hold):
            scene = background.copy()
            place(scene, card, (cx + 4 * i, cy + 2 * i), 340 + 4 * i, tilt=(0.05, 0.0), rotate_deg=-3 + i)
            yield scene
    for _ in range(gap):
        yield background.copy()


def write_ticket_video(path: str | Path, codes: Sequence[str], fps: float = 15.0, symbology: str = fmt.QR,
                       seed: int = 0, hold: int = 6, gap: int = 4) -> Path:
    """Write a video (MJPG in .avi, else mp4v) where the tickets appear one after another.

    Args:
        path: the file to write; the suffix picks the container (.avi or .mp4).
        codes: the ticket codes, in the order they appear.
        fps: frame rate written to the file.
        symbology: QR or Code128.
        seed: the scene's randomness.
        hold, gap: frames each ticket is shown, and empty frames around each.

    Returns:
        The path written.

    Raises:
        CameraError: when OpenCV cannot write that container here.
    """
    path = Path(path)
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise CameraError(f"{path}: OpenCV cannot write this video format here")
    try:
        for frame in ticket_frames(codes, symbology, seed, hold, gap):
            writer.write(frame)
    finally:
        writer.release()
    return path
