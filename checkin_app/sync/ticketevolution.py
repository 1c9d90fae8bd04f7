"""Ticket Evolution connections: orders by state -> a guest list admitted by name, with party sizes.

Every state in the connection's `states` setting (default: pending, accepted, completed, and
rejected and cancelled so that voids arrive) is walked page by page; each page is applied in one
transaction. An order that cannot be mapped (no event) is set aside with its reason and the rest of
the page, and of the sync, goes on. Pending orders are pulled but admit only with `admit_pending`. The docs give no change filter for orders, so a sync reads each state's list whole
(a brokerage's orders for a night are a few pages); the mapper makes re-applying a no-op.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from checkin_app import secrets
from checkin_app.providers import ticketevolution
from checkin_app.providers.ticketevolution_api import PER_PAGE, TicketEvolutionClient
from checkin_app.store import Store
from checkin_app.store.connections import Connection
from checkin_app.sync.adapter import Progress, PullAdapter, PullReport, Walk
from checkin_app.sync.policy import retry_policy

DEFAULT_STATES = ("pending", "accepted", "completed", "rejected", "cancelled")
#: Connection setting (`connect ticketevolution --admit-pending`): orders the seller has not accepted
#: yet admit, with a note at the door. Off by default: a pending order may still be rejected.
ADMIT_PENDING = "admit_pending"


@dataclass(frozen=True)
class TicketEvolutionSettings:
    """Attributes:
        states: the order states to read (empty: the default ones).
        admit_pending: `ADMIT_PENDING`.
    """

    states: tuple[str, ...] = DEFAULT_STATES
    admit_pending: bool = False


class TicketEvolutionSync(PullAdapter):
    """Pull for one Ticket Evolution connection (admissions stay at the doors): each state's orders,
    page by page (the cursor is the page number)."""

    takes_nothing_back = "Ticket Evolution takes no check-ins back; they stay at the doors"
    Settings = TicketEvolutionSettings
    settings: TicketEvolutionSettings

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        report = PullReport()
        events: set[str] = set()
        admit_pending = self.settings.admit_pending

        def apply(conn, page: tuple[int, dict], report: PullReport) -> int | None:
            number, body = page
            batch = ticketevolution.map_orders_page(body, admit_pending=admit_pending)
            if event_remote_ids:
                batch.tickets = [t for t in batch.tickets if t.event_remote_id in event_remote_ids]
                batch.events = [e for e in batch.events if e.remote_id in event_remote_ids]
            self.apply_in(conn, batch, report)
            events.update(e.remote_id for e in batch.events)
            total = body.get("total_entries")
            if not body["orders"] or (isinstance(total, int) and number * PER_PAGE >= total):
                return None
            return number + 1

        for state in self.settings.states or DEFAULT_STATES:
            if not self.walk(Walk(f"Ticket Evolution {state} orders",
                                  lambda number, state=state: (number, self.client.orders_page(state, number, PER_PAGE)),
                                  apply, first=1), report):
                break
        report.events = len(events)
        return report


def make_adapter(store: Store, connection: Connection, progress: Progress | None,
                 cancel: threading.Event) -> TicketEvolutionSync:
    token = secrets.resolve(connection.settings.get("token"), "Ticket Evolution API token")
    secret = secrets.resolve(connection.settings.get("signing_secret"), "Ticket Evolution API secret")
    return TicketEvolutionSync(store, connection, TicketEvolutionClient(connection.base_url, token, secret, cancel=cancel,
                                                                     policy=retry_policy(connection)),
                               progress, cancel)
