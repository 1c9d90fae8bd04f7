"""A fault-injecting TCP proxy on loopback: the network between two doors, cut and healed at will.

Used where network namespaces are not available (CI containers): each door reaches each peer
through its own proxy, so a test partitions doors by cutting proxies, then heals them.
"""
from __future__ import annotations

import socket
import threading
from typing import Callable


class TcpProxy:
    """Forward 127.0.0.1:<port> to `target` (host, port) until cut.

    Args:
        target: where to forward; may be set later (connections are refused until then).
        tap: called with (True for client-to-server, the bytes) for every chunk forwarded; returns
            the bytes to forward instead (a test records the traffic, or alters it in flight).
    """

    def __init__(self, target: tuple[str, int] | None = None,
                 tap: Callable[[bool, bytes], bytes] | None = None):
        self.target = target
        self.tap = tap
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones (a partition)."""
        self._cut.set()
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for s in conns:
            _close(s)

    def heal(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set() or self.target is None:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for a, b, up in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pipe, args=(a, b, up), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, up: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(self.tap(up, data) if self.tap else data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with self._lock:
                    self._conns.discard(s)
                _close(s)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
