"""Frames in, confirmed scans out: grayscale, decode, the full read and rescue for hard frames, confirm, suppress.

Never worse than the library it is built on (issue 15): every still image gets the library's full
read (zxing-cpp's `read_barcodes` with its own defaults: rotations, downscales, inversion, at full
resolution, restricted to the door's symbologies), so the pipeline reads at least what plain
zxing-cpp reads, and the rescue steps of `scanning.rescue` (strong sharpen, half size, enlarge,
denoise, a quarter turn) only add to it, each read checked by its symbology's own check
(`scanning.checks`).

On a live stream (`process`) the first pass is cheaper (no rotation search: 3.6 against 7.5 ms on
a busy 1280x720 frame). When it reads nothing, finds a symbol it cannot decode, or reads a 1D code
with bars right outside it, the full read and then the rescue steps get their chance, within a CPU budget: at most once per
`rescue_interval_s` (default: every other frame at 30 fps; a ticket stays in view for many frames,
so a hard one waits one frame longer), and not while the scene is the same as the last frame they
failed on. A frame where the first pass found a symbol it could not decode (a checksum error)
may jump the interval, but not twice in a row: it is the likeliest to be read by the full search,
and a scene full of symbols that never decode still costs at most two second passes in three
frames.

Reads are normalised (`domain.codes.normalise`); a read with nothing usable in it, a symbology the
door does not accept, or a 1D
read from the cheap pass or a rescue step with bars right outside it (a piece of a longer barcode)
is dropped. A code becomes a scan when confirmed (see `Confirmer`) and is then suppressed while it
stays in view, plus a window.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from collections.abc import Sequence

import cv2
import numpy as np

from checkin_app.domain.codes import MAX_CODE_LENGTH, normalise
from checkin_app.errors import InvalidCode
from checkin_app.scanning import formats as fmt
from checkin_app.scanning import rescue as rescues
from checkin_app.scanning.checks import passes_own_check
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
        rescue: None when no rescue step read the frame, else the name of the step that did
            (see `rescue.STEPS`).
        full_read: True when the library's full read ran (always on a still image).
        second_pass: True when the rescue steps ran (the full read found nothing).
        rescue_skipped: True when a stream frame's first pass found nothing but the full read and
            rescue were not run (same scene as the last that read nothing, or within the budget).
        unreadable: the first pass found a symbol it could not decode (a stream frame).
    """

    index: int
    reads: list[Read] = field(default_factory=list)
    scans: list[Scan] = field(default_factory=list)
    ms: float = 0.0
    rescue: str | None = None
    full_read: bool = False
    second_pass: bool = False
    rescue_skipped: bool = False
    unreadable: bool = False

    def stats(self) -> dict:
        """A small dict for status displays (the camera worker's `frameStats`)."""
        return {"frame": self.index, "ms": round(self.ms, 2), "reads": len(self.reads),
                "scans": len(self.scans), "full_read": self.full_read, "second_pass": self.second_pass,
                "rescue": self.rescue, "rescue_skipped": self.rescue_skipped}


def to_gray(frame: np.ndarray) -> np.ndarray:
    """An 8-bit single-channel view of a BGR, BGRA or gray frame."""
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def accept(reads: list[Read], symbologies: frozenset[str]) -> list[Read]:
    """Reads in an allowed symbology, normalised, one per (code, symbology).

    A read with nothing usable in it (empty once terminators and control characters are gone) is
    dropped. A read longer than any ticket code is kept whole: the check-in service refuses it
    ("code too long"), so the door shows a refusal instead of ignoring a code the library read.
    """
    out, seen = [], set()
    for r in reads:
        if r.symbology not in symbologies or r.error:
            continue
        try:
            code = normalise(r.text)
        except InvalidCode:
            if len(r.text) <= MAX_CODE_LENGTH:
                continue
            code = r.text
        if (code, r.symbology) not in seen:
            seen.add((code, r.symbology))
            out.append(Read(code, r.symbology, r.position, variant=r.variant))
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
        rescue_steps: the second pass's steps, in order (names in `rescue.STEPS`).
        rescue_interval_s: on a stream, the least time between two second passes.
        repeat_window_s, confirm_window_s: see `Confirmer`.
        clock: seconds, monotonic; injectable so tests and video files use frame time.
    """

    def __init__(self, decoder: Decoder | None = None, symbologies: frozenset[str] = fmt.ALL, *,
                 rescue: bool = True, rescue_steps: Sequence[str] = rescues.DEFAULT_STEPS,
                 rescue_interval_s: float = 0.06, repeat_window_s: float = 3.0, confirm_window_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.symbologies = frozenset(symbologies)
        self.decoder = decoder or make_decoder("zxing", self.symbologies)
        self.rescue = rescue
        steps = list(rescue_steps)
        if not getattr(self.decoder, "searches_inverted", False) and "invert" not in steps:
            steps.insert(0, "invert")  # dark-mode wallets, for decoders that do not look for them
        if not self.symbologies & rescues.LINEAR:
            steps = [s for s in steps if s != "turned"]  # a quarter turn only helps 1D codes
        self.rescue_steps = [(name, rescues.STEPS[name]) for name in steps]
        self._last_rescued_thumb: np.ndarray | None = None
        self.rescue_interval_s = rescue_interval_s
        self._last_rescue_t: float | None = None
        self._last_was_early = False  # the last second pass ran inside the interval (an urgent frame)
        self.confirmer = Confirmer(repeat_window_s, confirm_window_s)
        self._clock = clock
        self._index = 0

    def read(self, frame: np.ndarray, stream_t: float | None = None) -> FrameResult:
        """Decode one frame (the passes it needs) without confirming anything.

        Args:
            frame: BGR or gray uint8.
            stream_t: the frame's time on a live stream, or None for a still image. A still image
                always gets the library's full read (so it never reads less than the plain
                library), then the rescue steps if that read nothing. A stream frame gets the
                cheap first pass, and only when it read nothing, found a symbol it could not
                decode, or read a 1D code with bars right outside it, the full read and then the
                rescue steps, within the CPU budget: not when the scene looks the same as the last
                frame that went through them and read nothing (an idle door: the same wall, frame
                after frame), nor when they ran less than `rescue_interval_s` ago, unless the
                first pass found an undecodable symbol and the last one did not jump the interval.
        """
        start = time.perf_counter()
        result = FrameResult(self._index)
        gray = to_gray(frame)
        if stream_t is None:
            result.full_read = True
            result.reads = accept(self.decoder.decode_full(gray), self.symbologies)
            if not result.reads and self.rescue:
                found = self._found(self.decoder.decode(gray, fast=False, unreadable=True))
                self._rescue(gray, result, found, stream=False)
        else:
            self._stream_read(gray, stream_t, result)
        result.ms = (time.perf_counter() - start) * 1000
        return result

    def _stream_read(self, gray: np.ndarray, t: float, result: FrameResult) -> None:
        first = self.decoder.decode(gray, fast=False, unreadable=True)
        result.unreadable = bool(self._found(first))
        reads = accept([r for r in first if not r.error], self.symbologies)
        clear = [r for r in reads if self._quiet_zones_clear(gray, r)]
        doubtful = len(clear) < len(reads)  # a piece of a longer barcode? the full read decides
        result.reads = clear
        if clear and not doubtful and not result.unreadable:
            return
        if self._skip_second_pass(gray, t, urgent=result.unreadable or doubtful):
            result.rescue_skipped = True
            return
        self._last_rescue_t = t
        result.full_read = True
        seen = {(r.text, r.symbology) for r in clear}
        result.reads += [r for r in accept(self.decoder.decode_full(gray), self.symbologies)
                         if (r.text, r.symbology) not in seen]
        if not result.reads and self.rescue:
            self._rescue(gray, result, self._found(first), stream=True)
        if not result.reads:
            self._last_rescued_thumb = self._thumb(gray)

    def _found(self, reads: list[Read], most: int = 3) -> list[Read]:
        """Symbols of the door's symbologies the decoder found but could not read (at most `most`)."""
        return [r for r in reads if r.error and r.symbology in self.symbologies and len(r.position) == 4][:most]

    def _rescue(self, gray: np.ndarray, result: FrameResult, found: list[Read], stream: bool) -> None:
        """The image fixes, in order, until one gives a read that passes its symbology's check.

        First each symbol the decoder found but could not read, turned upright (`rescue.deskewed`),
        then the whole-image steps. A rescued Code39 (or an ITF without a GS1 check digit) has
        nothing to check it by: a still image drops it, a stream keeps it for the `Confirmer`, which
        needs a second agreeing frame.
        """
        result.second_pass = True
        targeted = [("deskew", lambda g, q=r.position: rescues.deskewed(g, q)) for r in found]
        for name, step in [*targeted, *self.rescue_steps]:
            image, to_frame = step(gray)
            if min(image.shape[:2]) < 8:
                continue  # a found symbol's corners off the frame: nothing to read there
            reads = [r for r in self._decode(image, fast=True)
                     if passes_own_check(r.symbology, r.text, r.variant) or (stream and r.symbology not in fmt.SELF_CHECKING)]
            if reads:
                result.reads = [Read(r.text, r.symbology, tuple(map(to_frame, r.position)), variant=r.variant) for r in reads]
                result.rescue = name
                return

    @staticmethod
    def _thumb(gray: np.ndarray) -> np.ndarray:
        # 80x45 by area averaging: sensor noise averages out, a hand or a ticket does not.
        return cv2.resize(gray, (80, 45), interpolation=cv2.INTER_AREA).astype(np.int16)

    def _skip_second_pass(self, gray: np.ndarray, t: float, urgent: bool, max_cell_diff: int = 10) -> bool:
        early = self._last_rescue_t is not None and 0 <= t - self._last_rescue_t < self.rescue_interval_s
        # An urgent frame may jump the interval, but not twice in a row: a scene full of symbols
        # that never decode (a damaged code on a shirt) then costs at most two second passes in
        # three frames instead of one in two, never one on every frame.
        if early and (not urgent or self._last_was_early):
            return True
        # The largest change of any 16x16 cell, not the mean: a small phone far away changes a
        # few cells a lot and the rest not at all.
        if (self._last_rescued_thumb is not None
                and int(np.abs(self._thumb(gray) - self._last_rescued_thumb).max()) < max_cell_diff):
            return True
        self._last_was_early = early
        return False

    def _decode(self, image: np.ndarray, fast: bool) -> list[Read]:
        reads = accept(self.decoder.decode(image, fast=fast), self.symbologies)
        return [r for r in reads if self._quiet_zones_clear(image, r)]

    @staticmethod
    def _quiet_zones_clear(image: np.ndarray, read: Read) -> bool:
        # EAN/UPC are left out: fixed length and guard bars already rule out a piece of a longer
        # code, and the digit printed left of an EAN-13 sits in its quiet zone (a real photo's
        # thin EAN strip was lost to this check).
        if read.symbology not in rescues.LINEAR or read.symbology == fmt.EAN_UPC:
            return True
        return rescues.quiet_zones_clear(image, read.position)

    def process(self, frame: np.ndarray, t: float | None = None) -> FrameResult:
        """Decode one frame and return it with any newly confirmed scans.

        Args:
            frame: BGR or gray uint8 frame.
            t: the frame's time in seconds (default: the pipeline clock).
        """
        start = time.perf_counter()
        t = self._clock() if t is None else t
        result = self.read(frame, stream_t=t)
        result.scans = self.confirmer.feed(result.reads, t, self._index)
        result.ms = (time.perf_counter() - start) * 1000
        self._index += 1
        return result

