"""Door-condition frames for the scan benchmark: 1280x720, deterministic, deliberately hard.

Each generator takes a numpy Generator and returns (BGR frame, truth code or None, symbology).
Every frame then gets webcam sensor noise and JPEG compression. The severities are drawn so that
a plain single-pass decoder misses a share of them (a set every decoder reads proves nothing).
"""
from __future__ import annotations

import string

import cv2
import numpy as np

from checkin_app.scanning import formats as fmt
from checkin_app.scanning.synth import (HEIGHT, WIDTH, door_background, matrix_image, place, qr_image, qr_version,
                                        ticket_card)

_ALNUM = string.ascii_letters + string.digits


def random_code(rng: np.random.Generator) -> str:
    """A code shaped like one provider's: Ticket Tailor mixed case, Ticketor digits, Ticketsolve upper."""
    kind = rng.integers(0, 3)
    if kind == 0:
        return "".join(rng.choice(list(_ALNUM), int(rng.integers(5, 13))))
    if kind == 1:
        return "".join(rng.choice(list(string.digits), int(rng.integers(8, 14))))
    return "".join(rng.choice(list(string.ascii_uppercase + string.digits), 10))


def phone(code: str, module_px: int, dark: bool = False, pixel_grid: int = 0) -> np.ndarray:
    """A phone face (gray): black bezel, a light (or dark-mode) screen with the QR in the middle."""
    return phone_showing(qr_image(code, module_px=module_px, border=2 if dark else 4), module_px, dark, pixel_grid)


def phone_showing(symbol: np.ndarray, module_px: int, dark: bool = False, pixel_grid: int = 0) -> np.ndarray:
    """A phone face (gray) with `symbol` (black on white) in the middle of its screen."""
    if dark:
        symbol = 255 - symbol  # light modules on a dark screen, as wallets in dark mode show it
    sh, sw = symbol.shape
    screen_w, screen_h = int(sw * 1.35), int(sh * 2.0)
    screen = np.full((screen_h, screen_w), 28 if dark else 238, np.uint8)
    y0, x0 = (screen_h - sh) // 2, (screen_w - sw) // 2
    screen[y0:y0 + sh, x0:x0 + sw] = symbol
    cv2.putText(screen, "Your ticket", (x0, max(30, y0 - 30)), cv2.FONT_HERSHEY_SIMPLEX, module_px / 5, 200 if dark else 60,
                max(1, module_px // 3), cv2.LINE_AA)
    if pixel_grid:
        screen[::pixel_grid, :] = (screen[::pixel_grid, :] * 0.7).astype(np.uint8)  # the LCD pixel grid
        screen[:, ::pixel_grid] = (screen[:, ::pixel_grid] * 0.7).astype(np.uint8)
    bezel = max(12, screen_w // 18)
    body = np.full((screen_h + 4 * bezel, screen_w + 2 * bezel), 18, np.uint8)
    body[2 * bezel:2 * bezel + screen_h, bezel:bezel + screen_w] = screen
    return body


def _held(rng, card, width, tilt=0.15, rotate=12.0):
    scene = door_background(rng)
    centre = (WIDTH / 2 + rng.uniform(-250, 250), HEIGHT / 2 + rng.uniform(-120, 120))
    place(scene, card, centre, width, tilt=(rng.uniform(-tilt, tilt), rng.uniform(-tilt, tilt)),
          rotate_deg=rng.uniform(-rotate, rotate))
    return scene, centre


def phone_glare(rng):
    code = random_code(rng)
    card = phone(code, 6)
    scene, (cx, cy) = _held(rng, card, rng.uniform(230, 330))
    # A ceiling light on the glass: a saturated blob across part of the code.
    glare = np.zeros((HEIGHT, WIDTH), np.float32)
    gx, gy = cx + rng.uniform(-70, 70), cy + rng.uniform(-70, 70)
    axes = (int(rng.uniform(30, 85)), int(rng.uniform(15, 50)))
    cv2.ellipse(glare, (int(gx), int(gy)), axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    glare = cv2.GaussianBlur(glare, (0, 0), rng.uniform(8, 22)) * rng.uniform(130, 230)
    return np.clip(scene + glare[:, :, None], 0, 255).astype(np.uint8), code, fmt.QR


def tilt(rng):
    code = random_code(rng)
    scene, _ = _held(rng, phone(code, 6), rng.uniform(240, 340), tilt=0.5, rotate=40.0)
    return scene, code, fmt.QR


def moire(rng):
    code = random_code(rng)
    grid = int(rng.integers(3, 5))
    card = phone(code, 6 * grid // 2, pixel_grid=grid)  # a big, gridded screen shrunk by the camera
    scene, _ = _held(rng, card, rng.uniform(260, 360), tilt=0.2, rotate=20.0)
    return scene, code, fmt.QR


def motion_blur(rng):
    code = random_code(rng)
    scene, _ = _held(rng, phone(code, 7), rng.uniform(260, 360))
    length = int(rng.integers(4, 13))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    kernel /= kernel.sum()
    return cv2.filter2D(scene, -1, kernel), code, fmt.QR


def distance(rng):
    code = random_code(rng)
    card = phone(code, 6)
    symbol_share = (len(qr_image(code, 1)) * 6) / card.shape[1]
    qr_modules = len(qr_image(code, 1))
    module_on_screen = rng.uniform(1.6, 2.8)
    width = module_on_screen * qr_modules / symbol_share  # the phone's width for that module size
    scene, _ = _held(rng, card, width, tilt=0.1, rotate=10.0)
    return scene, code, fmt.QR


def dark_mode(rng):
    code = random_code(rng)
    scene, _ = _held(rng, phone(code, 6, dark=True), rng.uniform(220, 320), tilt=0.2, rotate=15.0)
    return (scene * rng.uniform(0.6, 1.0)).astype(np.uint8), code, fmt.QR


def paper_low_light(rng):
    code = random_code(rng)
    symbology = fmt.QR if rng.random() < 0.6 else fmt.CODE128
    scene, _ = _held(rng, ticket_card(code, symbology, 6), rng.uniform(360, 500))
    dark = scene.astype(np.float32) * rng.uniform(0.12, 0.3)
    dark += rng.normal(0, rng.uniform(2.0, 4.5), dark.shape).astype(np.float32)  # high-gain sensor noise
    return np.clip(dark, 0, 255).astype(np.uint8), code, symbology


def paper_defocus(rng):
    code = random_code(rng)
    symbology = fmt.QR if rng.random() < 0.6 else fmt.CODE128
    scene, _ = _held(rng, ticket_card(code, symbology, 6), rng.uniform(360, 500))
    return cv2.GaussianBlur(scene, (0, 0), rng.uniform(0.8, 2.0)), code, symbology


def code128_angle(rng):
    code = random_code(rng)
    card = ticket_card(code, fmt.CODE128, int(rng.integers(4, 7)))
    scene = door_background(rng)
    centre = (WIDTH / 2 + rng.uniform(-200, 200), HEIGHT / 2 + rng.uniform(-100, 100))
    place(scene, card, centre, card.shape[1] * rng.uniform(0.7, 1.0), tilt=(rng.uniform(-0.15, 0.15), 0.0),
          rotate_deg=rng.choice([-1, 1]) * rng.uniform(3, 12))
    return cv2.GaussianBlur(scene, (0, 0), 0.8), code, fmt.CODE128


def signed_payload(rng: np.random.Generator, low: int = 100, high: int = 500) -> str:
    """A long signed ticket payload: an id, claims and a base64url signature, `low`..`high` characters
    (at most 512: the longest code a provider's ticket can carry, `domain.codes.MAX_CODE_LENGTH`)."""
    length = int(rng.integers(low, high + 1))
    head = f"v1.{int(rng.integers(10**8, 10**9))}.{int(rng.integers(1, 40))}."
    return head + "".join(rng.choice(list(_ALNUM + "-_"), length - len(head)))


def dense(rng):
    """A long signed payload (issue 15): QR version 10 to 25, or a wallet PDF417 or Aztec of 100+ bytes,
    on a phone held close enough that a module is 2 to 3.5 pixels on the sensor."""
    kind = rng.choice([fmt.QR, fmt.QR, fmt.PDF417, fmt.AZTEC])
    while True:
        payload = signed_payload(rng)
        error = str(rng.choice(["m", "q", "h"]))
        if kind != fmt.QR or 10 <= qr_version(payload, error) <= 25:
            break
    symbol = qr_image(payload, 6, error=error) if kind == fmt.QR else matrix_image(payload, kind, 6)
    # Held close enough for 2 to 3.5 pixels a module, but whole in the picture (people aim a dense
    # code at the camera until it fits; a wide PDF417 then has the smaller modules).
    fits = min(0.8 * WIDTH / symbol.shape[1], 0.8 * HEIGHT / symbol.shape[0]) * 6
    module_on_screen = min(rng.uniform(2.0, 3.5), fits)
    card = phone_showing(symbol, 6)
    width = card.shape[1] * module_on_screen / 6  # the phone's width for that module size
    sw, sh = symbol.shape[1] * module_on_screen / 6, symbol.shape[0] * module_on_screen / 6
    scene = door_background(rng)
    centre = (WIDTH / 2 + rng.uniform(-1, 1) * max(0.0, (WIDTH * 0.9 - sw) / 2),
              HEIGHT / 2 + rng.uniform(-1, 1) * max(0.0, (HEIGHT * 0.9 - sh) / 2))
    place(scene, card, centre, width, tilt=(rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12)),
          rotate_deg=rng.uniform(-8, 8))
    return scene, payload, kind


def empty(rng):
    """No code: door clutter, text, and things that look like codes (stripes, grids, decoy cards)."""
    scene = door_background(rng, clutter=int(rng.integers(10, 30)))
    kind = rng.integers(0, 4)
    x0, y0 = int(rng.integers(50, WIDTH - 450)), int(rng.integers(50, HEIGHT - 300))
    if kind == 0:  # barcode-ish stripes: a striped shirt, blinds, a fence
        widths = rng.integers(1, 9, 90)
        x = x0
        for i, w in enumerate(widths):
            if i % 2 == 0:
                cv2.rectangle(scene, (x, y0), (x + int(w), y0 + 200), (20, 20, 20), -1)
            x += int(w)
    elif kind == 1:  # a random module field with QR-like finder squares but no valid code
        field = (rng.random((25, 25)) < 0.5).astype(np.uint8)
        for fy, fx in ((0, 0), (0, 18), (18, 0)):
            field[fy:fy + 7, fx:fx + 7] = 1
            field[fy + 1:fy + 6, fx + 1:fx + 6] = 0
            field[fy + 2:fy + 5, fx + 2:fx + 5] = 1
        img = np.kron(np.where(field > 0, 0, 255).astype(np.uint8), np.ones((8, 8), np.uint8))
        place(scene, np.pad(img, 24, constant_values=255), (x0 + 150, y0 + 150), 260, rotate_deg=rng.uniform(-20, 20))
    elif kind == 2:  # a ticket stub whose code is torn off, with a checkerboard poster beside it
        card = ticket_card("TORN", fmt.CODE128, 5)
        card[36:-30, :] = 250  # every bar gone: only the title and the printed text remain
        place(scene, card, (x0 + 150, y0 + 100), 300, rotate_deg=rng.uniform(-15, 15))
        board = np.kron((np.indices((8, 8)).sum(0) % 2 * 255).astype(np.uint8), np.ones((18, 18), np.uint8))
        place(scene, board, (min(WIDTH - 100, x0 + 500), y0 + 150), 140)
    else:  # dense printed text
        for row in range(8):
            line = "".join(rng.choice(list(_ALNUM + "  "), 40))
            cv2.putText(scene, line, (x0, y0 + 30 * row), cv2.FONT_HERSHEY_PLAIN, 1.6, (15, 15, 15), 2, cv2.LINE_AA)
    return scene, None, None


CONDITIONS = {
    "phone glare": phone_glare, "tilt/perspective": tilt, "moire (screen)": moire, "motion blur": motion_blur,
    "distance (small code)": distance, "dark-mode QR": dark_mode, "paper, low light": paper_low_light,
    "paper, out of focus": paper_defocus, "Code128 at an angle": code128_angle,
    "dense (long signed payload)": dense, "no code": empty,
}


def webcam(rng, frame: np.ndarray) -> np.ndarray:
    """Sensor noise and the JPEG/MJPG compression a USB webcam applies."""
    noisy = frame.astype(np.float32) + rng.normal(0, rng.uniform(1.5, 3.5), frame.shape).astype(np.float32)
    ok, buf = cv2.imencode(".jpg", np.clip(noisy, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 92))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def generate(per_condition: int = 40, seed: int = 20261124, empty_frames: int | None = None):
    """Yield (condition, frame, truth, symbology) for every condition, deterministically."""
    rng = np.random.default_rng(seed)
    for name, make in CONDITIONS.items():
        count = empty_frames if (name == "no code" and empty_frames is not None) else per_condition
        for _ in range(count):
            frame, truth, symbology = make(rng)
            yield name, webcam(rng, frame), truth, symbology
