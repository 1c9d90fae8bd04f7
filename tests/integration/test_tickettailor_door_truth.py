"""Issue 12, Ticket Tailor defects 1-5, through the routes a user takes, each ending in `scan --json`.

The simulator speaks the documents' spellings as well as real traffic's (`void` and `voided`,
cancelled and pending orders, deleted events, check-ins taken back), over loopback HTTP; webhooks
go through the real receiver with a signature computed by the simulator from the documents' words.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.webhooks.receiver import Receiver, ReceiverConfig

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk_sandbox_door_truth_1"
SECRET = "whsec_" + "d" * 30


def cli(data_dir, *args, check=None, env=None):
    proc = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=90,
                          env={**os.environ, "TT_KEY": KEY, **(env or {})})
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def scan(data_dir, code, env=None) -> dict:
    proc = cli(data_dir, "scan", code, "--json", env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def sync(data_dir):
    return cli(data_dir, "sync", "--json", check=0)


@pytest.fixture(params=["voided", "void"], ids=["real-spelling", "doc-spelling"])
def box(request):
    with TicketTailorSandbox(KEY, seed=12, void_spelling=request.param) as sb:
        yield sb


@pytest.fixture
def door(tmp_path, box):
    data = tmp_path / "door"
    cli(data, "connect", "tickettailor", "box", "--base-url", box.base_url, "--api-key-env", "TT_KEY", check=0)
    return data


def deliver(data_dir, box, topic, payload):
    body, headers = box.webhook(topic, payload, SECRET)
    with Receiver(data_dir, ReceiverConfig(tickettailor_secret=SECRET)) as receiver, \
            httpx.Client(base_url=receiver.base_url) as http:
        answer = http.post("/hooks/tickettailor", content=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


# -- defect 1: `void` (documents) and `voided` (real traffic) both void; voided_at set voids ---------

def test_defect1_a_void_in_either_spelling_is_refused_after_sync(door, box):
    event = box.seed_event("Night", 6)
    sync(door)
    victim = box.event_ticket_ids(event)[2]
    box.void(victim)
    sync(door)
    got = scan(door, box.ticket(victim)["barcode"])
    assert box.ticket(victim)["status"] == box.box_office.void_spelling
    assert got["verdict"] == "void" and got["ticket"]["provider_state"] == box.box_office.void_spelling


def test_defect1_voided_at_set_voids_whatever_the_status_says_by_webhook(door, box):
    event = box.seed_event("Night", 4)
    sync(door)
    ticket = box.ticket(box.event_ticket_ids(event)[0])
    deliver(door, box, "ISSUED_TICKET.UPDATED", {**ticket, "status": "valid", "voided_at": 1764500000})
    assert scan(door, ticket["barcode"])["verdict"] == "void"


def test_defect1_an_undocumented_status_is_refused_for_a_supervisor(door, box):
    event = box.seed_event("Night", 4)
    sync(door)
    ticket = box.ticket(box.event_ticket_ids(event)[1])
    deliver(door, box, "ISSUED_TICKET.UPDATED", {**ticket, "status": "refund_pending"})
    got = scan(door, ticket["barcode"])
    assert got["verdict"] == "check_with_supervisor"
    assert got["message"] == "Check with a supervisor: Ticket Tailor says 'refund_pending'"
    status = json.loads(cli(door, "status", "--json", check=0).stdout)
    assert status["unrecognised_tickets"]["count"] == 1


# -- defect 2: order status, by pull and by ORDER.UPDATED; void line items; refunds ------------------

def test_defect2_a_cancelled_order_pulled_by_sync_refuses_its_tickets(door, box):
    event = box.seed_event("Night", 8)
    sync(door)
    ticket = box.ticket(box.event_ticket_ids(event)[0])
    box.cancel_order(ticket["order_id"])
    assert box.ticket(ticket["id"])["status"] == "valid"  # the ticket itself still says valid
    sync(door)
    got = scan(door, ticket["barcode"])
    assert got["verdict"] == "void" and got["message"].endswith("Void: order cancelled")


def test_defect2_order_updated_webhooks_cancel_and_pending_orders(door, box):
    event = box.seed_event("Night", 2)
    sync(door)
    pending_ids = box.add_tickets(event, 1, status="pending")  # pay at the door
    cancelled = box.ticket(box.event_ticket_ids(event)[0])
    deliver(door, box, "ORDER.UPDATED", box.cancel_order(cancelled["order_id"]))
    deliver(door, box, "ORDER.CREATED", box.order(box.ticket(pending_ids[0])["order_id"]))
    assert scan(door, cancelled["barcode"])["verdict"] == "void"
    pending = scan(door, box.ticket(pending_ids[0])["barcode"])
    assert pending["verdict"] == "admitted" and "payment pending" in pending["message"]
    assert pending["ticket"]["attention"] == "payment pending"


def test_defect2_a_pending_order_that_was_paid_loses_its_note_on_the_next_sync(door, box):
    event = box.seed_event("Night", 2)
    ids = box.add_tickets(event, 1, status="pending")
    sync(door)
    order_id = box.ticket(ids[0])["order_id"]
    box.set_order_status(order_id, "completed")
    sync(door)  # it left the pending list: read by id
    got = scan(door, box.ticket(ids[0])["barcode"])
    assert got["verdict"] == "admitted" and got["ticket"]["attention"] is None


def test_defect2_void_line_items_and_refunds_are_evidence_by_import(tmp_path, box):
    event = box.seed_event("Night", 3, named_fraction=1.0)
    ticket = box.ticket(box.event_ticket_ids(event)[0])
    order = box.refund(ticket["order_id"], 1000, void_items=1)  # a voided ticket nobody names
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"data": [order]}))
    data = tmp_path / "door"
    cli(data, "import", str(path), check=0)
    assert scan(data, ticket["barcode"])["verdict"] == "check_with_supervisor"


# -- defect 3: EVENT.DELETED refuses the event's tickets -------------------------------------------

def test_defect3_event_deleted_by_webhook_refuses_its_tickets(door, box):
    event = box.seed_event("Cancelled show", 3)
    sync(door)
    ticket = box.ticket(box.event_ticket_ids(event)[0])
    deliver(door, box, "EVENT.DELETED", box.delete_event(event))
    got = scan(door, ticket["barcode"])
    assert got["verdict"] == "void" and got["message"].endswith("Void: event cancelled")
    assert got["ticket"]["event_name"] == "Cancelled show"  # the deletion did not rename it


def test_defect3_an_event_gone_upstream_is_refused_after_sync(door, box):
    event = box.seed_event("Gone show", 3)
    sync(door)
    ticket = box.ticket(box.event_ticket_ids(event)[0])
    box.delete_event(event)
    sync(door)
    assert scan(door, ticket["barcode"])["message"].endswith("Void: event cancelled")


# -- defect 4: a check-in deleted upstream is cleared on the next pull -----------------------------

def test_defect4_a_checkin_deleted_upstream_clears_on_the_next_pull(door, box):
    event = box.seed_event("Night", 5)
    ticket_id = box.event_ticket_ids(event)[1]
    check_in = box.check_in(ticket_id)
    sync(door)
    barcode = box.ticket(ticket_id)["barcode"]
    state = json.loads(cli(door, "search", barcode, "--json", check=0).stdout)["results"][0]
    assert state["checked_in_at"] is not None
    box.delete_check_in(check_in)
    sync(door)
    assert scan(door, barcode)["verdict"] == "admitted"


# -- defect 5: event times in the event's own zone ---------------------------------------------------

def test_defect5_the_verdict_names_the_event_at_its_own_local_time(door, box):
    start = 1767225600 + 19 * 3600 + 30 * 60 + 5 * 3600  # 2026-01-01 19:30 in New York (UTC-5)
    event = box.seed_event("New York show", 2, start=start, tz_name="America/New_York")
    box.seed_event("Other show", 2)
    sync(door)
    barcode = box.ticket(box.event_ticket_ids(event)[0])["barcode"]
    got = scan(door, barcode, env={"TZ": "Asia/Tokyo"})  # the laptop is set to Tokyo
    assert got["scope"] == "all"
    assert got["message"].startswith("[New York show Thu 01 Jan 19:30]"), got["message"]
    listed = json.loads(cli(door, "events", "--json", env={"TZ": "Asia/Tokyo"}, check=0).stdout)["events"]
    assert {e["name"]: e["when"] for e in listed}["New York show"] == "Thu 01 Jan 19:30"
