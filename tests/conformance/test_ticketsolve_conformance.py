"""Ticketsolve conformance: every documented value of every field that decides admission, with the
door's verdict, plus one undocumented value per field.

Fields that reach a verdict: a line item's `type` and `quantity`; the envelope's `type` (topic) and
`data.object.object` decide whether a delivery is read at all (an unknown one is stored unapplied with
its reason, so its codes stay unknown at the door). Payloads are the document's own order example
with one value changed.
"""
import copy
import json

import pytest

from checkin_app.errors import PayloadError
from checkin_app.providers import ticketsolve
from tests.conformance.facts import UNDOCUMENTED, Fact, check_cited, door_verdict
from tests.paths import REFERENCE

DOC = "ticketsolve-webhooks.txt"
CODE = "UQE2BK7L1G"  # the first ticket line item's checkin_code (ticketsolve-webhooks.txt:77)

LINE_ITEM_FACTS = [
    Fact("type", "ticket", f"{DOC}:66", "admitted"),
    Fact("type", "product", f"{DOC}:120", "not_admission"),
    Fact("type", "booking_charge", f"{DOC}:141", "unknown", "a charge has no code: nothing to scan"),
    Fact("type", UNDOCUMENTED, "", "check_with_supervisor", "a type we do not know, carrying a checkin_code"),
    Fact("quantity", 1, f"{DOC}:70", "admitted"),
    Fact("quantity", 3, "docs/providers.md#Ticketsolve", "admitted", "a party of three on one code: 1 of 3"),
    Fact("quantity", 0, "", "check_with_supervisor", "undocumented"),
]
TOPIC_FACTS = [
    Fact("type", "order.created", f"{DOC}:13", "admitted"),
    Fact("type", "order.created", f"{DOC}:2", "admitted", "the list of topics"),
    Fact("type", "shows.order.created", f"{DOC}:3", "admitted"),
    Fact("type", "show.order.created", f"{DOC}:200", "admitted", "the example's spelling"),
    Fact("type", "event.order.created", f"{DOC}:225", "admitted"),
    Fact("type", "order.refunded", "", "unknown", "undocumented topic: stored unapplied"),
]
OBJECT_FACTS = [
    Fact("data.object.object", "order", f"{DOC}:17", "admitted"),
    Fact("data.object.object", "refund", "", "unknown", "undocumented object: stored unapplied"),
]


def order_envelope() -> dict:
    return copy.deepcopy(json.loads((REFERENCE / "ticketsolve-order-created.json").read_text()))


@pytest.mark.parametrize("fact", LINE_ITEM_FACTS, ids=str)
def test_line_item_values(tmp_path, fact):
    check_cited(fact, spelled={1: '"quantity": 1', 3: "above 1"}.get(fact.value) if fact.field == "quantity" else None)
    envelope = order_envelope()
    item = envelope["data"]["object"]["line_items"]["data"][0]["object"]
    item[fact.field] = fact.value if fact.value != UNDOCUMENTED else "addon"
    batch = ticketsolve.map_webhook(envelope)
    verdict = door_verdict(tmp_path, batch, CODE)
    assert verdict["verdict"] == fact.verdict, verdict["message"]
    if fact.verdict == "check_with_supervisor":
        shown = "type: addon" if fact.field == "type" else f"quantity: {fact.value}"
        assert f"Ticketsolve says '{shown}'" in verdict["message"]
    if fact.value == 3:
        assert "1 of 3 admitted" in verdict["message"]


@pytest.mark.parametrize("fact", TOPIC_FACTS + OBJECT_FACTS, ids=str)
def test_envelope_values(tmp_path, fact):
    check_cited(fact)
    envelope = order_envelope()
    if fact.field == "type":
        envelope["type"] = fact.value
    else:
        envelope["data"]["object"]["object"] = fact.value
    if fact.verdict == "unknown":
        with pytest.raises(PayloadError):
            ticketsolve.map_webhook(envelope)
        return
    assert door_verdict(tmp_path, ticketsolve.map_webhook(envelope), CODE)["verdict"] == fact.verdict
