"""Ticket Evolution connections: orders by state -> a guest list admitted by name, with party sizes.

Every state in the connection's `states` setting (default: pending, accepted, completed, and
rejected and cancelled so that voids arrive) is walked page by page; each page is applied in one
transaction. An order that cannot be mapped (no event) is set aside with its reason and the rest of
the page, and of the sync, goes on. Pending orders are pulled but admit only with `admit_pending`. The docs give no change filter for orders, so a sync reads each state's list whole
(a brokerage's orders for a night are a few pages); the mapper makes re-applying a no-op.
"""
from __future__ import annotations

import threading

from checkin_app import secrets
from checkin_app.errors import CheckinError
from checkin_app.providers import ticketevolution
from checkin_app.providers.ticketevolution_api import PER_PAGE, TicketEvolutionClient
from checkin_app.store import Store
from checkin_app.store.connections import Connection
from checkin_app.store.outbox import OutboxItem
from checkin_app.store.tickets import apply_batch
from checkin_app.sync.policy import retry_policy
from checkin_app.sync.tickettailor import Progress, PullReport

DEFAULT_STATES = ("pending", "accepted", "completed", "rejected", "cancelled")
#: Connection setting (`connect ticketevolution --admit-pending`): orders the seller has not accepted
#: yet admit, with a note at the door. Off by default: a pending order may still be rejected.
ADMIT_PENDING = "admit_pending"


class TicketEvolutionSync:
    """Pull for one Ticket Evolution connection (admissions stay at the doors).

    Args:
        store, connection, client, progress, cancel: as for the other adapters.
    """

    def __init__(self, store: Store, connection: Connection, client: TicketEvolutionClient,
                 progress: Progress | None = None, cancel: threading.Event | None = None):
        self.store, self.connection, self.client = store, connection, client
        self.progress = progress or (lambda *_: None)
        self.cancel = cancel or threading.Event()

    def push(self, item: OutboxItem) -> str | None:
        raise CheckinError("Ticket Evolution takes no check-ins back; they stay at the doors")

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        report = PullReport()
        events: set[str] = set()
        admit_pending = bool(self.connection.settings.get(ADMIT_PENDING))
        for state in self.connection.settings.get("states") or DEFAULT_STATES:
            page = 1
            while not self.cancel.is_set():
                body = self.client.orders_page(state, page, PER_PAGE)
                report.pages += 1
                batch = ticketevolution.map_orders_page(body, admit_pending=admit_pending)
                if event_remote_ids:
                    batch.tickets = [t for t in batch.tickets if t.event_remote_id in event_remote_ids]
                    batch.events = [e for e in batch.events if e.remote_id in event_remote_ids]
                with self.store.transaction() as conn:
                    result = apply_batch(conn, batch, self.connection.id)
                report.tickets += len(batch.tickets)
                report.conflicts += len(result.conflicts)
                report.set_aside += result.set_aside
                events.update(e.remote_id for e in batch.events)
                self.progress(f"Ticket Evolution {state} orders", report.tickets, None)
                total = body.get("total_entries")
                if not body["orders"] or (isinstance(total, int) and page * PER_PAGE >= total):
                    break
                page += 1
        report.events = len(events)
        return report


def make_adapter(store: Store, connection: Connection, progress: Progress | None,
                 cancel: threading.Event) -> TicketEvolutionSync:
    token = secrets.resolve(connection.settings.get("token"), "Ticket Evolution API token")
    secret = secrets.resolve(connection.settings.get("signing_secret"), "Ticket Evolution API secret")
    return TicketEvolutionSync(store, connection, TicketEvolutionClient(connection.base_url, token, secret, cancel=cancel,
                                                                     policy=retry_policy(connection)),
                               progress, cancel)
