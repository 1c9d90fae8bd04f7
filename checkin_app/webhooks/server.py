"""Run any ASGI app (Starlette) under uvicorn on a background thread: start(), the bound port, stop().

Shared by the webhook receiver (embedded in the desktop app or standalone) and any other small
server of the app (door-to-door replication). The listening socket is bound here, before uvicorn
starts, so port 0 yields a real port at once and nothing races for it. Access logging is off:
webhook URLs carry secret tokens, and a token must never reach a log line. Every connection goes
through `guard.GuardedH11Protocol` (header, body and idle timeouts, per-address and total caps), so
idle or trickling connections cannot lock the server's other clients out.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import threading

import uvicorn

from checkin_app.errors import ConfigError
from checkin_app.webhooks.guard import ConnectionGuard, ConnectionLimits, GuardedH11Protocol

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn's server, telling a waiting thread when it is up (or that it stopped early)."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class BackgroundServer:
    """An ASGI app served on a thread of this process.

    Args:
        app: the ASGI application.
        host: address to bind ("127.0.0.1"; "0.0.0.0" or "::" to be reachable from other machines).
        port: TCP port; 0 picks a free one (see `port` after `start()`).
        name: thread name, for debugging.
        limits: timeouts and connection caps (see `guard.ConnectionLimits`).
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, name: str = "asgi-server",
                 limits: ConnectionLimits | None = None):
        self.app = app
        self.host = host
        self.requested_port = port
        self.name = name
        self.limits = limits or ConnectionLimits()
        self.guard: ConnectionGuard | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

    def start(self, timeout: float = 15.0) -> int:
        """Bind, serve on a background thread, and return the bound port once requests are accepted.

        Raises:
            ConfigError: the address cannot be bound (in use, not local, no permission).
        """
        if self._thread is not None:
            return self.port  # type: ignore[return-value]
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets whose proto says
        # TCP, and without it Nagle held uvicorn's second write (the body after the head) for the
        # client's delayed ACK: 45 ms for every answer on a kept-alive connection, 0.3 ms with it.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as exc:
            sock.close()
            raise ConfigError(f"cannot listen on {self.host}:{self.requested_port}: {exc.strerror}") from None
        sock.listen(1024)
        sock.set_inheritable(True)
        self._socket = sock
        self.port = sock.getsockname()[1]
        # No limit_concurrency: uvicorn counts idle connections against it and answers every request
        # 503 once they fill it. The guard caps connections instead and closes idle ones; requests in
        # flight are bounded by the connection cap (h11 serves one request per connection at a time).
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                http=GuardedH11Protocol, ws="none", timeout_keep_alive=self.limits.idle_timeout,
                                timeout_graceful_shutdown=5, log_config=None)
        self.guard = config.connection_guard = ConnectionGuard(self.limits)  # type: ignore[attr-defined]
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        if not self._server.ready.wait(timeout) or not self._thread.is_alive():
            self.stop()
            raise ConfigError(f"the server on {self.host}:{self.port} did not start")
        return self.port

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except Exception:  # logged, and start() reports the server as not started
            log.exception("%s stopped with an error", self.name)
        finally:
            self._server.ready.set()

    @property
    def url(self) -> str:
        """`http://HOST:PORT` as a client on this machine reaches it."""
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, finish requests in flight (briefly), and join the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> "BackgroundServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
