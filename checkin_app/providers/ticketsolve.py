"""Ticketsolve webhook payloads -> domain types. Pure functions.

Ticketsolve fires `order.created`, `shows.order.created` (spelt `show.order.created` in its docs;
both accepted) and `event.order.created`, all on order completion (provider-notes.md). Only the
order payload carries tickets: `line_items` of type `ticket` have a `checkin_code`; `product`
items have `PR:` codes (stored, never admit); `booking_charge` items have no code.

The event: line items carry no event id. Their `variant_id` is the event instance (it equals the
`id` of the `event.order.created` example, 128395329, whose `product_id` is the show), so tickets
are filed under `variant_id`. The show/event webhooks carry only the show or event object.
"""
from __future__ import annotations

import re
from typing import Any

from checkin_app.domain.models import Batch, Event, Ticket, TicketKind
from checkin_app.errors import PayloadError

PROVIDER = "ticketsolve"
TOPICS = {"order.created", "shows.order.created", "show.order.created", "event.order.created"}
_ITEM_SUFFIX = re.compile(r"\s+-\s+#\d+\s+@.*$")


def _obj(wrapper: Any) -> dict:
    """Ticketsolve wraps objects as {"object": {...}}."""
    if isinstance(wrapper, dict) and isinstance(wrapper.get("object"), dict):
        return wrapper["object"]
    return wrapper if isinstance(wrapper, dict) else {}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value).strip() or None


def map_order(order: dict) -> Batch:
    items = order.get("line_items")
    data = items.get("data") if isinstance(items, dict) else items
    if not isinstance(data, list):
        raise PayloadError(f"Ticketsolve order {order.get('id')}: no line_items list")
    customer = _obj(order.get("customer"))
    holder = _text(customer.get("name")) or " ".join(
        p for p in (_text(customer.get("first_name")), _text(customer.get("last_name"))) if p) or None
    email = _text(customer.get("email_address"))
    batch = Batch()
    events: dict[str, Event] = {}
    for wrapped in data:
        item = _obj(wrapped)
        kind = item.get("type")
        if kind == "booking_charge" or not item.get("checkin_code"):
            continue
        code = _text(item.get("checkin_code"))
        event_id = _text(item.get("variant_id")) or _text(item.get("product_id"))
        if event_id is None:
            raise PayloadError(f"Ticketsolve line item {item.get('id')}: no variant_id to file it under")
        meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        if kind == "ticket" and event_id not in events:
            title = _ITEM_SUFFIX.sub("", _text(item.get("description")) or "") or _text(item.get("name")) or event_id
            events[event_id] = Event(PROVIDER, event_id, title, venue=_text(meta.get("venue_name")))
        seat = " ".join(p for p in (_text(meta.get("section")), _text(meta.get("row")), _text(meta.get("number"))) if p)
        is_product = kind == "product" or (code or "").startswith("PR:")
        if is_product and event_id not in events:
            # Products (donations, merchandise) belong to no event; keep them with the order's first event.
            event_id = next(iter(events), event_id)
            events.setdefault(event_id, Event(PROVIDER, event_id, _text(item.get("name")) or event_id))
        batch.tickets.append(Ticket(
            provider=PROVIDER, remote_id=_text(item.get("id")), event_remote_id=event_id, code=code,
            holder_name=holder, email=email, ticket_type=_text(meta.get("price_type")) or _text(item.get("name")),
            order_ref=_text(order.get("id")), seat=seat or None,
            kind=TicketKind.PRODUCT if is_product else TicketKind.ADMISSION, raw=item,
        ))
    batch.events.extend(events.values())
    return batch


def map_webhook(envelope: dict) -> Batch:
    topic = envelope.get("type")
    if topic not in TOPICS:
        raise PayloadError(f"Ticketsolve webhook type {topic!r} is not one this app reads")
    obj = _obj(envelope.get("data"))
    kind = obj.get("object")
    if kind == "order":
        return map_order(obj)
    if kind == "event":
        # An event's new-order notice carries the event, not the tickets.
        event_id = _text(obj.get("id"))
        if event_id is None:
            raise PayloadError(f"Ticketsolve {topic}: event without an id")
        return Batch(events=[Event(PROVIDER, event_id, _text(obj.get("name")) or event_id, raw=obj)])
    if kind == "show":
        return Batch()  # a show is a series, not something a door admits: nothing to store
    raise PayloadError(f"Ticketsolve {topic}: unexpected object {kind!r}")


def looks_like(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("object") == "event" and isinstance(obj.get("type"), str) and "data" in obj


def code_variants(code: str) -> list[str]:
    return []
