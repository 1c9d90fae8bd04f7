"""The HTTP side every simulator shares: the request handler, the server, the request log entry.

A simulator (`server.sim`) provides `decide(method, path)` (the fault decision),
`answer(method, path, query, body, headers, decision)` -> (status, JSON payload, extra headers),
`log_request(LoggedRequest)` and a `stopping` event. The handler does the rest: injected delays,
resets and dropped answers, JSON encoding, keep-alive.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the simulator saw it. `status` is None when the connection was reset."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None
    fault: str | None = None


class SimulatorHandler(BaseHTTPRequestHandler):
    """Serves one request of the simulator at `self.server.sim` (see the module doc)."""

    protocol_version = "HTTP/1.1"  # keep-alive, like a real API behind its load balancer
    timeout = 60  # idle keep-alive connections end on their own

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the simulator's request log replaces access logging

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        sim = self.server.sim  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        decision = sim.decide(method, url.path)
        if decision.delay and sim.stopping.wait(decision.delay):
            reset_connection(self)
            return
        if decision.reset:
            sim.log_request(LoggedRequest(method, url.path, query, None, "reset"))
            reset_connection(self)
            return
        status, payload, headers = sim.answer(method, url.path, query, body, self.headers, decision)
        if decision.drop_response:
            sim.log_request(LoggedRequest(method, url.path, query, None, f"dropped {status}"))
            reset_connection(self)
            return
        sim.log_request(LoggedRequest(method, url.path, query, status,
                                      "injected" if decision.fail_status is not None else None))
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Abort the handler's connection with a TCP reset (SO_LINGER 0), as a crashing proxy would."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        pass


class QuietServer(ThreadingHTTPServer):
    """A threaded HTTP server for simulators: clients that hang up (timeouts, resets) are expected."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        pass


class LoopbackServed:
    """Serving a simulator on 127.0.0.1 in a background thread: `start`, `stop`, `with`, the URL.

    Subclasses set `_port` (0: any free port) and `stopping` (a `threading.Event`, set while
    stopping so that delayed answers still pending end at once), and may set `handler`.
    """

    handler: type[SimulatorHandler] = SimulatorHandler
    _port: int = 0
    _server: QuietServer | None = None

    def start(self):
        """Bind and serve in a background thread. Returns self."""
        if self._server is None:
            self.stopping.clear()
            self._server = QuietServer(("127.0.0.1", self._port), self.handler)
            self._server.sim = self  # type: ignore[attr-defined]
            # A short poll interval makes stop() quick (tests start and stop many simulators).
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=type(self).__name__, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving; delayed answers still pending are dropped."""
        if self._server is not None:
            self.stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def served_url(self, prefix: str) -> str:
        """`http://127.0.0.1:PORT` + prefix (the server must be started)."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}{prefix}"
