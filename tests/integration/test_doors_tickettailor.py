"""Pushes from whichever door is online, once per act: two doors and the Ticket Tailor simulator,
door A cut off from the simulator (through a proxy) but connected to door B."""
import json
import os
from urllib.parse import urlsplit

import pytest

from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services.checkin import CheckinService
from checkin_app.services.supervisor import conflicts
from tests.helpers.doors import DoorCluster, poll
from tests.helpers.tcp_proxy import TcpProxy
from tests.integration.test_doors_cluster import cli

KEY = "sk_sandbox_doors_1234"


@pytest.fixture
def sandbox():
    with TicketTailorSandbox(KEY, seed=7) as sb:
        yield sb


def test_an_offline_doors_acts_reach_the_provider_once_through_the_online_door(tmp_path, sandbox):
    os.environ["TT_KEY"] = KEY
    event = sandbox.seed_event("Doors night", 30)
    upstream = urlsplit(sandbox.base_url)
    a_link = TcpProxy((upstream.hostname, upstream.port))  # door A's only way to the box office
    venue = DoorCluster(tmp_path, n=2, serve_args=["--push-grace", "0.3", "--sync-interval", "0.5"])
    try:
        base = sandbox.base_url.replace(f"{upstream.hostname}:{upstream.port}", f"127.0.0.1:{a_link.port}")
        for data_dir, url in ((venue.dirs[0], base), (venue.dirs[1], sandbox.base_url)):
            assert cli(data_dir, "connect", "tickettailor", "box", "--base-url", url, "--api-key-env", "TT_KEY").returncode == 0
            assert cli(data_dir, "sync").returncode == 0
        a_link.cut()  # the venue's internet fails at door A only
        venue.start_all()

        ticket_id = sandbox.event_ticket_ids(event)[0]
        code = sandbox.ticket(ticket_id)["barcode"]
        door_a = CheckinService(venue.store(0), door="Door A")
        assert door_a.scan(code).kind.value == "admitted"
        local_event = venue.store(0).conn.execute("SELECT id FROM events WHERE remote_id = ?", (event,)).fetchone()[0]
        walkup = door_a.issue(local_event, "Walk Up", "walk@example.com")
        assert door_a.scan(walkup.code).kind.value == "admitted"

        walkups = lambda: [t for t in sandbox.event_ticket_ids(event) if sandbox.ticket(t)["barcode"] == walkup.code]  # noqa: E731
        poll(lambda: sandbox.ticket(ticket_id)["checked_in"] == "true" and len(walkups()) == 1
             and sandbox.ticket(walkups()[0])["checked_in"] == "true", timeout=30)
        # B's 'pushed' rows reach A: A's outbox closes without A ever reaching the provider.
        poll(lambda: venue.store(0).conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state != 'done'").fetchall()[0][0] == 0, timeout=15)
        assert all(not r.fault for r in sandbox.requests_to("POST", "/check_ins"))
    finally:
        venue.stop()
    a_link.heal()
    # Door A is back online: nothing is left for it to send, and its pull finds no strangers' check-ins.
    report = json.loads(cli(venue.dirs[0], "sync", "--json").stdout)
    assert report["connections"][0]["push"]["sent"] == 0
    assert len(sandbox.requests_to("POST", "/check_ins")) == 2  # the ticket and the walk-up, once each
    assert len(sandbox.requests_to("POST", "/issued_tickets")) == 1
    assert len(walkups()) == 1
    from checkin_app.store import Store

    with Store(venue.dirs[0]) as store:
        assert [c for c in conflicts(store) if c.kind != "push_failed"] == []
        assert store.conn.execute("SELECT remote_id FROM tickets WHERE code = ?", (walkup.code,)).fetchone()[0] == walkups()[0]
