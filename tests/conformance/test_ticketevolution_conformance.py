"""Ticket Evolution conformance: every documented value of every field that decides admission, with the
door's verdict, plus one undocumented value per field.

Fields that reach a verdict: the order's `state`, and `buyer.type` (it decides whose name the door
shows). The document shows no order JSON, so the order is built from the fields it names
(ticketevolution-order-processing.txt:37-47: `items`, `quantity`, `ticket_group.remote_id`; :74-77: `buyer.type`).
"""
import pytest

from checkin_app.providers import ticketevolution
from tests.conformance.facts import ABSENT, UNDOCUMENTED, Fact, check_cited, door_verdict

DOC = "ticketevolution-order-processing.txt"

STATE_FACTS = [
    Fact("state", "pending", f"{DOC}:24", "void", "not yet accepted by the seller: refused by default"),
    Fact("state", "pending", f"{DOC}:33", "void", "the documented query state=pending"),
    Fact("state", "accepted", f"{DOC}:87-98", "admitted", "Accepting an Order (POST .../accept)"),
    Fact("state", "completed", "docs/providers.md#Ticket Evolution", "admitted", "[unverified]"),
    Fact("state", "rejected", "docs/providers.md#Ticket Evolution", "void", "[unverified]"),
    Fact("state", "cancelled", "docs/providers.md#Ticket Evolution", "void", "[unverified]"),
    Fact("state", UNDOCUMENTED, "", "check_with_supervisor"),
]
BUYER_FACTS = [
    Fact("buyer.type", "Office", f"{DOC}:76", "admitted"),
    Fact("buyer.type", "Client", f"{DOC}:77", "admitted"),
    Fact("buyer.type", ABSENT, f"{DOC}:74", "check_with_supervisor", "All orders have a buyer object"),
    Fact("buyer.type", UNDOCUMENTED, "", "check_with_supervisor"),
]
SPELLED = {"accepted": "Accepting an Order", ABSENT: "All orders have a buyer object"}


def order(state="accepted", buyer_type="Client", recipient="Grace Hopper") -> dict:
    doc = {"id": 501, "oid": "R0000501", "state": state, "buyer": {"type": buyer_type, "name": "Partner Tickets LLC"},
           "items": [{"id": 5011, "quantity": 2, "ticket_group": {
               "remote_id": "TG-1", "event": {"id": 9, "name": "Cats", "occurs_at": "2026-12-01T19:30:00-05:00"}}}]}
    if buyer_type is ABSENT:
        del doc["buyer"]
    if recipient:
        doc["recipient"] = {"name": recipient}
    return doc


@pytest.mark.parametrize("fact", STATE_FACTS + BUYER_FACTS, ids=str)
def test_every_documented_value_and_one_undocumented(tmp_path, fact):
    check_cited(fact, SPELLED.get(fact.value) if not isinstance(fact.value, list) else None)
    doc = order(state=fact.value) if fact.field == "state" else order(buyer_type=fact.value)
    verdict = door_verdict(tmp_path, ticketevolution.map_order(doc), "TEVO-501")
    assert verdict["verdict"] == fact.verdict, verdict["message"]
    if fact.verdict == "admitted":
        assert "1 of 2 admitted" in verdict["message"]
    if fact.verdict == "check_with_supervisor":
        shown = "no buyer.type" if fact.value is ABSENT else (
            f"buyer.type: {fact.value}" if fact.field == "buyer.type" else fact.value)
        assert f"Ticket Evolution says '{shown}'" in verdict["message"]


def test_a_pending_order_admits_only_where_the_connection_allows_it(tmp_path):
    refused = door_verdict(tmp_path, ticketevolution.map_order(order(state="pending")), "TEVO-501")
    assert refused["verdict"] == "void" and "pending" in refused["message"] + str(refused["ticket"]["void_reason"])
    allowed = door_verdict(tmp_path, ticketevolution.map_order(order(state="pending"), admit_pending=True), "TEVO-501")
    assert allowed["verdict"] == "admitted" and "pending" in allowed["message"]


def test_an_office_order_without_a_recipient_is_a_broker_order(tmp_path):
    verdict = door_verdict(tmp_path, ticketevolution.map_order(order(buyer_type="Office", recipient=None)), "TEVO-501")
    assert verdict["verdict"] == "admitted"
    assert "Broker order: Partner Tickets LLC (R0000501)" in verdict["message"]
    client = ticketevolution.map_order(order(buyer_type="Client", recipient=None)).tickets[0]
    assert client.holder_name == "Partner Tickets LLC"  # a client buys for themself
