"""One door sharing with the venue: door server + peer pulls + discovery (+ provider sync).

What `doors serve` runs, and what the GUI will run beside its windows. Everything runs on
background threads; `stop()` ends them all.
"""
from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Callable

from checkin_app.services import doors
from checkin_app.services.hub import hub_link_for
from checkin_app.store import Store
from checkin_app.store.replica import ApplyReport
from checkin_app.sync import door_auth
from checkin_app.sync.discovery import DoorDiscovery, primary_address
from checkin_app.sync.loop import SyncLoop
from checkin_app.sync.peer_server import DoorApp
from checkin_app.webhooks.server import BackgroundServer
from checkin_app.sync.peer_sync import DoorReplicator
from checkin_app.sync.topology import GOSSIP_FANOUT

log = logging.getLogger(__name__)


class DoorRunner:
    """Serve and replicate one data dir's journal.

    Args:
        data_dir: the door's data dir (paired with `doors create-venue` / `doors join`).
        host: interface for the door server ("0.0.0.0": every interface).
        port: its port (0: any free port).
        peers: URLs of other doors, for networks where multicast is blocked.
        door: this door's name (saved for next time).
        discovery: advertise and browse with multicast DNS.
        sync_interval_s: also run the provider sync loop this often (0: not here).
        push_grace_s: how long another door's act waits for its own door to push it.
        on_applied: also called (on a peer thread) with each ApplyReport that applied rows: a
            window re-reads its counters then.
        topology: "auto" (full mesh up to 10 doors, sparse gossip beyond), "mesh" or "gossip".
        fanout: doors pulled at once in gossip.
        hub: the venue's hub (`nats://HOST:PORT`): replicate through it, and fall back to the
            peers (typed or discovered) while it is down (`services.hub`).
    """

    def __init__(self, data_dir: Path, *, host: str = "0.0.0.0", port: int = 0, peers: list[str] | None = None,
                 door: str | None = None, discovery: bool = True, sync_interval_s: float = 0.0,
                 push_grace_s: float = 10.0, on_applied: Callable[[ApplyReport], None] | None = None,
                 hub: str | None = None, topology: str = "auto", fanout: int = GOSSIP_FANOUT):
        self.data_dir = Path(data_dir)
        with Store(self.data_dir) as store:
            if door:
                doors.set_door_name(store, door)
            self.key = doors.venue_key(store)
            self.door = doors.venue(store)["door"]
            self.device_id = store.device_id
        self.venue_id = door_auth.venue_id(self.key)
        self.host = host
        self.peers = list(peers or [])
        self.discovery_on = discovery
        self.sync_interval_s = sync_interval_s
        self.app = DoorApp(self.data_dir, self.key, self.door)
        self.server = BackgroundServer(self.app.app, host=host, port=port, name="door-server")
        self.sync_loop = None
        self.on_applied = on_applied
        self.replicator = DoorReplicator(self.data_dir, self.key, push_grace_s=push_grace_s, on_applied=self._applied,
                                         topology=topology, fanout=fanout)
        self.discovery = None
        self.hub = hub_link_for(self.data_dir, self.key, hub, push_grace_s, self._applied, self.replicator) if hub else None
        self._stop = threading.Event()
        self.url: str | None = None

    def start(self) -> "DoorRunner":
        self.server.start()
        advertised = self.host if self.host not in ("0.0.0.0", "") else None
        self.url = f"http://{advertised or primary_address()}:{self.server.port}"
        for url in self.peers:
            self.replicator.add_peer(url)
        if self.discovery_on:
            try:
                self.discovery = DoorDiscovery(self.venue_id, self.device_id, self.door, self.server.port,
                                               addresses=[advertised] if advertised else None,
                                               on_found=lambda url, _dev, _door: self.replicator.discovered(url))
                self.discovery.start()
            except OSError as exc:  # no multicast here: the manual list still works
                log.warning("multicast discovery unavailable (%s); using the --peer list only", exc)
                self.discovery = None
        if self.hub is not None:
            self.hub.start()
        if self.sync_interval_s > 0:
            self.sync_loop = SyncLoop(self.data_dir, interval_s=self.sync_interval_s)
            self.sync_loop.start()
        return self

    def _applied(self, report: ApplyReport) -> None:
        if report.new_acts and self.sync_loop is not None:
            self.sync_loop.trigger()
        if self.on_applied is not None:
            self.on_applied(report)

    def wait(self) -> None:
        """Block until SIGTERM or Ctrl-C (call from the main thread)."""
        signal.signal(signal.SIGTERM, lambda *_: self._stop.set())
        try:
            while not self._stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self._stop.set()
        if self.discovery is not None:
            self.discovery.stop()
        self.app.stop()
        if self.hub is not None:
            self.hub.stop()
        self.replicator.stop()
        if self.sync_loop is not None:
            self.sync_loop.stop()
        self.server.stop()
        self.app.close()
