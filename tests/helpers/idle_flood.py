"""Real TCP attackers for the shared server: idle connections, and requests that trickle in byte by byte."""
from __future__ import annotations

import select
import socket
import time


class IdleFlood:
    """`count` TCP connections to (host, port) that never send a byte.

    Args:
        sources: local addresses to connect from, used in turn (127.0.0.2, 127.0.0.3, ...: Linux
            routes all of 127.0.0.0/8 to loopback, so one machine can play many clients).
    """

    def __init__(self, port: int, count: int, sources: list[str], host: str = "127.0.0.1"):
        self.port, self.count, self.sources, self.host = port, count, sources, host
        self.sockets: list[socket.socket] = []

    def open(self) -> "IdleFlood":
        for i in range(self.count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((self.sources[i % len(self.sources)], 0))
            sock.connect((self.host, self.port))
            self.sockets.append(sock)
        return self

    def still_open(self) -> int:
        """How many the server has not closed (a closed one reads as EOF or a refusal)."""
        alive = 0
        for sock in self.sockets:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                alive += 1
        return alive

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets = []

    def __enter__(self) -> "IdleFlood":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


def loopback_sources(n: int) -> list[str]:
    """n distinct loopback addresses other than 127.0.0.1 (the legitimate clients' address)."""
    return [f"127.0.{k // 250}.{k % 250 + 2}" for k in range(n)]


def trickle(port: int, data: bytes, interval: float, give_up_after: float, source: str = "127.0.0.1",
            before: bytes = b"", prelude: bytes = b"") -> tuple[float | None, bytes]:
    """Send `before` (a whole request) and read its answer, send `prelude` at once, then `data` one byte
    every `interval` seconds until the server answers or closes. Returns (seconds from the first trickled
    byte until it did, or None if it did not within `give_up_after`; what it sent)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    started = time.monotonic()
    received = b""
    try:
        if before:
            sock.sendall(before)
            received = _read_response(sock)  # the answer to the legitimate request
        sock.sendall(prelude)
        started = time.monotonic()
        for i in range(len(data)):
            if time.monotonic() - started > give_up_after:
                return None, received
            readable, _, _ = select.select([sock], [], [], interval)
            if readable:
                return time.monotonic() - started, _drain(sock)
            try:
                sock.send(data[i:i + 1])
            except OSError:
                return time.monotonic() - started, b""
        readable, _, _ = select.select([sock], [], [], max(0.0, give_up_after - (time.monotonic() - started)))
        return (time.monotonic() - started, _drain(sock)) if readable else (None, received)
    finally:
        sock.close()


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def _drain(sock: socket.socket) -> bytes:
    data = b""
    sock.settimeout(2)
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data
