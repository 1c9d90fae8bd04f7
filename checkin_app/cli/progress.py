"""Progress people can see: a bar on a terminal, plain lines when piped, nothing with `--json`.

Always on stderr, so stdout keeps only the command's result (and exactly one JSON document with
`--json`). Services report through the callbacks they already take (`sync`'s (what, done, total),
`bench`'s messages and counts); this module only renders. The bar is tqdm's (counts, rate, elapsed).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TextIO

# Piped output (a log file, CI) gets at most one line per second per counter, plus the final one:
# a 1,000,000-ticket sync is ~10,000 pages, and a line per page would bury the result.
LINE_EVERY_S = 1.0


class Progress:
    """The progress of one command, rendered for where stderr goes.

    Args:
        args: the parsed command line (`--json` turns progress off).
        stream: where to render (stderr).
    """

    def __init__(self, args: argparse.Namespace, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        if getattr(args, "json", False):
            self.mode = "off"
        else:
            self.mode = "bar" if _is_terminal(self.stream) else "lines"
        self.failed = False

    def note(self, message: str) -> None:
        """A phase of the work ("importing ..."): one line, above any bar."""
        if self.mode == "bar":
            from tqdm import tqdm

            tqdm.write(message, file=self.stream)
        elif self.mode == "lines":
            print(message, file=self.stream, flush=True)

    def error(self, message: str) -> None:
        """A user error on the way (one file of many): its line, and no progress lines after it.

        A run that fails ends its stderr with its error lines, as the CLI contract says, not with a
        count that would bury them in a log.
        """
        self.failed = True
        if self.mode != "off":
            self.note(f"error: {message}")

    def counter(self, what: str, total: int | None = None, unit: str = "tickets", periodic: bool = True) -> "Counter":
        """A count to show; `periodic=False`: when piped, only the closing line (a few quick steps)."""
        return Counter(self, what, total, unit, periodic)


class Counter:
    """One count going up (tickets pulled, files decoded); `update` takes the count so far."""

    def __init__(self, progress: Progress, what: str, total: int | None, unit: str, periodic: bool = True):
        self.progress, self.what, self.total, self.unit = progress, what, total, unit
        self.periodic = periodic
        self.done = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar = None
        self._closed = False
        if progress.mode == "bar":
            from tqdm import tqdm

            # A pseudo-terminal nobody sized (`script`, some CI runners) says 0x0, where tqdm draws
            # nothing at all: draw 80x24 there, else follow the terminal's size.
            sized = _columns(progress.stream) > 0
            self._bar = tqdm(desc=what, total=total, unit=f" {unit}", file=progress.stream, dynamic_ncols=sized,
                             ncols=None if sized else 80, nrows=None if sized else 24, mininterval=0.1,
                             leave=True, unit_scale=False)

    def update(self, done: int, what: str | None = None) -> None:
        if what and what != self.what:
            self.what = what
            if self._bar is not None:
                self._bar.set_description_str(what, refresh=False)
        delta, self.done = done - self.done, done
        if self._bar is not None:
            if delta > 0:
                self._bar.update(delta)
        elif self._lines():
            now = time.monotonic()
            finishing = self.total is not None and done >= self.total  # the closing line says it
            if self.periodic and not finishing and now - self._last_line >= LINE_EVERY_S:
                self._last_line = now
                self._line(now)

    def advance(self, n: int = 1, what: str | None = None) -> None:
        self.update(self.done + n, what)

    def close(self, completed: bool = True) -> None:
        """End the count; the closing line (when piped) only for work that completed without errors."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        elif completed and self._lines():
            self._line(time.monotonic(), final=True)

    def _lines(self) -> bool:
        return self.progress.mode == "lines" and not self.progress.failed

    def _line(self, now: float, final: bool = False) -> None:
        elapsed = max(now - self.started, 1e-6)
        count = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "")
        tail = f" in {elapsed:.1f} s" if final else " so far"
        print(f"  {self.what}: {count} {self.unit}{tail} ({self.done / elapsed:,.0f} {self.unit}/s)",
              file=self.progress.stream, flush=True)

    def __enter__(self) -> "Counter":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        self.close(completed=exc_type is None)  # the error's own line says why it stopped


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream (pytest's capture)
        return False
