"""Ticket Tailor webhooks update the same tickets the API sync pulled (same provider + remote id):
a void arrives by webhook before the next pull, a new order's tickets become scannable at once, and
the event stays with the API connection, so check-ins on webhook tickets are still pushed upstream."""
import json
import time

import httpx
import pytest

from checkin_app.providers.tickettailor_api import TicketTailorClient
from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.engine import sync_connection
from checkin_app.webhooks.receiver import Receiver, ReceiverConfig
from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature

KEY = "sk_sandbox_webhooks_1234"
SECRET = "whsec_" + "s" * 30


def deliver(http, topic, payload, delivery_id):
    body = json.dumps({"id": delivery_id, "created_at": "2026-11-24 20:00:00", "event": topic,
                       "resource_url": "https://api.tickettailor.com/v1/x", "payload": payload}).encode()
    return http.post("/hooks/tickettailor", content=body, headers={
        "Content-Type": "application/json", TT_HEADER: tickettailor_signature(SECRET, int(time.time()), body)})


def count(store):
    return store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]


@pytest.fixture
def synced(tmp_path, monkeypatch):
    monkeypatch.setenv("TT_KEY", KEY)
    with TicketTailorSandbox(KEY, seed=5) as sandbox:
        event_id = sandbox.seed_event("Webhook night", 20)
        store = Store(tmp_path)
        with store.transaction() as conn:
            connection = conns.add(conn, "box", "tickettailor", sandbox.base_url, {"secret": {"env": "TT_KEY"}})
        assert sync_connection(store, connection).complete
        yield sandbox, store, connection, event_id
        store.close()


def test_webhooks_update_the_tickets_the_api_pulled(tmp_path, synced):
    sandbox, store, connection, event_id = synced
    assert count(store) == 20
    voided_id = sandbox.event_ticket_ids(event_id)[3]
    sandbox.void(voided_id)
    new_ids = sandbox.add_tickets(event_id, 2)
    new_ticket = sandbox.ticket(new_ids[0])
    with TicketTailorClient(sandbox.base_url, KEY) as api:
        order = api.get_order(new_ticket["order_id"])
    with Receiver(tmp_path, ReceiverConfig(tickettailor_secret=SECRET)) as receiver, \
            httpx.Client(base_url=receiver.base_url) as http:
        assert deliver(http, "ISSUED_TICKET.UPDATED", sandbox.ticket(voided_id), "wh_1").status_code == 201
        assert deliver(http, "ORDER.CREATED", order, "wh_2").status_code == 201
        assert deliver(http, "ORDER.CREATED", order, "wh_2").json()["duplicate"] is True

    in_order = len(order["issued_tickets"])
    assert count(store) == 20 + in_order  # the void updated its ticket; the order added its own, nothing doubled
    service = CheckinService(store)
    assert service.scan(sandbox.ticket(voided_id)["barcode"]).kind.value == "void"
    assert service.scan(new_ticket["barcode"]).kind.value == "admitted"
    owner = store.conn.execute("SELECT connection_id FROM events WHERE remote_id = ?", (event_id,)).fetchone()[0]
    assert owner == connection.id

    report = sync_connection(store, connection)  # the next pull agrees, and the check-in goes upstream
    assert report.complete and report.push.sent == 1 and count(store) == 22  # the pull adds the other new ticket
    assert sandbox.ticket(new_ids[0])["checked_in"] == "true"
