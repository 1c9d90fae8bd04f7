"""Connection limits for the app's servers: no client can hold the server with idle or slow connections.

uvicorn alone answers every request 503 once `limit_concurrency` connections are open, idle ones
included, and has no header timeout: 200 TCP connections that send nothing (or a request head one
byte at a time) locked every route of the shared server out (issue 14). This protocol, uvicorn's
h11 protocol plus a guard, keeps the server for everyone:

- a request head must be complete within `header_timeout` of the connection opening (or of the
  previous response), however the bytes trickle in; a started head that runs out of time gets 408;
- a request body must be complete within `body_timeout` of its head;
- between requests a keep-alive connection may idle `idle_timeout` (uvicorn's `timeout_keep_alive`);
- one address may hold at most `per_client` connections (more are answered 503 and closed at once);
- at most `total` connections are open; when full, the connection that has waited longest for a
  request head is closed to make room (a busy request is never cut for that).

All of it runs on the server's event loop thread, so the guard needs no lock. Behind a reverse proxy
every connection comes from the proxy's address: raise `per_client` there (the proxy limits clients).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)



def _raw_response(status: str, message: str, *extra: str) -> bytes:
    """A whole HTTP/1.1 response that closes the connection, written straight to the socket (no request
    was parsed, so h11 cannot send one)."""
    body = json.dumps({"error": message}).encode() + b"\n"
    head = [f"HTTP/1.1 {status}", "content-type: application/json", "connection: close", *extra,
            f"content-length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


_TOO_MANY = _raw_response("503 Service Unavailable", "too many connections from this address", "retry-after: 1")
_TOO_SLOW = _raw_response("408 Request Timeout", "the request head did not arrive in time")


@dataclass(frozen=True)
class ConnectionLimits:
    """Timeouts (seconds) and connection caps of one server (see the module docstring)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: int = 5
    per_client: int = 64
    total: int = 512


class ConnectionGuard:
    """Open connections per address, and those waiting for a request head (oldest first)."""

    def __init__(self, limits: ConnectionLimits):
        self.limits = limits
        self.per_address: Counter[str] = Counter()
        self.open: set[GuardedH11Protocol] = set()
        self.waiting: dict[GuardedH11Protocol, float] = {}  # insertion order = oldest first
        self.refused = 0
        self.cut = 0

    def admit(self, conn: "GuardedH11Protocol") -> bool:
        """Count a new connection in, or return False when it must be refused."""
        if self.per_address[conn.address] >= self.limits.per_client:
            self.refused += 1
            return False
        if len(self.open) >= self.limits.total:
            oldest = next(iter(self.waiting), None)
            if oldest is None:  # every connection is busy with a request: refuse the newcomer
                self.refused += 1
                return False
            oldest.cut("closed to make room: it sent no request")
        self.open.add(conn)
        self.per_address[conn.address] += 1
        return True

    def release(self, conn: "GuardedH11Protocol") -> None:
        if conn in self.open:
            self.open.discard(conn)
            self.per_address[conn.address] -= 1
            if self.per_address[conn.address] <= 0:
                del self.per_address[conn.address]
        self.waiting.pop(conn, None)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the guard's timeouts and caps (`config.connection_guard`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard: ConnectionGuard = self.config.connection_guard  # type: ignore[attr-defined]
        self.address = self.client[0] if self.client else "unknown"
        self._timer: asyncio.TimerHandle | None = None
        self._awaiting: str | None = None  # "head", "body", or None while the app answers
        self._request = None  # the request cycle whose head arrived last
        self._partial_head = False
        if not self.guard.admit(self):
            transport.write(_TOO_MANY)
            transport.close()
            return
        self._await_head()

    def data_received(self, data: bytes) -> None:
        self._partial_head = True
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a pipelined request
        if self.transport.is_closing():
            return
        if self.cycle is self._request:
            self._await_head()
        else:
            self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        if hasattr(self, "guard"):
            self.guard.release(self)
        super().connection_lost(exc)

    def cut(self, why: str) -> None:
        """Close this connection (with a 408 when part of a request head had arrived)."""
        started_head = self._awaiting == "head" and self._partial_head
        self._stop_timer()
        self.guard.release(self)
        if self.transport.is_closing():
            return
        self.guard.cut += 1
        log.info("closed a connection from %s: %s", self.address, why)
        if started_head:
            self.transport.write(_TOO_SLOW)
        self.transport.close()

    # Each request: head awaited (timer) -> body awaited (timer) -> the app answers (no timer) -> head awaited.
    def _await_head(self) -> None:
        self._partial_head = False
        self.guard.waiting[self] = time.monotonic()
        self._start_timer("head", self.guard.limits.header_timeout, "no complete request head in time")

    def _follow(self) -> None:
        cycle = self.cycle
        if cycle is None:
            return
        if cycle is not self._request:  # a new request head arrived
            self._request = cycle
            self.guard.waiting.pop(self, None)
            if cycle.more_body:
                self._start_timer("body", self.guard.limits.body_timeout, "the request body did not arrive in time")
            else:
                self._stop_timer()
        elif self._awaiting == "body" and not cycle.more_body:
            self._stop_timer()

    def _start_timer(self, awaiting: str, delay: float, why: str) -> None:
        self._stop_timer()
        self._awaiting = awaiting
        self._timer = self.loop.call_later(delay, self.cut, why)

    def _stop_timer(self) -> None:
        self._awaiting = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
