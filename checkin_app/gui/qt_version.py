"""Refuse to start on a PySide6 known to abort the app, with a message that says what to install.

PySide6 6.12 on Python 3.11 loses a reference to True on every Signal.emit and aborts the whole
process after about 500 emits ("Fatal Python error: bool_dealloc"): at a door that is a window
vanishing a few minutes into the evening. pyproject.toml pins PySide6-Essentials below 6.12 on
Python < 3.12 and tests/gui/test_signal_storm.py guards the pin; this check covers an environment
that was installed around the pin (a hand-run pip install, a distribution package).
"""
from __future__ import annotations

import sys

import PySide6

from checkin_app.errors import ConfigError

#: The first PySide6 release with the fault, and the first Python that does not hit it
#: (tests/gui/test_qt_version.py checks both against pyproject.toml's pin).
BROKEN_FROM = (6, 12)
FIXED_ON_PYTHON = (3, 12)


def _release(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def problem(pyside: str, python: tuple[int, ...]) -> str | None:
    """Why this PySide6 cannot run the app on this Python, or None when it can."""
    if tuple(python[:2]) >= FIXED_ON_PYTHON or _release(pyside) < BROKEN_FROM:
        return None
    return (f"PySide6 {pyside} aborts on Python {python[0]}.{python[1]} after about 500 signals "
            f"(a crash a few minutes after opening the window); install the pinned version with "
            f"pip install 'PySide6-Essentials<{BROKEN_FROM[0]}.{BROKEN_FROM[1]}', or use Python "
            f"{FIXED_ON_PYTHON[0]}.{FIXED_ON_PYTHON[1]} or newer")


def check() -> None:
    """Raise a one-line ConfigError when the installed PySide6 is the faulty one on this Python."""
    reason = problem(PySide6.__version__, sys.version_info[:2])
    if reason is not None:
        raise ConfigError(reason)
