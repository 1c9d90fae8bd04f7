"""Ticket Evolution: request signing and orders -> a name-based guest list. Pure functions.

Orders carry ticket groups and quantities but no per-seat barcodes (provider-notes.md), so each
pending or accepted order becomes one GUEST_LIST entry with `party_size` = its ticket count,
admitted by name at the door ("3 of 4 admitted"). Its code is synthetic (`TEVO-<order id>`),
for search and for staff typing it in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from checkin_app.domain.models import Batch, Event, Ticket, TicketKind, TicketStatus
from checkin_app.errors import PayloadError

PROVIDER = "ticketevolution"
ADMITTING_STATES = {"pending", "accepted", "completed"}


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


def _event_of(order: dict) -> Event:
    for item in order.get("items") or []:
        group = (item or {}).get("ticket_group") or {}
        event = group.get("event") if isinstance(group, dict) else None
        if isinstance(event, dict) and _text(event.get("id")):
            return Event(PROVIDER, _text(event["id"]), _text(event.get("name")) or f"Event {event['id']}",
                         starts_at=_text(event.get("occurs_at")), venue=_text((event.get("venue") or {}).get("name")))
    event = order.get("event")
    if isinstance(event, dict) and _text(event.get("id")):
        return Event(PROVIDER, _text(event["id"]), _text(event.get("name")) or f"Event {event['id']}",
                     starts_at=_text(event.get("occurs_at")))
    raise PayloadError(f"Ticket Evolution order {order.get('id')}: no event on its items")


def _guest_name(order: dict) -> str | None:
    for key in ("recipient", "client", "buyer"):
        who = order.get(key)
        if isinstance(who, dict):
            name = _text(who.get("name")) or " ".join(
                p for p in (_text(who.get("first_name")), _text(who.get("last_name"))) if p)
            if name:
                return name
    return None


def map_order(order: dict) -> Batch:
    if not isinstance(order, dict) or _text(order.get("id")) is None:
        raise PayloadError("Ticket Evolution order without an id")
    event = _event_of(order)
    party = sum(int((item or {}).get("quantity") or 0) for item in order.get("items") or [])
    state = str(order.get("state", "")).lower()
    email = None
    for key in ("recipient", "client", "buyer"):
        who = order.get(key) if isinstance(order.get(key), dict) else {}
        email = email or _text(who.get("email")) or _text((who.get("email_address") or {}).get("address")
                                                          if isinstance(who.get("email_address"), dict) else None)
    ticket = Ticket(
        provider=PROVIDER, remote_id=_text(order["id"]), event_remote_id=event.remote_id, code=f"TEVO-{order['id']}",
        holder_name=_guest_name(order), email=email, ticket_type="Guest list", order_ref=_text(order.get("oid")) or _text(order["id"]),
        status=TicketStatus.VALID if state in ADMITTING_STATES else TicketStatus.VOID,
        kind=TicketKind.GUEST_LIST, party_size=max(1, party), raw=order,
    )
    return Batch(events=[event], tickets=[ticket])


def map_orders_page(page: dict) -> Batch:
    orders = page.get("orders") if isinstance(page, dict) else None
    if not isinstance(orders, list):
        raise PayloadError("Ticket Evolution orders page without an orders list")
    batch = Batch()
    for order in orders:
        mapped = map_order(order)
        batch.tickets.extend(mapped.tickets)
        batch.events.extend(e for e in mapped.events if e not in batch.events)
    return batch


def code_variants(code: str) -> list[str]:
    return []
