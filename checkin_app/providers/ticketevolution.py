"""Ticket Evolution: request signing and orders -> a name-based guest list. Pure functions.

Orders carry ticket groups and quantities but no per-seat barcodes (provider-notes.md), so each
order becomes one GUEST_LIST entry with `party_size` = its ticket count, admitted by name at the
door ("3 of 4 admitted"). Its code is synthetic (`TEVO-<order id>`), for search and for staff typing
it in. Only an accepted (or completed) order admits; a pending one is not the seller's yet and
admits only where the connection allows it (`admit_pending`). Unknown states and buyer types never
admit (see the allow-lists below).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from checkin_app.domain.models import Batch, Event, Ticket, TicketKind
from checkin_app.errors import PayloadError
from checkin_app.providers import allowlist
from checkin_app.providers.tolerant import map_each

PROVIDER = "ticketevolution"


def sign(secret: str, method: str, host: str, path: str, query: dict | None = None, body: bytes | None = None) -> str:
    """X-Signature: base64(HMAC-SHA256(secret, "<METHOD> <host><path>?<sorted query or raw body>")).

    The `?` is always present; GET queries are sorted by key; body requests sign the raw body.
    """
    method = method.upper()
    if method == "GET" or body is None:
        tail = urlencode(sorted((query or {}).items()))
    else:
        tail = body.decode("utf-8")
    message = f"{method} {host}{path}?{tail}"
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value).strip() or None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


# Allow-lists (tests/conformance/test_ticketevolution_conformance.py holds them as facts with their lines).
#: Order `state`: "pending" = not yet accepted by the seller (ticketevolution-order-processing.txt:24,
#: :33); "accepted" = the seller is obliged to supply every ticket (:87-98). "completed" (delivered),
#: "rejected" and "cancelled" are the other states the sync asks for (docs/providers.md, [unverified]).
ORDER_STATE = {
    "accepted": allowlist.ADMITS,
    "completed": allowlist.ADMITS,
    "pending": allowlist.void("order pending: not yet accepted by the seller"),
    "rejected": allowlist.void("order rejected by the seller"),
    "cancelled": allowlist.void("order cancelled"),
    "canceled": allowlist.void("order cancelled"),
}
#: With the connection's `admit_pending` setting a pending order admits, with a note at the door.
PENDING_ADMITTED = allowlist.Reading(attention="order pending at Ticket Evolution (not yet accepted by the seller)")
#: `buyer.type`: "Office" = a partner or broker's order, "Client" = one of the brokerage's own clients
#: (ticketevolution-order-processing.txt:76-77). Every order has a buyer (:74).
BUYER_TYPE = {"office": allowlist.ADMITS, "client": allowlist.ADMITS}


def _event_of(order: dict) -> Event:
    for item in _list(order.get("items")):
        event = _dict(_dict(_dict(item).get("ticket_group")).get("event"))
        if _text(event.get("id")):
            return Event(PROVIDER, _text(event["id"]), _text(event.get("name")) or f"Event {_text(event['id'])}",
                         starts_at=_text(event.get("occurs_at")), venue=_text(_dict(event.get("venue")).get("name")))
    event = _dict(order.get("event"))
    if _text(event.get("id")):
        return Event(PROVIDER, _text(event["id"]), _text(event.get("name")) or f"Event {_text(event['id'])}",
                     starts_at=_text(event.get("occurs_at")))
    raise PayloadError(f"Ticket Evolution order {_text(order.get('id'))}: no event on its items")


def _name_of(who: Any) -> str | None:
    who = _dict(who)
    return _text(who.get("name")) or " ".join(
        p for p in (_text(who.get("first_name")), _text(who.get("last_name"))) if p) or None


def _email_of(who: Any) -> str | None:
    who = _dict(who)
    return _text(who.get("email")) or _text(_dict(who.get("email_address")).get("address"))


def _guest_name(order: dict) -> str | None:
    """Who comes to the door: the recipient, else the client. An Office (broker) order without a
    recipient is a broker's order, named as such, never as the brokerage's own guest."""
    recipient = _name_of(order.get("recipient"))
    if recipient:
        return recipient
    buyer = _dict(order.get("buyer"))
    if allowlist.key_of(buyer.get("type")) == "office":
        return f"Broker order: {_name_of(buyer) or 'partner'} ({_text(order.get('oid')) or _text(order.get('id'))})"
    return _name_of(order.get("client")) or _name_of(buyer)


def _party(order: dict) -> int:
    total = 0
    for item in _list(order.get("items")):
        quantity = _dict(item).get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity)
        if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0:
            total += quantity
    return max(1, total)


def map_order(order: dict, *, admit_pending: bool = False) -> Batch:
    """One order -> its event and one guest-list entry for its party.

    Args:
        order: an order from `GET /orders`.
        admit_pending: the connection allows orders the seller has not accepted yet (with a note).
    """
    if not isinstance(order, dict) or _text(order.get("id")) is None:
        raise PayloadError("Ticket Evolution order without an id")
    event = _event_of(order)
    state = allowlist.read(ORDER_STATE, order.get("state"))
    if admit_pending and allowlist.key_of(order.get("state")) == "pending":
        state = allowlist.Reading(provider_state=state.provider_state, attention=PENDING_ADMITTED.attention)
    buyer_type = allowlist.read(BUYER_TYPE, _dict(order.get("buyer")).get("type"), "buyer.type")
    email = next((e for e in map(_email_of, (order.get(k) for k in ("recipient", "client", "buyer"))) if e), None)
    order_id = _text(order["id"])
    ticket = Ticket(
        provider=PROVIDER, remote_id=order_id, event_remote_id=event.remote_id, code=f"TEVO-{order_id}",
        holder_name=_guest_name(order), email=email, ticket_type="Guest list",
        order_ref=_text(order.get("oid")) or order_id, kind=TicketKind.GUEST_LIST, party_size=_party(order),
        raw=order, **allowlist.combine(state, buyer_type).ticket_fields(),
    )
    return Batch(events=[event], tickets=[ticket])


def map_orders_page(page: dict, *, admit_pending: bool = False) -> Batch:
    """A page of orders. An order that cannot be mapped (no event, no id) is set aside with its
    reason; the rest of the page still arrives."""
    orders = page.get("orders") if isinstance(page, dict) else None
    if not isinstance(orders, list):
        raise PayloadError("Ticket Evolution orders page without an orders list")
    batch = map_each(PROVIDER, "order", orders, lambda order: map_order(order, admit_pending=admit_pending))
    batch.events = list(dict.fromkeys(batch.events))
    return batch


def code_variants(code: str) -> list[str]:
    return []
