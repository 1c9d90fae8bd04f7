"""A small JSON API simulator on loopback, in the Ticket Tailor simulator's style, for other providers.

A subclass implements `respond(method, path, query, headers, body)`; this class serves it on
127.0.0.1 with a real `ThreadingHTTPServer`, applies the same injectable `Faults` (error statuses,
connection resets, delays, lost responses) and keeps a request log tests can read.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Any

from checkin_app.sandbox.faults import Faults
from checkin_app.sandbox.httpserver import LoggedRequest, LoopbackServed


class SimulatedApi(LoopbackServed):
    """Base of a simulated provider API (see the module doc).

    Args:
        prefix: the API root path (e.g. "/api", "/v9").
        port: 0 for any free port.
        seed: seed of the fault draws.
    """

    def __init__(self, prefix: str, *, port: int = 0, seed: int = 0):
        self.prefix = prefix
        self.faults = Faults(seed=seed)
        self.lock = threading.RLock()
        self._port = port
        self._entries: deque[LoggedRequest] = deque(maxlen=100_000)
        self.stopping = threading.Event()

    def respond(self, method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    # -- called by SimulatorHandler on server threads -------------------------------------------

    def decide(self, method: str, path: str):
        with self.lock:
            return self.faults.decide(method, path)

    def answer(self, method: str, path: str, query: dict[str, str], body: bytes, headers,
               decision) -> tuple[int, Any, dict[str, str]]:
        if decision.fail_status is not None:
            return decision.fail_status, {"error": "simulated failure"}, {}
        with self.lock:
            status, payload = self.respond(method, path, query, headers, body)
        return status, payload, {}

    @property
    def base_url(self) -> str:
        return self.served_url(self.prefix)

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self.lock:
            return list(self._entries)

    def requests_to(self, method: str, path_suffix: str) -> list[LoggedRequest]:
        return [r for r in self.request_log if r.method == method and r.path.endswith(path_suffix)]

    def log_request(self, entry: LoggedRequest) -> None:
        with self.lock:
            self._entries.append(entry)
