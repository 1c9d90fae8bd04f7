"""Ticket Tailor conformance: every documented value of every field that reaches a verdict.

Each row is a fact copied from the provider's document (`tests/fixtures/provider-docs/
tickettailor-api-v1.txt:LINE`) or from `docs/providers.md` (what real traffic spells differently),
with the verdict the door must give. The payloads are the documents' own examples with one field
set; they go through the same mapper, store and verdict engine as a delivery does. For every
field one value the documents do not list must be refused ("check with a supervisor"), never
admitted (fail closed, issue 12).
"""
from __future__ import annotations

import copy

import pytest

from checkin_app.providers.payloads import map_payload
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from scripts.bench.mapper_coverage import json_examples
from tests.paths import ROOT

DOC = ROOT / "tests/fixtures/provider-docs/tickettailor-api-v1.txt"
PROVIDERS_MD = ROOT / "docs/providers.md"
_LINES = DOC.read_text(encoding="utf-8").splitlines()
_EXAMPLES = dict(json_examples(DOC.read_text(encoding="utf-8")))
ORDER = _EXAMPLES[511]  # "Retrieve an order" example response
TICKET = _EXAMPLES[1861]  # "Retrieve an issued ticket" example response
EVENT = _EXAMPLES[1209]  # "Retrieve an event" example response

ADMITTED, VOID, CHECK, ALREADY = "admitted", "void", "check_with_supervisor", "already_checked_in"

# (field, value, where the documents say so, expected verdict)
ISSUED_TICKET_STATUS = [
    ("valid", "doc:430", ADMITTED), ("void", "doc:431", VOID),
    ("valid", "doc:1649", ADMITTED), ("void", "doc:1650", VOID),
    ("voided", "doc:1578", VOID),  # the list filter's spelling
    ("voided", "providers.md:`status: \"voided\"` with `voided_at` set", VOID),  # real traffic
    ("refunded", None, CHECK),  # not documented: fail closed
]
CHECKED_IN = [("true", "doc:428", ALREADY), ("false", "doc:429", ADMITTED), ("yes", None, CHECK)]
ORDER_STATUS = [("completed", "doc:445", ADMITTED), ("pending", "doc:446", ADMITTED),
                ("cancelled", "doc:447", VOID), ("on_hold", None, CHECK)]
LINE_ITEM_TYPE = [("ticket", "doc:434", ADMITTED), ("transaction_charge", "doc:435", ADMITTED),
                  ("void", "doc:436", CHECK),  # a voided ticket the order's tickets do not name
                  ("tax", "doc:437", ADMITTED), ("gift_card", "doc:438", ADMITTED),
                  ("donation", "doc:439", ADMITTED), ("refund", None, CHECK)]
EVENT_STATUS = [(v, f"doc:{n}", ADMITTED) for n, v in zip(range(1131, 1140), (
    "draft", "published", "sales_closed", "on_sale", "sold_out", "unavailable", "hidden", "admin_only", "locked"))] + [
    ("cancelled", None, CHECK)]
WEBHOOK_TOPICS = [("ORDER.CREATED", "doc:3486", ADMITTED), ("ORDER.UPDATED", "doc:3487", ADMITTED),
                  ("ISSUED_TICKET.CREATED", "doc:3491", ADMITTED), ("ISSUED_TICKET.UPDATED", "doc:3492", ADMITTED),
                  ("EVENT.CREATED", "doc:3496", ADMITTED), ("EVENT.UPDATED", "doc:3497", ADMITTED),
                  ("EVENT.DELETED", "doc:3498", VOID),
                  ("ISSUED_TICKET.DELETED", None, CHECK), ("ORDER.REFUNDED", None, CHECK)]

# What each cited line must say (the fact as copied); providers.md facts are quoted phrases.
_DOC_TEXT = {
    "doc:430": "status | valid |", "doc:431": "status | void |", "doc:1649": "status | valid |",
    "doc:1650": "status | void |", "doc:1578": "status | voided |", "doc:428": "checked_in | true |",
    "doc:429": "checked_in | false |", "doc:445": "status | completed |", "doc:446": "status | pending |",
    "doc:447": "status | cancelled |", "doc:434": "type | ticket |", "doc:435": "type | transaction_charge |",
    "doc:436": "type | void |", "doc:437": "type | tax |", "doc:438": "type | gift_card |",
    "doc:439": "type | donation |", "doc:3486": "Created | Fires a webhook when an order is created.",
    "doc:3487": "Updated | Fires a webhook when an order is updated. This includes cancelling an order.",
    "doc:3491": "Created | Fires a webhook when an issued ticket is created.",
    "doc:3492": "Updated | Fires a webhook when an issued ticket is updated. This includes voiding issued tickets.",
    "doc:3496": "Created | Fires a webhook when an event is created.",
    "doc:3497": "Updated | Fires a webhook when an event is updated.",
    "doc:3498": "Deleted | Fires a webhook when an event is deleted.",
    **{f"doc:{n}": f"status | {v} |" for n, v in zip(range(1131, 1140), (
        "draft", "published", "sales_closed", "on_sale", "sold_out", "unavailable", "hidden", "admin_only", "locked"))},
    "doc:378": "void means ticket was voided after the purchase",
    "doc:370": "voided_at | integer¦null | Timestamp when issued ticket was voided",
}
ALL_ROWS = [*ISSUED_TICKET_STATUS, *CHECKED_IN, *ORDER_STATUS, *LINE_ITEM_TYPE, *EVENT_STATUS, *WEBHOOK_TOPICS]


@pytest.mark.parametrize("where", sorted({w for _, w, _ in ALL_ROWS if w} | {"doc:378", "doc:370"}))
def test_every_cited_fact_is_what_the_document_says(where):
    if where.startswith("doc:"):
        line = int(where[4:])
        assert _DOC_TEXT[where] in _LINES[line - 1], (where, _LINES[line - 1])
    else:
        assert where.split(":", 1)[1] in PROVIDERS_MD.read_text(encoding="utf-8")


def _scan(tmp_path, payloads: list[dict], code: str) -> dict:
    with Store(tmp_path) as store:
        for payload in payloads:
            _, batch = map_payload(payload, provider="tickettailor")
            with store.transaction() as conn:
                apply_batch(conn, batch)
        verdict = CheckinService(store).scan(code)
    return {"verdict": verdict.kind.value, "message": verdict.message}


def _ticket(**changes) -> dict:
    t = copy.deepcopy(TICKET)
    t.update(changes)
    return t


def _order(**changes) -> dict:
    o = copy.deepcopy(ORDER)
    o.update(changes)
    return o


def _envelope(topic: str, payload: dict) -> dict:
    return {"id": "wh_1", "created_at": "2026-11-24 19:00:00", "event": topic,
            "resource_url": "https://api.tickettailor.com/v1/x", "payload": payload}


@pytest.mark.parametrize("value, where, expected", ISSUED_TICKET_STATUS)
def test_issued_ticket_status(tmp_path, value, where, expected):
    got = _scan(tmp_path, [_ticket(status=value)], TICKET["barcode"])
    assert got["verdict"] == expected, got
    if expected == CHECK:
        assert got["message"] == f"Check with a supervisor: Ticket Tailor says '{value}'"


def test_voided_at_set_voids_whatever_the_status_says(tmp_path):
    # doc:370 "Timestamp when issued ticket was voided"; the issue: set means void.
    got = _scan(tmp_path, [_ticket(status="valid", voided_at=1587042800)], TICKET["barcode"])
    assert got["verdict"] == VOID


@pytest.mark.parametrize("value, where, expected", CHECKED_IN)
def test_issued_ticket_checked_in(tmp_path, value, where, expected):
    assert _scan(tmp_path, [_ticket(checked_in=value)], TICKET["barcode"])["verdict"] == expected


@pytest.mark.parametrize("value, where, expected", ORDER_STATUS)
def test_order_status_applies_to_every_ticket_of_the_order(tmp_path, value, where, expected):
    order = _order(status=value)
    for ticket in order["issued_tickets"]:  # the tickets themselves still say "valid"
        got = _scan(tmp_path / ticket["barcode"], [order], ticket["barcode"])
        assert got["verdict"] == expected, got
    if value == "pending":
        assert "payment pending" in got["message"]
    if value == "cancelled":
        assert got["message"].endswith("Void: order cancelled")


@pytest.mark.parametrize("value, where, expected", LINE_ITEM_TYPE)
def test_order_line_item_types(tmp_path, value, where, expected):
    items = copy.deepcopy(ORDER["line_items"]) + [
        {"object": "line_item", "id": "li_9", "booking_fee": 0, "description": "x", "type": value, "total": 0,
         "value": 0, "quantity": 1}]
    assert _scan(tmp_path, [_order(line_items=items)], "al4R5")["verdict"] == expected


def test_a_void_line_item_matched_by_a_voided_ticket_leaves_the_other_ticket_admitting(tmp_path):
    order = _order(line_items=ORDER["line_items"] + [{"object": "line_item", "id": "li_9", "type": "void", "quantity": 1}])
    order["issued_tickets"][1]["status"] = "voided"
    assert _scan(tmp_path / "a", [order], "al4R5")["verdict"] == ADMITTED
    assert _scan(tmp_path / "b", [order], "dx2Fv")["verdict"] == VOID


@pytest.mark.parametrize("refund, total, expected", [(0, 2900, ADMITTED), (2900, 2900, VOID), (1450, 2900, CHECK)])
def test_order_refund_amount(tmp_path, refund, total, expected):
    # doc:388 `refund_amount | integer`: money back with no ticket voided is a supervisor's call.
    assert _scan(tmp_path, [_order(refund_amount=refund, total=total)], "al4R5")["verdict"] == expected


@pytest.mark.parametrize("value, where, expected", EVENT_STATUS)
def test_event_status(tmp_path, value, where, expected):
    event = dict(EVENT, id="ev_40980", status=value)  # the event the order's tickets belong to
    assert _scan(tmp_path, [event, ORDER], "al4R5")["verdict"] == expected


@pytest.mark.parametrize("topic, where, expected", WEBHOOK_TOPICS)
def test_webhook_topics(tmp_path, topic, where, expected):
    family = topic.split(".")[0]
    if family == "EVENT":
        payloads = [ORDER, _envelope(topic, dict(EVENT, id="ev_40980"))]
    elif family == "ORDER":
        payloads = [_envelope(topic, ORDER)]
    else:
        payloads = [_envelope(topic, ORDER["issued_tickets"][0])]
    got = _scan(tmp_path, payloads, "al4R5")
    assert got["verdict"] == expected, got
    if topic == "EVENT.DELETED":
        assert got["message"].endswith("Void: event cancelled")
    if expected == CHECK:
        assert got["message"] == f"Check with a supervisor: Ticket Tailor says 'webhook: {topic}'"
