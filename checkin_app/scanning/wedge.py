"""Keyboard-wedge parser: tell a scanner's keystrokes from a person's, without Qt.

A USB/Bluetooth scanner in keyboard mode "types" a code in a burst, a few milliseconds per key,
usually ending with Enter (some send Tab, some nothing). People type 100-300 ms per key. The
parser holds keys back while they arrive faster than `max_key_gap_ms`; a held run becomes

- a **scan** when it is at least `min_length` characters and ends with Enter/Tab, or goes quiet for
  `idle_flush_ms` (scanners without a terminator);
- **typed** text otherwise, which the caller passes on unchanged (so a person's keys are delayed by
  at most one key gap, never eaten).

A burst made of one repeated character (a held key's auto-repeat) or containing a space (words,
not a ticket code) is never a scan. A scanner
that sends its code twice (`X⏎X⏎`, or `XX` with no terminator) yields one scan: the same code
within `duplicate_ms` of the last scan is dropped. Digits turned into symbols by the keyboard
layout (`&é"'(` on AZERTY for `12345`) are detected, reported once per layout as a
`layout_warning`, and translated back (`scanning.layouts`: exact once the layout is known).

The caller feeds every printable character and Enter ("\\r" or "\\n") / Tab ("\\t") with a
millisecond timestamp, calls `poll` from a timer so quiet gaps are noticed, and reads `pending`
(keys still held) to know which of its held key events are still undecided. Modifier keys (Shift,
AltGr, Caps Lock...) are never fed: a HID scanner presses Shift for every capital, and those
presses are neither characters nor gaps.

Key times must be when the keys were pressed, not when the program got round to them: keys queued
behind a busy GUI arrive together, and a person's 60 ms/key typing would look like a burst.
`KeyTimeline` maps the key events' own timestamps (the X server's, in ms) onto the caller's clock.
"""
from __future__ import annotations

from dataclasses import dataclass

from checkin_app.domain.codes import normalise
from checkin_app.errors import InvalidCode
from checkin_app.scanning import layouts

SCAN, TYPED, LAYOUT_WARNING = "scan", "typed", "layout_warning"
TERMINATORS = frozenset("\r\n\t")


@dataclass(frozen=True)
class WedgeEvent:
    """What a run of keys turned out to be.

    Args:
        kind: "scan", "typed" or "layout_warning".
        text: the code (scan), the characters to pass on, terminator included (typed), or the
            message (layout_warning).
        t_ms: the time of the key that decided it.
        layout: the layout a scan was translated from, or the one a warning is about.
        raw: for a scan, the characters as they arrived (before translation).
    """

    kind: str
    text: str
    t_ms: float
    layout: str | None = None
    raw: str = ""


class KeyTimeline:
    """Maps key events' own timestamps onto the local monotonic clock (both in ms).

    A key event's timestamp comes from another clock (the X server's time since it started, a
    Windows tick count). An event can only reach us after it happened, so `received - stamped` is
    the clocks' offset plus a delay that is never negative: the smallest value seen is the best
    estimate of the offset. Key times are `stamped + offset`, so the gaps between keys are the gaps
    the keyboard made, however late the program reads them.

    While a run of keys is held (`keep_offset`), the offset stays as it was at the run's first key:
    keys queued behind a busy GUI are read together, each later one less delayed, and lowering the
    offset key by key would shrink their gaps back to the reading times. (A run's keys may then lie
    a little in the future: a quiet gap is only noticed later, never sooner.)

    Args:
        reset_after_ms: a key that arrives this much later than the offset allows means the other
            clock restarted or wrapped (X server time wraps every 49.7 days): start again from it.
    """

    def __init__(self, reset_after_ms: float = 3_600_000.0):
        self.reset_after_ms = reset_after_ms
        self._offset: float | None = None

    def local_ms(self, stamped_ms: float, received_ms: float, keep_offset: bool = False) -> float:
        """The local time at which a key stamped `stamped_ms` (its own clock) and received at
        `received_ms` (local clock) was pressed."""
        offset = received_ms - stamped_ms
        if (self._offset is None or offset - self._offset > self.reset_after_ms
                or (offset < self._offset and not keep_offset)):
            self._offset = offset
        return stamped_ms + self._offset


class WedgeParser:
    """Split a keystroke stream into scans and typed text.

    Args:
        min_length: the shortest code a burst may carry (shorter bursts are typed text).
        max_key_gap_ms: the slowest key gap still counted as a scanner (scanners: 1-20 ms, slow
            Bluetooth ones up to ~30 ms; people rarely type four keys in a row under 50 ms).
        idle_flush_ms: quiet time that ends a burst without a terminator.
        duplicate_ms: the same code again within this time is the scanner repeating itself.
        translate_layouts: translate codes mangled by a detected layout (else pass them as read).
    """

    def __init__(self, min_length: int = 4, max_key_gap_ms: float = 35.0, idle_flush_ms: float = 100.0,
                 duplicate_ms: float = 1000.0, translate_layouts: bool = True):
        if idle_flush_ms < max_key_gap_ms:
            raise ValueError("idle_flush_ms must be at least max_key_gap_ms")
        self.min_length, self.max_key_gap_ms, self.idle_flush_ms = min_length, max_key_gap_ms, idle_flush_ms
        self.duplicate_ms, self.translate_layouts = duplicate_ms, translate_layouts
        self._buffer: list[str] = []
        self._last_key_ms: float | None = None
        self._last_scan: tuple[str, float] | None = None
        self._warned: set[str] = set()

    @property
    def pending(self) -> int:
        """How many fed characters are held, not yet decided."""
        return len(self._buffer)

    def feed(self, char: str, t_ms: float) -> list[WedgeEvent]:
        """One character (or "\\r", "\\n", "\\t") typed at `t_ms`; returns what got decided."""
        if len(char) != 1:
            raise ValueError("feed one character at a time")
        events: list[WedgeEvent] = []
        if self._buffer and t_ms - self._last_key_ms > self.max_key_gap_ms:
            events += self._finish(t_ms, terminator="")  # the held run ended before this key
        if char in TERMINATORS:
            if self._buffer:
                events += self._finish(t_ms, terminator=char)
            else:
                events.append(WedgeEvent(TYPED, char, t_ms))
            return events
        self._buffer.append(char)
        self._last_key_ms = t_ms
        return events

    def poll(self, t_ms: float) -> list[WedgeEvent]:
        """Decide a held run that has gone quiet (call from a timer, every ~`max_key_gap_ms`)."""
        if not self._buffer:
            return []
        quiet = t_ms - self._last_key_ms
        if quiet > self.idle_flush_ms or (quiet > self.max_key_gap_ms and not self._is_burst()):
            return self._finish(t_ms, terminator="")
        return []

    def flush(self, t_ms: float) -> list[WedgeEvent]:
        """Decide the held run now (another kind of key came, or focus changed)."""
        return self._finish(t_ms, terminator="") if self._buffer else []

    def next_deadline(self) -> float | None:
        """When `poll` may next decide something (ms), or None with nothing held."""
        if not self._buffer:
            return None
        return self._last_key_ms + (self.idle_flush_ms if self._is_burst() else self.max_key_gap_ms)

    def _is_burst(self) -> bool:
        # One repeated key is auto-repeat; whitespace inside means words (ticket codes have none).
        return (len(self._buffer) >= self.min_length and len(set(self._buffer)) > 1
                and not any(c.isspace() for c in self._buffer))

    def _finish(self, t_ms: float, terminator: str) -> list[WedgeEvent]:
        raw = "".join(self._buffer)
        is_burst = self._is_burst()
        self._buffer.clear()
        if not is_burst:
            return [WedgeEvent(TYPED, raw + terminator, t_ms)]
        return self._scan(raw, t_ms)

    def _scan(self, raw: str, t_ms: float) -> list[WedgeEvent]:
        events: list[WedgeEvent] = []
        text, layout_name = raw, None
        layout = layouts.detect(raw)
        if layout is not None:
            layout_name = layout.name
            if layout.name not in self._warned:
                self._warned.add(layout.name)
                action = "translated back" if self.translate_layouts else "left as read"
                events.append(WedgeEvent(LAYOUT_WARNING, (
                    f"the scanner types for a US keyboard but this computer uses {layout.name}: digits arrive "
                    f"as symbols ({raw!r}); codes are {action}. Set the scanner's keyboard language to match."),
                    t_ms, layout.name))
            if self.translate_layouts:
                text = layouts.translate(raw, layout)
        half = len(text) // 2
        if len(text) % 2 == 0 and half >= self.min_length and text[:half] == text[half:]:
            text = text[:half]  # a scanner that sends the code twice with no terminator in between
        try:
            code = normalise(text)
        except InvalidCode:
            return events
        last = self._last_scan
        self._last_scan = (code, t_ms)
        if last is not None and last[0] == code and t_ms - last[1] <= self.duplicate_ms:
            return events
        events.append(WedgeEvent(SCAN, code, t_ms, layout_name, raw))
        return events
