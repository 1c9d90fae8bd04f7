"""Relay connections: pull the webhook deliveries a relay received and apply them here.

Each page is stored in the local inbox (source `relay:<name>`, deduplicated like any delivery) and
applied through the same mappers, in one transaction with the saved cursor (the relay's inbox id),
so a sync that stops half way resumes after the last page it kept, and replays change nothing.
Nothing is pushed to a relay: Ticketor and Ticketsolve take no check-ins back.
"""
from __future__ import annotations

import threading

from checkin_app import secrets
from checkin_app.errors import CheckinError, PayloadError
from checkin_app.providers.relay import RelayClient
from checkin_app.store import Store, sync_state
from checkin_app.store.connections import Connection
from checkin_app.store.outbox import OutboxItem
from checkin_app.sync.policy import retry_policy
from checkin_app.sync.tickettailor import Progress, PullReport
from checkin_app.webhooks.intake import parse_json_object, take_in

SCOPE = "relay"


class RelaySync:
    """Pull for one relay connection.

    Args:
        store: this thread's store.
        connection: the relay connection.
        client: a client for the relay.
        progress, cancel: as for the other adapters.
    """

    def __init__(self, store: Store, connection: Connection, client: RelayClient, progress: Progress | None = None,
                 cancel: threading.Event | None = None):
        self.store, self.connection, self.client = store, connection, client
        self.progress = progress or (lambda *_: None)
        self.cancel = cancel or threading.Event()

    def push(self, item: OutboxItem) -> str | None:
        raise CheckinError("a relay takes nothing back; acts on its deliveries stay local")

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        """Every delivery after the saved cursor, page by page. (`event_remote_ids` does not apply.)"""
        report = PullReport()
        source = f"relay:{self.connection.name}"
        while not self.cancel.is_set():
            saved = sync_state.load(self.store.conn, self.connection.id, SCOPE)
            after = int(saved.cursor or 0)
            page = self.client.deliveries(after)
            report.pages += 1
            if after and page.relay_id and saved.data.get("relay_id") not in (None, page.relay_id):
                # Another inbox behind the same URL (the relay was rebuilt): its ids mean nothing to
                # our cursor, so read it from the start; deliveries already here are deduplicated.
                with self.store.transaction() as conn:
                    state = sync_state.load(conn, self.connection.id, SCOPE)
                    state.cursor, state.data["relay_id"] = "0", page.relay_id
                    sync_state.save(conn, state)
                continue
            with self.store.transaction() as conn:
                for item in page.deliveries:
                    try:
                        body = item["body"].encode("utf-8")  # a lone surrogate escape cannot be encoded
                        doc = parse_json_object(body)
                    except (UnicodeEncodeError, PayloadError):
                        continue  # the relay refuses these at intake; a corrupt one is skipped, not fatal
                    result = take_in(conn, str(item.get("provider")), body, doc, source=source,
                                     connection_id=self.connection.id, received_at=item.get("received_at"),
                                     delivery_id=item.get("delivery_id"))
                    report.tickets += result.tickets
                state = sync_state.load(conn, self.connection.id, SCOPE)
                state.cursor = str(page.next_after)
                state.data["relay_id"] = page.relay_id
                sync_state.save(conn, state)
            self.progress("relay deliveries", report.tickets, None)
            if not page.has_more or not page.deliveries:
                break
        return report


def make_adapter(store: Store, connection: Connection, progress: Progress | None, cancel: threading.Event) -> RelaySync:
    token = secrets.resolve(connection.settings.get("token"), "relay token")
    client = RelayClient(connection.base_url, token, cancel=cancel, policy=retry_policy(connection))
    return RelaySync(store, connection, client, progress, cancel)
