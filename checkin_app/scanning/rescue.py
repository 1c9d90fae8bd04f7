"""The second pass: cheap image fixes tried, in order, on frames where the first pass read nothing.

Each step returns the image to decode and a function mapping its points back to frame pixels.
The order and the list were chosen on generated door frames (seeds 7 and 11, not the benchmark's):
each step is there because it reads frames the earlier ones do not, at a few ms per step, since
every empty frame pays for the whole list. Second-pass decodes are single plain attempts
(`fast=True`: no rotation, downscale or inversion search), which is what makes them cheap.

1D reads are also checked for clear quiet zones: a scan line that starts inside a barcode can
decode a valid-looking tail of it (seen: `9992967441` read as `92967441` after sharpening), and
bars right outside the read are the tell.
"""
from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from checkin_app.scanning import formats as fmt

Point = tuple[int, int]
ToFrame = Callable[[Point], Point]
Step = Callable[[np.ndarray], tuple[np.ndarray, ToFrame]]

_CLAHE = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))


def _same(p: Point) -> Point:
    return p


def _scaled(factor: float) -> ToFrame:
    return lambda p: (int(round(p[0] / factor)), int(round(p[1] / factor)))


def _sharpen(gray: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    """Unsharp mask: restores module edges a defocused lens or a shaking hand smeared."""
    return cv2.addWeighted(gray, 1 + amount, cv2.GaussianBlur(gray, (0, 0), sigma), -amount, 0)


def sharpen_light(gray):
    return _sharpen(gray, 1.5, 1.5), _same


def sharpen_strong(gray):
    return _sharpen(gray, 3.0, 3.0), _same


def median(gray):
    """A 3x3 median: removes high-gain sensor noise (low light) without softening edges."""
    return cv2.medianBlur(gray, 3), _same


def clahe(gray):
    """Local contrast stretch: glare and uneven light leave part of a code too flat."""
    return _CLAHE.apply(gray), _same


def inverted(gray):
    """Light-on-dark codes (dark-mode wallets) for decoders that do not try inversion themselves."""
    return cv2.bitwise_not(gray), _same


def enlarged_sharp(gray):
    """1.5x and sharpened: small codes held far away get more pixels per module."""
    return _sharpen(cv2.resize(gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC), 1.5, 1.5), _scaled(1.5)


def denoised_sharp(gray):
    """Edge-keeping smoothing, then sharpening: dim paper tickets under high sensor gain."""
    return _sharpen(cv2.bilateralFilter(gray, 5, 30, 5), 1.5, 2.0), _same


def turned(gray):
    """A quarter turn: 1D codes held upright (the first pass searches one orientation)."""
    h = gray.shape[0]
    return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE), lambda p: (p[1], h - 1 - p[0])


def half(gray):
    """Half size by area averaging: evens out moiré and noise."""
    return cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), _scaled(0.5)


def deskewed(gray: np.ndarray, quad: tuple[Point, ...], grow: float = 0.5) -> tuple[np.ndarray, ToFrame]:
    """The region around a symbol the decoder found but could not read, turned so its edges are upright.

    zxing-cpp's PDF417 reader follows rows and loses a wide symbol turned by more than a few degrees
    (a generated 376-character PDF417: read at 2 degrees, lost at 4 and 8). The angle comes from
    the region's own edges (the dominant gradient direction, folded onto the nearest axis), not from
    the detector's corners, which are rough on exactly these symbols. Measured on 72 generated
    200-500 character PDF417 that plain zxing-cpp lost at 4 to 12 degrees with some perspective: 45
    read after this step (all at 4 degrees, most at 8, few at 12); turning by the corners' own angle
    read 33, warping the corners to a rectangle 27.

    Args:
        gray: the frame.
        quad: the unreadable symbol's corners (frame pixels).
        grow: margin around the corners' bounding box, as a fraction of its size.
    """
    q = np.array(quad, dtype=np.float32)
    (x0, y0), (x1, y1) = q.min(0), q.max(0)
    w, h = x1 - x0, y1 - y0
    h_img, w_img = gray.shape[:2]
    left, top = int(max(0, x0 - w * grow)), int(max(0, y0 - h * grow))
    right, bottom = int(min(w_img, x1 + w * grow)), int(min(h_img, y1 + h * grow))
    roi = gray[top:bottom, left:right]
    if roi.shape[0] < 8 or roi.shape[1] < 8:
        return roi, lambda p: (p[0] + left, p[1] + top)
    f = roi.astype(np.float32)
    gx, gy = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3)
    angle = 0.5 * np.degrees(np.arctan2(2 * float((gx * gy).sum()), float((gx * gx - gy * gy).sum())))
    angle = (angle + 45) % 90 - 45
    centre = (roi.shape[1] / 2, roi.shape[0] / 2)
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    turned_roi = cv2.warpAffine(roi, m, (roi.shape[1], roi.shape[0]), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
    back = cv2.invertAffineTransform(m)

    def to_frame(p: Point) -> Point:
        x, y = back @ np.array([p[0], p[1], 1.0])
        return int(round(x)) + left, int(round(y)) + top

    return turned_roi, to_frame


STEPS: dict[str, Step] = {
    "sharpen": sharpen_light, "median": median, "sharpen-strong": sharpen_strong, "half": half,
    "enlarge": enlarged_sharp, "clahe": clahe, "invert": inverted, "denoise": denoised_sharp, "turned": turned,
}
#: Chosen greedily (frames rescued per ms on empty frames) on 450 generated code frames (seeds 7 and
#: 11): the first pass missed 45; these five read 34 of them; "clahe" would add 1 for ~9 ms more.
DEFAULT_STEPS: tuple[str, ...] = ("sharpen-strong", "half", "enlarge", "denoise", "turned")

LINEAR = frozenset({fmt.CODE128, fmt.CODE39, fmt.ITF, fmt.EAN_UPC})


def quiet_zones_clear(gray: np.ndarray, position: tuple[Point, ...], near: float = 0.015, far: float = 0.05) -> bool:
    """True when no bars lie just outside both ends of a 1D read.

    Args:
        gray: the image the read came from (its coordinates).
        position: the read's four corners (top-left, top-right, bottom-right, bottom-left).
        near, far: the band checked outside each end, as fractions of the read's length.

    Returns:
        False when the band beyond either end has a contrast over half the bars' own, i.e. the
        read is a piece of a longer barcode. True when the read cannot be checked (too short,
        or an end lies outside the image).
    """
    if len(position) != 4:
        return True
    pts = np.array(position, dtype=np.float32)
    left, right = (pts[0] + pts[3]) / 2, (pts[1] + pts[2]) / 2
    d = right - left
    length = float(np.hypot(*d))
    if length < 20:
        return True
    unit = d / length
    h, w = gray.shape[:2]

    def profile(a, b, n):
        xs = np.linspace(a[0], b[0], n)
        ys = np.linspace(a[1], b[1], n)
        if xs.min() < 0 or ys.min() < 0 or xs.max() > w - 1 or ys.max() > h - 1:
            return None
        return gray[ys.round().astype(int), xs.round().astype(int)].astype(np.int16)

    inside = profile(left, right, max(50, int(length)))
    if inside is None:
        return True
    contrast = int(inside.max() - inside.min())
    for end, sign in ((left, -1), (right, 1)):
        band = profile(end + sign * unit * length * near, end + sign * unit * length * far, max(8, int(length * (far - near))))
        if band is not None and int(band.max() - band.min()) > contrast / 2:
            return False
    return True
