"""Request nonces a door has seen, remembered until they expire: refusing replays in O(1).

The verifier used to prune its dict by rebuilding it whole on every request once it held more
than 1,024 nonces, and every nonce inside the window survives a prune, so a busy door rebuilt a
dict of every request of the last ten minutes on every request: quadratic in the request rate
(issue 18). Here nonces sit in a dict for the lookup and in a deque in the order they were seen,
so expiring is popping from the old end: each nonce is added once and removed once.
"""
from __future__ import annotations

import threading
from collections import deque


class NonceCache:
    """Nonces seen within the last `keep_s` seconds (thread-safe).

    Args:
        keep_s: how long a nonce is remembered. A request older than the clock window is refused
            by its time anyway, so twice the window covers any two clocks that both pass.

    Only requests whose signature checked get here, so only a key holder adds nonces; none is
    forgotten early (that would let a captured request be replayed inside the window).
    """

    def __init__(self, keep_s: float):
        self.keep_s = keep_s
        self._seen: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def add(self, nonce: str, now: float) -> bool:
        """Remember `nonce` seen at `now`; False (and nothing changes) when it was already seen."""
        with self._lock:
            self._expire(now)
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            self._order.append((now, nonce))
            return True

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        horizon = now - self.keep_s
        # Times are the server's clock when each nonce arrived: non-decreasing unless the clock
        # steps back, in which case a few nonces live a little longer (never shorter).
        while self._order and self._order[0][0] < horizon:
            _, nonce = self._order.popleft()
            self._seen.pop(nonce, None)
