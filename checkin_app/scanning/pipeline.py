"""Frames in, confirmed scans out: grayscale, decode, a fallback pass for hard frames, confirm, suppress.

The first pass is one plain decode of the grayscale frame. Only when it finds nothing does a second
pass try cheap rescues, stopping at the first that reads something: a contrast stretch (CLAHE) for
low light and glare, a light blur against moiré and sensor noise, a half-size image (averaging
beats moiré and defocus), and a 1.5x enlargement for codes held far away. Reads are normalised
(`domain.codes.normalise`); text that cannot be a ticket code is dropped. A code becomes a scan
when confirmed (see `Confirmer`) and is then suppressed while it stays in view, plus a window.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from checkin_app.domain.codes import normalise
from checkin_app.errors import InvalidCode
from checkin_app.scanning import formats as fmt
from checkin_app.scanning.decoders import Decoder, Read, make_decoder


@dataclass(frozen=True)
class Scan:
    """A confirmed code, ready for `services.checkin`.

    Args:
        code: the normalised ticket code.
        symbology: our symbology name.
        position: corner points in the frame where it was confirmed.
        at: the pipeline clock (seconds) when it was confirmed.
        frame: the index of the frame that confirmed it.
    """

    code: str
    symbology: str
    position: tuple[tuple[int, int], ...]
    at: float
    frame: int


@dataclass
class FrameResult:
    """What one frame gave.

    Args:
        index: frame number since the pipeline started (0-based).
        reads: every acceptable code read in this frame (normalised), confirmed or not.
        scans: codes newly confirmed by this frame (usually empty).
        ms: wall time spent on this frame (conversion + all passes + confirmation).
        rescue: None when the first pass read something or nothing rescued the frame, else the
            name of the second-pass step that did ("clahe", "blur", "half", "enlarge").
        second_pass: True when the second pass ran (the first found nothing).
    """

    index: int
    reads: list[Read] = field(default_factory=list)
    scans: list[Scan] = field(default_factory=list)
    ms: float = 0.0
    rescue: str | None = None
    second_pass: bool = False

    def stats(self) -> dict:
        """A small dict for status displays (the camera worker's `frameStats`)."""
        return {"frame": self.index, "ms": round(self.ms, 2), "reads": len(self.reads),
                "scans": len(self.scans), "second_pass": self.second_pass, "rescue": self.rescue}


_CLAHE = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))


def _clahe(gray: np.ndarray) -> tuple[np.ndarray, float]:
    return _CLAHE.apply(gray), 1.0


def _blur(gray: np.ndarray) -> tuple[np.ndarray, float]:
    return cv2.GaussianBlur(gray, (5, 5), 0), 1.0


def _half(gray: np.ndarray) -> tuple[np.ndarray, float]:
    return cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), 2.0


def _enlarge(gray: np.ndarray) -> tuple[np.ndarray, float]:
    return cv2.resize(gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC), 1 / 1.5


#: Second-pass steps, in order; each returns (image, factor back to frame coordinates).
RESCUES: tuple[tuple[str, Callable[[np.ndarray], tuple[np.ndarray, float]]], ...] = (
    ("clahe", _clahe), ("blur", _blur), ("half", _half), ("enlarge", _enlarge),
)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """An 8-bit single-channel view of a BGR, BGRA or gray frame."""
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def accept(reads: list[Read], symbologies: frozenset[str]) -> list[Read]:
    """Normalised reads that can be ticket codes, in an allowed symbology, one per (code, symbology)."""
    out, seen = [], set()
    for r in reads:
        if r.symbology not in symbologies:
            continue
        try:
            code = normalise(r.text)
        except InvalidCode:
            continue
        if (code, r.symbology) not in seen:
            seen.add((code, r.symbology))
            out.append(Read(code, r.symbology, r.position))
    return out


class Confirmer:
    """Decides when a read becomes a scan, and suppresses repeats.

    A read of a self-checking symbology (QR, Aztec, DataMatrix, PDF417: Reed-Solomon; Code128,
    EAN/UPC: mandatory check character) confirms at once; Code39 and ITF need a second frame that
    reads the same text within `confirm_window_s`. A confirmed code is suppressed while it keeps
    being read and for `repeat_window_s` after it was last read, so a phone held up for ten
    seconds is one scan, and showing it again after the window is a new scan (the verdict engine
    then says "already checked in").

    Args:
        repeat_window_s: quiet time after the last read before the same code scans again.
        confirm_window_s: how far apart two frames may be to confirm a Code39/ITF read.
    """

    def __init__(self, repeat_window_s: float = 3.0, confirm_window_s: float = 1.0):
        self.repeat_window_s, self.confirm_window_s = repeat_window_s, confirm_window_s
        self._last_seen: dict[str, float] = {}  # confirmed codes -> last read time
        self._pending: dict[str, tuple[float, int]] = {}  # unconfirmed code -> (first read time, frame)

    def feed(self, reads: list[Read], t: float, frame: int) -> list[Scan]:
        """The scans confirmed by this frame's reads (at pipeline time `t`)."""
        self._forget(t)
        scans = []
        for r in reads:
            if r.text in self._last_seen:
                self._last_seen[r.text] = t
                continue
            pending = self._pending.get(r.text)
            if r.symbology in fmt.SELF_CHECKING or (pending is not None and pending[1] != frame):
                self._pending.pop(r.text, None)
                self._last_seen[r.text] = t
                scans.append(Scan(r.text, r.symbology, r.position, t, frame))
            elif pending is None:
                self._pending[r.text] = (t, frame)
        return scans

    def _forget(self, t: float) -> None:
        for code, seen in list(self._last_seen.items()):
            if t - seen > self.repeat_window_s:
                del self._last_seen[code]
        for code, (first, _) in list(self._pending.items()):
            if t - first > self.confirm_window_s:
                del self._pending[code]


class ScanPipeline:
    """Frames to scans.

    Args:
        decoder: a `Decoder` (default: zxing-cpp restricted to `symbologies`).
        symbologies: what to accept (`formats.for_providers(...)` for a configured door).
        rescue: run the second pass on frames where the first found nothing.
        repeat_window_s, confirm_window_s: see `Confirmer`.
        clock: seconds, monotonic; injectable so tests and video files use frame time.
    """

    def __init__(self, decoder: Decoder | None = None, symbologies: frozenset[str] = fmt.ALL, *,
                 rescue: bool = True, repeat_window_s: float = 3.0, confirm_window_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.symbologies = frozenset(symbologies)
        self.decoder = decoder or make_decoder("zxing", self.symbologies)
        self.rescue = rescue
        self.confirmer = Confirmer(repeat_window_s, confirm_window_s)
        self._clock = clock
        self._index = 0

    def read(self, frame: np.ndarray) -> FrameResult:
        """Decode one frame (both passes as needed) without confirming anything."""
        start = time.perf_counter()
        result = FrameResult(self._index)
        gray = to_gray(frame)
        result.reads = accept(self.decoder.decode(gray), self.symbologies)
        if not result.reads and self.rescue:
            result.second_pass = True
            for name, step in RESCUES:
                image, back = step(gray)
                reads = accept(self.decoder.decode(image), self.symbologies)
                if reads:
                    result.reads = [Read(r.text, r.symbology, _scale(r.position, back)) for r in reads]
                    result.rescue = name
                    break
        result.ms = (time.perf_counter() - start) * 1000
        return result

    def process(self, frame: np.ndarray, t: float | None = None) -> FrameResult:
        """Decode one frame and return it with any newly confirmed scans.

        Args:
            frame: BGR or gray uint8 frame.
            t: the frame's time in seconds (default: the pipeline clock).
        """
        start = time.perf_counter()
        result = self.read(frame)
        result.scans = self.confirmer.feed(result.reads, self._clock() if t is None else t, self._index)
        result.ms = (time.perf_counter() - start) * 1000
        self._index += 1
        return result


def _scale(position: tuple[tuple[int, int], ...], factor: float) -> tuple[tuple[int, int], ...]:
    if factor == 1.0:
        return position
    return tuple((int(round(x * factor)), int(round(y * factor))) for x, y in position)
