"""A small JSON API simulator on loopback, in the Ticket Tailor simulator's style, for other providers.

A subclass implements `respond(method, path, query, headers, body)`; this class serves it on
127.0.0.1 with a real `ThreadingHTTPServer`, applies the same injectable `Faults` (error statuses,
connection resets, delays, lost responses) and keeps a request log tests can read.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from checkin_app.sandbox.faults import Faults
from checkin_app.sandbox.httpserver import QuietServer, reset_connection
from checkin_app.sandbox.tickettailor import LoggedRequest


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        sim: SimulatedApi = self.server.sim  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        with sim.lock:
            decision = sim.faults.decide(method, url.path)
        if decision.delay and sim._stopping.wait(decision.delay):
            self._reset()
            return
        if decision.reset:
            sim._log(LoggedRequest(method, url.path, query, None, "reset"))
            self._reset()
            return
        if decision.fail_status is not None:
            status, payload = decision.fail_status, {"error": "simulated failure"}
        else:
            with sim.lock:
                status, payload = sim.respond(method, url.path, query, self.headers, body)
        if decision.drop_response:
            sim._log(LoggedRequest(method, url.path, query, None, f"dropped {status}"))
            self._reset()
            return
        sim._log(LoggedRequest(method, url.path, query, status, "injected" if decision.fail_status else None))
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        reset_connection(self)


class SimulatedApi:
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
        self._stopping = threading.Event()
        self._server: QuietServer | None = None

    def respond(self, method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def start(self):
        if self._server is None:
            self._stopping.clear()
            self._server = QuietServer(("127.0.0.1", self._port), _Handler)
            self._server.sim = self  # type: ignore[attr-defined]
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=type(self).__name__, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self.lock:
            return list(self._entries)

    def requests_to(self, method: str, path_suffix: str) -> list[LoggedRequest]:
        return [r for r in self.request_log if r.method == method and r.path.endswith(path_suffix)]

    def _log(self, entry: LoggedRequest) -> None:
        with self.lock:
            self._entries.append(entry)
