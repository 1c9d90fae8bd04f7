"""Relay connections: pull the webhook deliveries a relay received and apply them here.

Each page is stored in the local inbox (source `relay:<name>`, deduplicated like any delivery) and
applied through the same mappers, in one transaction with the saved cursor (the relay's inbox id),
so a sync that stops half way resumes after the last page it kept, and replays change nothing.
Nothing is pushed to a relay: Ticketor and Ticketsolve take no check-ins back.
"""
from __future__ import annotations

import threading

from checkin_app import secrets
from checkin_app.errors import PayloadError
from checkin_app.providers.relay import RelayClient
from checkin_app.store import Store, sync_state
from checkin_app.store.connections import Connection
from checkin_app.sync.adapter import Progress, PullAdapter, PullReport, Walk
from checkin_app.sync.policy import retry_policy
from checkin_app.webhooks.intake import parse_json_object, take_in

SCOPE = "relay"


class RelaySync(PullAdapter):
    """Pull for one relay connection: its deliveries after the saved cursor (the relay's inbox id)."""

    takes_nothing_back = "a relay takes nothing back; acts on its deliveries stay local"

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        """Every delivery after the saved cursor, page by page. (`event_remote_ids` does not apply.)"""
        report = PullReport()
        saved = sync_state.load(self.store.conn, self.connection.id, SCOPE)
        self.walk(Walk("relay deliveries", lambda after: (after, self.client.deliveries(after)), self._apply_page,
                       first=int(saved.cursor or 0)), report)
        return report

    def _apply_page(self, conn, fetched, report: PullReport) -> int | None:
        after, page = fetched
        state = sync_state.load(conn, self.connection.id, SCOPE)
        if after and page.relay_id and state.data.get("relay_id") not in (None, page.relay_id):
            # Another inbox behind the same URL (the relay was rebuilt): its ids mean nothing to
            # our cursor, so read it from the start; deliveries already here are deduplicated.
            state.cursor, state.data["relay_id"] = "0", page.relay_id
            sync_state.save(conn, state)
            return 0
        source = f"relay:{self.connection.name}"
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
        state.cursor = str(page.next_after)
        state.data["relay_id"] = page.relay_id
        sync_state.save(conn, state)
        return page.next_after if page.has_more and page.deliveries else None


def make_adapter(store: Store, connection: Connection, progress: Progress | None, cancel: threading.Event) -> RelaySync:
    token = secrets.resolve(connection.settings.get("token"), "relay token")
    client = RelayClient(connection.base_url, token, cancel=cancel, policy=retry_policy(connection))
    return RelaySync(store, connection, client, progress, cancel)
