"""Real key events through the X server with `xdotool`: a USB HID scanner, a person, single keys.

A HID barcode scanner is a keyboard: for each character it sends the key of its configured layout,
with a real Shift press before a capital (and AltGr before an AltGr character) and the release
after it, a few milliseconds per character. `Keyboard.scan` reproduces exactly that sequence
(keydown Shift_L, keydown k, keyup k, keyup Shift_L), so the application sees what it would see
from a scanner: Shift key events, the modifier state, Caps Lock's effect, X server timestamps.

Every call returns an `XdoJob` at once (xdotool runs in the background): the GUI thread must keep
running its event loop to receive the keys, so tests start a job inside `qtbot.waitSignal(...)`
and wait on the signal the keys cause; `XdoJob.wait(qtbot)` waits for xdotool itself to finish.
"""
from __future__ import annotations

import string
import subprocess
from dataclasses import dataclass

from tests.realx.geometry import fills_screen

# A key of the scanner's layout: (keysym of the key's unshifted level, modifier keysyms held for it).
Stroke = tuple[str, tuple[str, ...]]

_US_PUNCT = {" ": "space", "-": "minus", "=": "equal", "[": "bracketleft", "]": "bracketright",
             "\\": "backslash", ";": "semicolon", "'": "apostrophe", ",": "comma", ".": "period",
             "/": "slash", "`": "grave"}
_US_SHIFTED = dict(zip("~!@#$%^&*()_+{}|:\"<>?", "`1234567890-=[]\\;',./"))
# German (de) layout: what differs from US that our tests use (AltGr = ISO_Level3_Shift).
_DE_ALTGR = {"@": "q", "€": "e", "{": "7", "[": "8", "]": "9", "}": "0", "\\": "ssharp", "~": "plus", "|": "less"}
_DE_SHIFTED = {"!": "1", '"': "2", "§": "3", "$": "4", "%": "5", "&": "6", "/": "7", "(": "8", ")": "9",
               "=": "0", "?": "ssharp", "_": "minus", ":": "period", ";": "comma", "*": "plus", ">": "less"}
_DE_PUNCT = {" ": "space", "-": "minus", ".": "period", ",": "comma", "+": "plus", "<": "less", "#": "numbersign"}

SHIFT, ALTGR = "Shift_L", "ISO_Level3_Shift"


def stroke(char: str, layout: str = "us") -> Stroke:
    """The key and modifiers a scanner set to `layout` ("us" or "de") sends for `char`."""
    if char in string.ascii_lowercase or char in string.digits:
        return char, ()
    if char in string.ascii_uppercase:
        return char.lower(), (SHIFT,)
    if layout == "us":
        if char in _US_PUNCT:
            return _US_PUNCT[char], ()
        if char in _US_SHIFTED:
            return _US_PUNCT.get(_US_SHIFTED[char], _US_SHIFTED[char]), (SHIFT,)
    elif layout == "de":
        if char in _DE_PUNCT:
            return _DE_PUNCT[char], ()
        if char in _DE_SHIFTED:
            return _DE_SHIFTED[char], (SHIFT,)
        if char in _DE_ALTGR:
            return _DE_ALTGR[char], (ALTGR,)
    raise ValueError(f"no key for {char!r} on a {layout} scanner")


@dataclass
class XdoJob:
    """One xdotool run in the background."""

    proc: subprocess.Popen
    script: str

    def done(self) -> bool:
        return self.proc.poll() is not None

    def wait(self, qtbot, timeout_ms: int = 60_000) -> None:
        """Until xdotool has sent everything (the event loop keeps running meanwhile)."""
        qtbot.waitUntil(self.done, timeout=timeout_ms)
        err = self.proc.stderr.read() if self.proc.stderr else ""
        assert self.proc.returncode == 0, f"xdotool failed ({self.proc.returncode}): {err}\n{self.script[:500]}"


class Keyboard:
    """xdotool on one X display.

    Args:
        display: the DISPLAY to send to (":1").
    """

    def __init__(self, display: str):
        self.display = display
        self.jobs: list[XdoJob] = []
        self.caps_lock = False

    def run_script(self, lines: list[str]) -> XdoJob:
        """Run xdotool commands (one per line, xdotool's script syntax) in the background."""
        script = "\n".join(lines) + "\n"
        proc = subprocess.Popen(["xdotool", "-"], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={"DISPLAY": self.display, "PATH": "/usr/bin:/bin"})
        proc.stdin.write(script)
        proc.stdin.close()
        job = XdoJob(proc, script)
        self.jobs.append(job)
        return job

    @staticmethod
    def char_lines(char: str, layout: str = "us") -> list[str]:
        """xdotool lines for one character the way a HID scanner sends it: modifiers down, key, up."""
        key, mods = stroke(char, layout)
        return ([f"keydown --delay 0 {m}" for m in mods] + [f"keydown --delay 0 {key}", f"keyup --delay 0 {key}"]
                + [f"keyup --delay 0 {m}" for m in reversed(mods)])

    def scan_lines(self, code: str, ms_per_key: float = 4.0, terminator: str | None = "Return",
                   layout: str = "us", slower_after: dict[int, float] | None = None) -> list[str]:
        lines: list[str] = []
        for i, char in enumerate(code):
            lines += self.char_lines(char, layout)
            lines.append(f"sleep {(slower_after or {}).get(i, ms_per_key) / 1000:.4f}")
        if terminator:
            lines.append(f"key --delay 0 {terminator}")
        return lines

    def scan(self, code: str, ms_per_key: float = 4.0, terminator: str | None = "Return",
             layout: str = "us", slower_after: dict[int, float] | None = None) -> XdoJob:
        """Send `code` as a USB HID scanner would: Shift (AltGr) pressed and released per character.

        `slower_after`: {index: ms}: a longer gap after that character (a scanner's jitter)."""
        return self.run_script(self.scan_lines(code, ms_per_key, terminator, layout, slower_after))

    def scans(self, codes: list[str], ms_per_key: float = 4.0, pause_ms: float = 300.0, layout: str = "us") -> XdoJob:
        """Many scans in one xdotool run, `pause_ms` between them (a person presenting the next ticket)."""
        lines: list[str] = []
        for code in codes:
            lines += self.scan_lines(code, ms_per_key, "Return", layout)
            lines.append(f"sleep {pause_ms / 1000:.4f}")
        return self.run_script(lines)

    def type_human(self, text: str, ms_per_key: float = 60.0, layout: str = "us") -> XdoJob:
        """Type as a person: the same real key events, `ms_per_key` apart."""
        return self.scan(text, ms_per_key=ms_per_key, terminator=None, layout=layout)

    def press(self, *keys: str) -> XdoJob:
        """Press and release keys or chords in turn: "F11", "Escape", "space", "ctrl+f", "super+Up"."""
        return self.run_script([f"key --delay 0 {k}" for k in keys])

    def toggle_caps_lock(self, qtbot) -> None:
        """Press Caps Lock once (as staff do by accident); `close` turns it off again."""
        self.press("Caps_Lock").wait(qtbot)
        self.caps_lock = not self.caps_lock

    def set_layout(self, layout: str) -> None:
        """Switch the X server's keyboard layout ("us", "de", "fr")."""
        subprocess.run(["setxkbmap", "-display", self.display, layout], check=True, timeout=10)

    def activate(self, window, qtbot, timeout_ms: int = 10_000) -> None:
        """Make `window` (a top-level QWidget) the active window through the window manager."""
        self.run_script([f"windowactivate {int(window.winId())}"]).wait(qtbot, timeout_ms)
        qtbot.waitUntil(window.isActiveWindow, timeout=timeout_ms)

    def maximise(self, window, qtbot, timeout_ms: int = 10_000) -> None:
        """Maximise `window` as a user does (Super+Up, bound in openbox) and wait until it is."""
        self.activate(window, qtbot, timeout_ms)
        self.press("super+Up").wait(qtbot, timeout_ms)
        qtbot.waitUntil(lambda: fills_screen(window), timeout=timeout_ms)

    def close(self) -> None:
        """Stop any xdotool still running (a failed test must not type into the next one)."""
        for job in self.jobs:
            if not job.done():
                job.proc.kill()
                job.proc.wait()
        self.jobs.clear()
        if self.caps_lock:  # no Qt needed to press a key: wait on xdotool alone
            self.run_script(["key --delay 0 Caps_Lock"]).proc.wait(timeout=10)
            self.caps_lock = False
