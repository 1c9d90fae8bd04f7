"""Waiting for a condition in tests without sleeping a fixed time (qtbot.waitUntil's habit, for
state outside Qt: another process, a server thread, a database)."""
from __future__ import annotations

import threading
import time
from typing import Callable


def poll(predicate: Callable[[], object], timeout: float = 20.0, every: float = 0.02) -> float:
    """Call `predicate` every `every` seconds until it is true; returns the seconds it took.

    Raises AssertionError after `timeout` seconds, so a test fails instead of hanging.
    """
    start = time.monotonic()
    tick = threading.Event()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        tick.wait(every)
    return time.monotonic() - start
