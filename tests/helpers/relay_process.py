"""`checkin-app webhooks serve` as a real subprocess on loopback, for end-to-end tests and the bench."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, TICKETSOLVE_TOKEN
from tests.paths import ROOT


class RelayProcess:
    """Start `webhooks serve --port 0 --json`, read the routes it prints, stop it with SIGTERM.

    Args:
        data_dir: the relay's data dir.
        tt_secret: Ticket Tailor's signing secret (passed through --tickettailor-secret-env).
        extra_env: more environment variables.
    """

    def __init__(self, data_dir: Path, tt_secret: str | None = None, extra_env: dict | None = None):
        self.data_dir = Path(data_dir)
        self.env = {**os.environ, "CHECKIN_TICKETOR_TOKEN": TICKETOR_TOKEN, "CHECKIN_TICKETSOLVE_TOKEN": TICKETSOLVE_TOKEN,
                    "CHECKIN_RELAY_TOKEN": RELAY_TOKEN, **(extra_env or {})}
        self.args = [sys.executable, "-m", "checkin_app", "--data-dir", str(self.data_dir), "webhooks", "serve",
                     "--port", "0", "--json", "--show-secrets"]
        if tt_secret:
            self.env["RELAY_TT_SECRET"] = tt_secret
            self.args += ["--tickettailor-secret-env", "RELAY_TT_SECRET"]
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}

    def start(self) -> dict:
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()  # the one JSON document, flushed before serving
        if not line:
            self.proc.wait(10)
            raise RuntimeError(f"webhooks serve did not start: {self.proc.stderr.read()}")
        self.info = json.loads(line)
        return self.info

    def stop(self) -> int:
        if self.proc is None:
            return 0
        self.proc.terminate()
        try:
            return self.proc.wait(15)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()

    def __enter__(self) -> "RelayProcess":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
