"""Several real doors on loopback: `checkin-app doors serve` processes, each pulling every other
door through its own fault-injecting proxy (so tests can partition and heal the venue).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from checkin_app.domain.models import Batch, Event
from checkin_app.services import doors as doors_service
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from checkin_app.sync import door_auth
from tests.factories import NIGHT_ONE, ticket
from tests.helpers.tcp_proxy import TcpProxy
from tests.paths import ROOT

KEY_ENV = "CHECKIN_TEST_VENUE_KEY"
STATE_COLUMNS = "code, status, checked_in_at, checked_in_device, checked_in_door, admitted_count, inside"


def seed(data_dir: Path, codes: list[str], event: Event = NIGHT_ONE) -> None:
    with Store(data_dir) as store, store.transaction() as conn:
        apply_batch(conn, Batch(events=[event], tickets=[ticket(c, event, holder_name=f"Guest {c}") for c in codes]))


class DoorCluster:
    """`n` paired doors with the same cached tickets, fully meshed through proxies.

    Args:
        tmp: a directory for the data dirs.
        n: how many doors.
        codes: ticket codes cached at every door.
        serve_args: extra `doors serve` arguments.
    """

    def __init__(self, tmp: Path, n: int = 3, codes: list[str] | None = None, serve_args: list[str] | None = None,
                 network=None, wrap: dict[int, list[str]] | None = None):
        self.key_text = door_auth.key_text(door_auth.new_key())
        self.env = {**os.environ, KEY_ENV: self.key_text}
        self.names = [f"Door {chr(65 + i)}" for i in range(n)]
        self.dirs = [tmp / f"door{i}" for i in range(n)]
        self.serve_args = serve_args or []
        self.network = network  # a VenueNetwork: doors in namespaces, found by multicast DNS
        self.wrap = wrap or {}  # a command a door runs under (e.g. ["faketime", "-f", "-4m"]: a wrong clock)
        self.procs: list[subprocess.Popen | None] = [None] * n
        self.urls: list[str | None] = [None] * n
        self.proxies = {(i, j): TcpProxy() for i in range(n) for j in range(n) if i != j}
        for i, data_dir in enumerate(self.dirs):
            with Store(data_dir) as store:
                doors_service.join_venue(store, self.key_text, self.names[i], KEY_ENV)
            if codes:
                seed(data_dir, codes)
        self._stores: dict[int, Store] = {}
        self.device_ids = []
        for d in self.dirs:
            with Store(d) as store:
                self.device_ids.append(store.device_id)

    def store(self, i: int) -> Store:
        """A connection to door i's database kept for the cluster's life (opening a Store takes
        the write lock briefly; polling by reopening would starve the door's own writes)."""
        if i not in self._stores:
            self._stores[i] = Store(self.dirs[i])
        return self._stores[i]

    def start(self, i: int) -> None:
        if self.network is not None:
            where = ["ip", "netns", "exec", self.network.names[i]]
            how = ["--host", self.network.hosts[i], "--port", "8722"]
        else:
            where = list(self.wrap.get(i, []))
            how = ["--host", "127.0.0.1", "--port", "0", "--no-discovery",
                   *[arg for j in range(len(self.dirs)) if j != i for arg in ("--peer", self.proxies[(i, j)].url)]]
        # stderr to a file, not a pipe: nobody reads a pipe while the door runs, and a full one blocks it.
        with open(self.dirs[i] / "stderr.txt", "a") as stderr:
            proc = subprocess.Popen(
                [*where, sys.executable, "-m", "checkin_app", "--data-dir", str(self.dirs[i]), "doors", "serve",
                 "--json", "--name", self.names[i], *how, *self.serve_args],
                cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=stderr, text=True,
            )
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"door {i} did not start: {(self.dirs[i] / 'stderr.txt').read_text()}")
        self.procs[i], self.urls[i] = proc, json.loads(line)["url"]
        port = int(self.urls[i].rsplit(":", 1)[1])
        for (a, b), proxy in self.proxies.items():
            if b == i:
                proxy.target = ("127.0.0.1", port)

    def start_discovering(self, i: int) -> None:
        """Door i serving on loopback with multicast discovery and no typed peers (stopped by `stop`)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "checkin_app", "--data-dir", str(self.dirs[i]), "doors", "serve", "--host",
             "127.0.0.1", "--port", "0", "--json"], cwd=ROOT, env=self.env, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        self.procs[i], self.urls[i] = proc, json.loads(line)["url"] if line else None

    def start_all(self) -> "DoorCluster":
        for i in range(len(self.dirs)):
            self.start(i)
        return self

    def kill(self, i: int) -> None:
        """kill -9: no shutdown code runs."""
        proc = self.procs[i]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        self.procs[i] = None
        for (a, b), proxy in self.proxies.items():
            if b == i:
                proxy.target = None

    def stop(self) -> None:
        running = [(i, p) for i, p in enumerate(self.procs) if p is not None]
        for _, proc in running:  # all at once: each takes a moment to end its long-polls
            proc.terminate()
        for i, proc in running:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            proc.stdout.close()
            self.procs[i] = None
        for proxy in self.proxies.values():
            proxy.close()
        for store in self._stores.values():
            store.close()
        self._stores.clear()

    def partition(self, *groups: set[int]) -> None:
        """Cut every link between doors of different groups."""
        where = {i: g for g, members in enumerate(groups) for i in members}
        for (a, b), proxy in self.proxies.items():
            if where.get(a) != where.get(b):
                proxy.cut()

    def heal(self) -> None:
        for proxy in self.proxies.values():
            proxy.heal()

    # -- reading a door's database ------------------------------------------------------------

    def rows(self, i: int) -> list[tuple]:
        return [tuple(r) for r in self.store(i).conn.execute(
            "SELECT device_id, seq, nonce FROM journal ORDER BY device_id, seq")]

    def state(self, i: int) -> list[tuple]:
        return [tuple(r) for r in self.store(i).conn.execute(f"SELECT {STATE_COLUMNS} FROM tickets ORDER BY code")]

    def ticket(self, i: int, code: str) -> dict:
        return dict(self.store(i).conn.execute(f"SELECT {STATE_COLUMNS} FROM tickets WHERE code = ?", (code,)).fetchone())

    def conflicts(self, i: int) -> list[dict]:
        return [dict(r, detail=json.loads(r["detail"])) for r in self.store(i).conn.execute(
            "SELECT c.kind, t.code, c.detail FROM conflicts c JOIN tickets t ON t.id = c.ticket_id ORDER BY t.code")]

    def converged(self) -> bool:
        first_rows, first_state = self.rows(0), self.state(0)
        return all(self.rows(i) == first_rows and self.state(i) == first_state for i in range(1, len(self.dirs)))
