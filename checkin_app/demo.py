"""`checkin-app demo`, minus the windows: a sandbox box office and a fresh data dir synced from it.

Qt-free so the CLI, the GUI and tests share it. The sandbox is the Ticket Tailor simulator on
loopback (`sandbox.tickettailor.demo_box_office`); the data dir connects to it and syncs through
the real client and sync engine, exactly as it would with a real box office.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from checkin_app.sandbox.tickettailor import DEMO_API_KEY, TicketTailorSandbox, demo_box_office
from checkin_app.services import doors, events
from checkin_app.services.connections import Credentials, connect
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.engine import SyncReport, sync_connection
from checkin_app.sync.adapter import Progress

CONNECTION_NAME = "Sandbox Music Hall"
DOOR_NAME = "Demo door"
# The sandbox key is not a secret (the simulator accepts only it, on loopback); it reaches the
# connection the same way a real key may: through an environment variable the connection names.
KEY_ENV = "CHECKIN_APP_DEMO_TT_KEY"


class Demo:
    """A running sandbox box office and a demo data dir connected to it.

    Args:
        data_dir: where the demo's database goes, kept after `stop` (`demo --data-dir DIR`: a second
            run carries on with the same list and check-ins); None for a new temporary dir, removed by `stop`.
        sandbox: an unstarted simulator to use instead of the demo box office (tests pass a small one).
    """

    def __init__(self, data_dir: Path | None = None, sandbox: TicketTailorSandbox | None = None):
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="checkin-demo-"))
        self.sandbox = sandbox or demo_box_office(DEMO_API_KEY)

    def start(self) -> Path:
        """Serve the box office and connect the data dir to it. Returns the data dir."""
        self.sandbox.start()
        os.environ[KEY_ENV] = self.sandbox.api_key
        with Store(self.data_dir) as store:
            known = {c.name: c for c in conns.all_connections(store.conn)}.get(CONNECTION_NAME)
            if known is None:
                connect(store, "tickettailor", CONNECTION_NAME, self.sandbox.base_url, Credentials(api_key_env=KEY_ENV))
                doors.set_door_name(store, DOOR_NAME)
            else:  # a data dir kept from an earlier demo (`demo --data-dir DIR`): its box office moved port
                with store.transaction() as conn:
                    conns.set_base_url(conn, known.id, self.sandbox.base_url)
        return self.data_dir

    def sync(self, progress: Progress | None = None, cancel: threading.Event | None = None) -> SyncReport:
        """Pull the box office into the data dir (own Store: call it from any thread)."""
        with Store(self.data_dir) as store:
            connection = conns.by_name(store.conn, CONNECTION_NAME)
            report = sync_connection(store, connection, cancel=cancel, progress=progress)
            self._admit_tonight(store)
        return report

    def _admit_tonight(self, store: Store) -> None:
        """The door admits tonight's show only (the first event), as a real door would."""
        rows = events.list_events(store)
        if rows:
            events.set_admitted(store, [rows[0]["id"]])

    def door_codes(self, n_new: int = 8, skip: int = 0) -> list[str]:
        """Codes for the demo video: mostly fresh arrivals, plus one already in and one refunded.

        Read from the simulator (what a real attendee would carry), in an order that shows every
        kind of verdict early. `skip` passes over arrivals used by earlier videos.
        """
        first_event = self.sandbox.box_office.events[self.sandbox.box_office.event_nums[0]].id
        tickets = [self.sandbox.ticket(i) for i in self.sandbox.event_ticket_ids(first_event)]
        fresh = [t["barcode"] for t in tickets if t["status"] == "valid" and t["checked_in"] == "false"][skip:skip + n_new]
        already = next(t["barcode"] for t in tickets if t["checked_in"] == "true")
        voided = next(t["barcode"] for t in tickets if t["status"] == "voided")
        return fresh[:3] + [already] + fresh[3:5] + [voided] + fresh[5:]

    def stop(self) -> None:
        self.sandbox.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
