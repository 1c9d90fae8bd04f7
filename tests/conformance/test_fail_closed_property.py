"""Fail closed, as properties over every mapper (all five providers).

1. For every enumerated field that decides admission, a value no document gives never yields a
   ticket the door admits: the payload is refused (PayloadError) or its ticket is refused at the
   door (mapper -> real store -> `decide`, through `CheckinService.scan`).
2. Fuzz: any JSON-ish input to any mapper ends in a Batch or a PayloadError, never another
   exception (no KeyError, TypeError, StopIteration... from a shape nobody expected). Inputs are
   both arbitrary documents and the providers' own examples with one subtree replaced.

Fixed budget: each property runs a fixed number of derandomised examples, so CI time is bounded.
"""
from __future__ import annotations

import copy
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin_app.domain.models import Batch
from checkin_app.domain.rules import PASSING, VerdictKind
from checkin_app.errors import PayloadError
from checkin_app.providers import allowlist, oneticket, payloads, ticketevolution, ticketor, ticketsolve, tickettailor
from checkin_app.providers import tickettailor_states
from checkin_app.providers.payloads import map_payload
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from scripts.bench.mapper_coverage import json_examples
from tests.paths import PROVIDER_DOCS, REAL_TT, REFERENCE

BUDGET = settings(max_examples=200, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_ids = itertools.count(10_000)


def _ref(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


# -- 1. undocumented values never admit ---------------------------------------------------------

# Each builder: (value, unique number) -> (payload mapped to a batch, the code to scan).
def _ticketor_sale(field: str) -> Callable[[Any, int], tuple[Batch, str]]:
    def build(value, n):
        if field == "Status":
            sale = {**_ref("ticketor-new-ticket-sale.json"), "Id": n, "Barcode": str(n), "Status": value}
            return ticketor.map_any(sale), str(n)
        invoice = copy.deepcopy(_ref("ticketor-new-invoice-with-details.json"))
        invoice["Tickets"][0].update(Id=n, Barcode=str(n))
        invoice[field] = value
        return ticketor.map_any(invoice), str(n)
    return build


def _ticketsolve_item(field: str):
    def build(value, n):
        envelope = copy.deepcopy(_ref("ticketsolve-order-created.json"))
        item = envelope["data"]["object"]["line_items"]["data"][0]["object"]
        item.update(id=str(n), checkin_code=f"C{n}", **{field: value})
        return ticketsolve.map_webhook(envelope), f"C{n}"
    return build


def _ticketsolve_envelope(field: str):
    def build(value, n):
        envelope = copy.deepcopy(_ref("ticketsolve-order-created.json"))
        envelope["data"]["object"]["line_items"]["data"][0]["object"].update(id=str(n), checkin_code=f"C{n}")
        if field == "type":
            envelope["type"] = value
        else:
            envelope["data"]["object"]["object"] = value
        return ticketsolve.map_webhook(envelope), f"C{n}"
    return build


_OT_DOCS = [d for _, d in json_examples((PROVIDER_DOCS / "1ticket-legacy-api.txt").read_text(encoding="utf-8"))]
_OT_PURCHASE = next(p for d in _OT_DOCS if isinstance(d, dict) and "purchases" in (d.get("output") or [{}])[0]
                    for p in oneticket.purchases(d))
_OT_GETPDF = next(d for d in _OT_DOCS if isinstance(d, dict) and "seats" in (d.get("output") or [{}])[0])


def _oneticket(field: str):
    def build(value, n):
        purchase, getpdf = copy.deepcopy(_OT_PURCHASE), copy.deepcopy(_OT_GETPDF)
        purchase.pop("disclosures")
        purchase["rid"] = n
        seat = getpdf["output"][0]["seats"][0]
        seat.update(seatid=str(n), barcode=f"B{n}")
        target = {"seat.status": seat, "receipt.status": purchase["receipt"]}.get(field, purchase)
        target[field.rpartition(".")[2]] = value
        return oneticket.map_purchase_seats(purchase, getpdf), f"B{n}"
    return build


def _tevo(field: str):
    def build(value, n):
        order = {"id": n, "state": "accepted", "buyer": {"type": "Client", "name": "A Client"},
                 "recipient": {"name": "A Guest"},
                 "items": [{"quantity": 2, "ticket_group": {"event": {"id": 9, "name": "Cats"}}}]}
        if field == "state":
            order["state"] = value
        else:
            order["buyer"]["type"] = value
        return ticketevolution.map_order(order), f"TEVO-{n}"
    return build


def _tt_issued(n: int, **changes) -> dict:
    return {"object": "issued_ticket", "id": f"it_{n}", "barcode": f"tt{n}", "event_id": f"ev_{n}", "status": "valid",
            "checked_in": "false", "order_id": f"or_{n}", "full_name": "A Guest", **changes}


def _tt_ticket(field: str):
    def build(value, n):
        return tickettailor.map_any(_tt_issued(n, **{field: value})), f"tt{n}"
    return build


def _tt_order(field: str):
    def build(value, n):
        order = {"object": "order", "id": f"or_{n}", "status": "completed", "total": 1000, "refund_amount": 0,
                 "line_items": [{"object": "line_item", "type": "ticket", "quantity": 1, "total": 1000}],
                 "issued_tickets": [_tt_issued(n)]}
        if field == "status":
            order["status"] = value
        else:
            order["line_items"][0]["type"] = value
        return tickettailor.map_any(order), f"tt{n}"
    return build


def _tt_event_status(value, n):
    event = {"object": "event", "id": f"ev_{n}", "name": "A Show", "status": value,
             "start": {"iso": "2026-12-01T19:30:00+00:00"}}
    batch = tickettailor.map_any(event)
    batch.extend(tickettailor.map_any(_tt_issued(n)))
    return batch, f"tt{n}"


def _tt_topic(value, n):
    return tickettailor.map_any({"id": f"wh_{n}", "event": value, "payload": _tt_issued(n)}), f"tt{n}"


def _csv_row(field: str):
    def build(value, n):
        row = {"__csv__": True, "code": f"V{n}", "event": "ev_csv", field: value}
        return map_payload(row)[1], f"V{n}"
    return build


def _in(*keys):
    """Documented when the value's case-folded key is one of `keys` (a bool is never 1 or 0)."""
    def documented(value) -> bool:
        key = allowlist.key_of(value)
        return any(key == k and isinstance(key, bool) == isinstance(k, bool) for k in keys)
    return documented


def _party(value) -> bool:
    """Ticketsolve `quantity`: 1, or a party of a whole number of people (docs/providers.md)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ticketsolve.MAX_PARTY


def _named_disclosures(value) -> bool:
    """1Ticket `disclosures`: absent, or ids the disclosure table names (NOENTRY among them voids)."""
    return value is None or (isinstance(value, list) and all(i in oneticket.DOC_DISCLOSURES for i in value))


# (provider, field, is this value documented?, builder). A documented value is skipped here: its
# verdict is in the provider's conformance table.
ENUMERATED = [
    ("ticketor", "Status", _in(*ticketor.TICKET_STATUS), _ticketor_sale("Status")),
    ("ticketor", "InvoiceType", _in(*ticketor.INVOICE_TYPE), _ticketor_sale("InvoiceType")),
    ("ticketor", "ReturnStatus", _in(*ticketor.RETURN_STATUS), _ticketor_sale("ReturnStatus")),
    ("ticketsolve", "type", _in("ticket", "product", "booking_charge"), _ticketsolve_item("type")),
    ("ticketsolve", "quantity", _party, _ticketsolve_item("quantity")),
    ("ticketsolve", "topic", _in(*ticketsolve.TOPICS), _ticketsolve_envelope("type")),
    ("ticketsolve", "data.object.object", _in("order", "show", "event"), _ticketsolve_envelope("object")),
    ("oneticket", "seat.status", _in(*oneticket.SEAT_STATUS), _oneticket("seat.status")),
    ("oneticket", "receipt.status", _in(*oneticket.RECEIPT_STATUS), _oneticket("receipt.status")),
    ("oneticket", "disclosures", _named_disclosures, _oneticket("disclosures")),
    ("oneticket", "rotating_barcodes", _in(None, False), _oneticket("rotating_barcodes")),
    ("ticketevolution", "state", _in(*set(ticketevolution.ORDER_STATE) - {"pending"}), _tevo("state")),
    ("ticketevolution", "buyer.type", _in(*ticketevolution.BUYER_TYPE), _tevo("buyer.type")),
    ("tickettailor", "issued_ticket.status", _in("valid"), _tt_ticket("status")),
    ("tickettailor", "issued_ticket.checked_in", _in("false", False, "true", True, None), _tt_ticket("checked_in")),
    ("tickettailor", "order.status", _in("completed", "pending"), _tt_order("status")),
    ("tickettailor", "order.line_items.type", _in("ticket", "transaction_charge", "tax", "gift_card", "donation"),
     _tt_order("type")),
    ("tickettailor", "event.status", _in(*tickettailor_states.EVENT_STATUS, None), _tt_event_status),
    # Ticket topics only: an EVENT.* topic carrying a ticket is not a ticket delivery.
    ("tickettailor", "webhook topic", lambda v: isinstance(v, str) and v in tickettailor_states.WEBHOOK_TOPICS
     and not v.startswith("EVENT."), _tt_topic),
    ("csv import", "status", lambda v: v in (None, "") or _in(*payloads.CSV_STATUS)(v), _csv_row("status")),
]

# Values a provider could plausibly send: words, near-misses of documented ones, other JSON scalars.
_NEAR = ["Sold ", "SOLD", "sold!", "voided", "void", "valid ", "Valid", "pending", "refunded", "cancelled",
         "live ", "LIVE", "Active", "canceled", "ticket ", "Ticket", "Office ", "office", "accepted ", "2", "-1", ""]
VALUES = st.one_of(st.sampled_from(_NEAR), st.text(max_size=12), st.integers(-5, 5), st.floats(allow_nan=False),
                   st.booleans(), st.none(), st.lists(st.integers(0, 99), max_size=3))


@pytest.fixture(scope="module")
def door():
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp)) as store:
        yield store


@pytest.mark.parametrize("provider, field, documented, build", ENUMERATED, ids=[f"{p}.{f}" for p, f, *_ in ENUMERATED])
@BUDGET
@given(value=VALUES)
def test_an_undocumented_value_never_admits(door, provider, field, documented, build, value):
    if documented(value):
        return  # documented: its verdict is in the conformance table, not here
    n = next(_ids)
    try:
        batch, code = build(value, n)
    except PayloadError:
        return  # refused whole: nothing reaches the door
    with door.transaction() as conn:
        apply_batch(conn, batch)
    verdict = CheckinService(door).scan(code)
    assert verdict.kind not in PASSING, (provider, field, value, verdict.message)
    if verdict.kind is VerdictKind.CHECK_WITH_SUPERVISOR:
        assert verdict.ticket.provider_state  # the raw value is kept for the supervisor


def test_the_property_fails_on_a_mapper_that_admits_an_unknown_value(door, monkeypatch):
    """The property can fail: with an allow-list that admits everything, an undocumented value admits."""
    monkeypatch.setattr(ticketor, "TICKET_STATUS", {})
    monkeypatch.setattr(allowlist, "unrecognised", lambda value, field=None: allowlist.ADMITS)
    batch, code = _ticketor_sale("Status")("refund_requested", next(_ids))
    with door.transaction() as conn:
        apply_batch(conn, batch)
    assert CheckinService(door).scan(code).kind is VerdictKind.ADMITTED


# -- 2. fuzz: Batch or PayloadError, nothing else ----------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)

MAPPERS: dict[str, Callable[[Any], Any]] = {
    "payload(any)": lambda doc: map_payload(doc),
    "payload(tickettailor)": lambda doc: map_payload(doc, provider="tickettailor"),
    "payload(ticketor)": lambda doc: map_payload(doc, provider="ticketor"),
    "payload(ticketsolve)": lambda doc: map_payload(doc, provider="ticketsolve"),
    "tickettailor.map_any": lambda doc: tickettailor.map_any(doc),
    "ticketor.map_any": lambda doc: ticketor.map_any(doc),
    "ticketsolve.map_webhook": lambda doc: ticketsolve.map_webhook(doc),
    "oneticket.purchases": lambda doc: oneticket.purchases(doc),
    "oneticket.map_event": lambda doc: oneticket.map_event(doc),
    "oneticket.disclosure_table": lambda doc: oneticket.disclosure_table(doc),
    "oneticket.map_purchase_seats": lambda doc: oneticket.map_purchase_seats(_OT_PURCHASE, doc),
    "oneticket.map_purchase_seats(purchase)": lambda doc: oneticket.map_purchase_seats(doc, _OT_GETPDF),
    "ticketevolution.map_order": lambda doc: ticketevolution.map_order(doc),
    "ticketevolution.map_orders_page": lambda doc: ticketevolution.map_orders_page(doc),
}


def _clean(mapper: Callable[[Any], Any], doc: Any) -> None:
    """Any exception but PayloadError propagates and fails the test."""
    try:
        mapper(doc)
    except PayloadError:
        pass


@pytest.mark.parametrize("name", sorted(MAPPERS))
@BUDGET
@given(doc=JSONISH)
def test_any_input_ends_in_a_batch_or_a_payload_error(name, doc):
    _clean(MAPPERS[name], doc)


def _examples() -> list[tuple[str, Any]]:
    """(mapper name, a provider's own example): the starting points of the mutation fuzz."""
    out = [("payload(ticketor)", _ref(n)) for n in ("ticketor-new-ticket-sale.json", "ticketor-new-invoice-with-details.json")]
    out += [("payload(ticketsolve)", _ref(n)) for n in ("ticketsolve-order-created.json", "ticketsolve-event-order-created.json")]
    out.append(("payload(tickettailor)", json.loads((REAL_TT / "webhook-order-created.body.json").read_text())))
    out.append(("payload(tickettailor)", json.loads((REAL_TT / "orders-1-orders.json").read_text())["body"]))
    out.append(("oneticket.map_purchase_seats(purchase)", _OT_PURCHASE))
    out.append(("oneticket.map_purchase_seats", _OT_GETPDF))
    order = {"id": 1, "state": "accepted", "buyer": {"type": "Office", "name": "B"}, "recipient": {"name": "G"},
             "items": [{"quantity": 2, "ticket_group": {"event": {"id": 9, "name": "Cats", "venue": {"name": "V"}}}}]}
    out.append(("ticketevolution.map_orders_page", {"orders": [order, dict(order, id=2)]}))
    return out


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _paths(v, prefix + (i,))
    return found


def _replace(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    doc = copy.deepcopy(doc)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


@pytest.mark.parametrize("name, example", _examples(), ids=lambda v: v if isinstance(v, str) else "")
@BUDGET
@given(data=st.data())
def test_a_providers_example_with_any_part_replaced_ends_in_a_batch_or_a_payload_error(name, example, data):
    paths = _paths(example)
    path = paths[data.draw(st.integers(0, len(paths) - 1), label="path")]
    _clean(MAPPERS[name], _replace(example, path, data.draw(JSONISH, label="value")))
