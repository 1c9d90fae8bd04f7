"""The HTTP server the simulators share: threaded, quiet about clients hanging up, able to reset."""
from __future__ import annotations

import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
