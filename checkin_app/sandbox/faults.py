"""What can go wrong on a simulated provider: injected faults and a rate-limit window.

Both are plain objects a test or the demo changes at run time (`sandbox.faults.fail_fraction = 0.1`);
the server asks them about every request under its lock.
"""
from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Decision:
    """What the server does with one request before (or instead of) handling it."""

    delay: float = 0.0
    reset: bool = False  # drop the connection without an answer
    fail_status: int | None = None  # answer this error instead of handling the request
    drop_response: bool = False  # handle the request, then drop the connection (outcome unknown to the caller)


@dataclass
class Faults:
    """Faults injected into a simulated API. Every field may be changed while the server runs.

    Attributes:
        fail_fraction: share of requests answered with `fail_status` (seeded draw).
        fail_status: the status of those answers (503 by default).
        reset_fraction: share of requests whose connection is reset without an answer.
        delay: seconds to wait before answering each matching request (longer than the client's
            timeout: a hung server).
        fail_next: statuses for the next matching requests, one each, in order.
        reset_next: the next this-many matching requests get a connection reset.
        drop_response_next: the next this-many matching requests are carried out, then their
            connection is reset, so the caller cannot know the outcome.
        match: only requests whose "METHOD /path" contains this text are affected (None: all).
        seed: seed of the fraction draws.
    """

    fail_fraction: float = 0.0
    fail_status: int = 503
    reset_fraction: float = 0.0
    delay: float = 0.0
    fail_next: list[int] = field(default_factory=list)
    reset_next: int = 0
    drop_response_next: int = 0
    match: str | None = None
    seed: int = 0
    _rng: random.Random | None = field(default=None, repr=False)

    def clear(self) -> None:
        """No faults at all."""
        self.fail_fraction = self.reset_fraction = self.delay = 0.0
        self.fail_next = []
        self.reset_next = self.drop_response_next = 0
        self.match = None

    def decide(self, method: str, path: str) -> Decision:
        """The fate of one request (consumes one-shot faults). Call under the server's lock."""
        if self.match is not None and self.match not in f"{method} {path}":
            return Decision()
        if self._rng is None:
            self._rng = random.Random(self.seed)
        decision = Decision(delay=self.delay)
        if self.reset_next > 0:
            self.reset_next -= 1
            decision.reset = True
        elif self.fail_next:
            decision.fail_status = self.fail_next.pop(0)
        elif self.drop_response_next > 0:
            self.drop_response_next -= 1
            decision.drop_response = True
        elif self.reset_fraction and self._rng.random() < self.reset_fraction:
            decision.reset = True
        elif self.fail_fraction and self._rng.random() < self.fail_fraction:
            decision.fail_status = self.fail_status
        return decision


def format_seconds(seconds: float, whole: bool) -> str:
    """Whole seconds (rounded up), as the real API sends them, or milliseconds for short test windows."""
    seconds = max(0.0, seconds)
    # Rounded up: a client that waits exactly this long must find the window reset.
    return str(math.ceil(seconds)) if whole else f"{math.ceil(seconds * 1000) / 1000:.3f}"


class RateWindow:
    """A fixed-window request budget, reported in `x-rate-limit-*` headers.

    Args:
        limit: requests per window; None for no limit (and no headers).
        window: window length in seconds (fractions allowed, to keep tests fast).
        clock: monotonic seconds.
    """

    def __init__(self, limit: int | None = 10_000, window: float = 1800.0, clock: Callable[[], float] = time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self.limit = limit
        self.window = window
        self.send_headers = True
        self._started: float | None = None
        self._used = 0

    def configure(self, limit: int | None, window: float) -> None:
        """Change the budget; a new window starts with the next request."""
        with self._lock:
            self.limit, self.window = limit, window
            self._started, self._used = None, 0

    def _roll(self, now: float) -> None:
        if self._started is None or now >= self._started + self.window:
            self._started, self._used = now, 0

    def consume(self, n: int) -> None:
        """Spend budget as another client of the same key would."""
        with self._lock:
            self._roll(self._clock())
            self._used += n

    def take(self) -> tuple[bool, dict[str, str], float]:
        """Spend one request.

        Returns:
            (allowed, headers to send, seconds until the window resets).
        """
        with self._lock:
            if self.limit is None:
                return True, {}, 0.0
            now = self._clock()
            self._roll(now)
            assert self._started is not None
            reset_in = self._started + self.window - now
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            headers = {
                "x-rate-limit-limit": str(self.limit),
                "x-rate-limit-remaining": str(max(0, self.limit - self._used)),
                "x-rate-limit-reset": format_seconds(reset_in, whole=self.window >= 10),
            } if self.send_headers else {}
            return allowed, headers, reset_in
