"""1Ticket connections: pull purchases (for an event date or name), then each purchase's seats.

Incremental by purchase: a purchase's seats are fetched again only when the purchase changed
(its status, `datelastseen`, `haspdf` or items) or when it had no barcodes yet, so a sync costs one
purchases request plus one `getpdf` per new or changed purchase. Each purchase is applied in one
transaction with the fingerprint that marks it done, so an interrupted sync resumes cleanly.
"""
from __future__ import annotations

import hashlib
import json
import threading

from checkin_app import secrets
from checkin_app.errors import CheckinError
from checkin_app.providers import oneticket
from checkin_app.providers.oneticket_api import DEFAULT_HEADER, OneTicketClient
from checkin_app.store import Store, sync_state
from checkin_app.store.connections import Connection
from checkin_app.store.outbox import OutboxItem
from checkin_app.store.tickets import apply_batch
from checkin_app.sync.policy import retry_policy
from checkin_app.sync.tickettailor import Progress, PullReport

SCOPE = "purchases"
FILTERS = ("eventdate", "eventname", "status")


def fingerprint(purchase: dict) -> str:
    receipt = purchase.get("receipt") if isinstance(purchase.get("receipt"), dict) else {}
    key = [receipt.get("status"), purchase.get("datelastseen"), purchase.get("haspdf"), purchase.get("items")]
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


class OneTicketSync:
    """Pull for one 1Ticket connection (1Ticket takes no check-ins back).

    Args:
        store, connection, client, progress, cancel: as for the other adapters. The connection's
        settings may hold `filters` ({"eventdate": "mm/dd/yyyy", "eventname": "...", "status": "Active"}).
    """

    def __init__(self, store: Store, connection: Connection, client: OneTicketClient, progress: Progress | None = None,
                 cancel: threading.Event | None = None):
        self.store, self.connection, self.client = store, connection, client
        self.progress = progress or (lambda *_: None)
        self.cancel = cancel or threading.Event()

    def push(self, item: OutboxItem) -> str | None:
        raise CheckinError("1Ticket takes no check-ins back; they stay at the doors")

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        report = PullReport(pages=1)
        filters = {k: v for k, v in (self.connection.settings.get("filters") or {}).items() if k in FILTERS and v}
        found = self.client.purchases(**filters)
        events = set()
        for purchase in found:
            if self.cancel.is_set():
                break
            event = oneticket.map_event(purchase)
            if event_remote_ids and event.remote_id not in event_remote_ids:
                continue
            events.add(event.remote_id)
            rid, mark = str(purchase.get("rid")), fingerprint(purchase)
            if sync_state.load(self.store.conn, self.connection.id, SCOPE).data.get(rid) == mark:
                continue
            batch = oneticket.map_purchase_seats(purchase, self.client.getpdf(rid))
            report.pages += 1
            with self.store.transaction() as conn:
                result = apply_batch(conn, batch, self.connection.id)
                report.tickets += len(batch.tickets)
                report.conflicts += len(result.conflicts)
                if batch.tickets:  # no barcodes yet (not fulfilled): ask again next time
                    state = sync_state.load(conn, self.connection.id, SCOPE)
                    state.data[rid] = mark
                    sync_state.save(conn, state)
            self.progress("1Ticket purchases", report.tickets, None)
        report.events = len(events)
        return report


def make_adapter(store: Store, connection: Connection, progress: Progress | None, cancel: threading.Event) -> OneTicketSync:
    token = secrets.resolve(connection.settings.get("token"), "1Ticket API token")
    client = OneTicketClient(connection.base_url, token, header_name=connection.settings.get("token_header") or DEFAULT_HEADER,
                             cancel=cancel, policy=retry_policy(connection))
    return OneTicketSync(store, connection, client, progress, cancel)
