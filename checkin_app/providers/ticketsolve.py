"""Ticketsolve webhook payloads -> domain types. Pure functions.

Ticketsolve fires `order.created`, `shows.order.created` (spelt `show.order.created` in its docs;
both accepted) and `event.order.created`, all on order completion (provider-notes.md). Only the
order payload carries tickets: `line_items` of type `ticket` have a `checkin_code` and admit (a
`quantity` above one is a party on one code); `product` items have `PR:` codes (stored, never admit);
`booking_charge` items have no code; any other type with a code is stored and never admits.
The event's date and venue come from the line item's description (`Show - 30 Nov 2022 - 20:00/Venue`).

The event: line items carry no event id. Their `variant_id` is the event instance (it equals the
`id` of the `event.order.created` example, 128395329, whose `product_id` is the show), so tickets
are filed under `variant_id`. The show/event webhooks carry only the show or event object.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from checkin_app.domain.attention import TicketDetails
from checkin_app.domain.models import Batch, Event, Ticket, TicketKind
from checkin_app.errors import PayloadError
from checkin_app.providers import allowlist
from checkin_app.providers.tolerant import map_each

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


# Allow-lists (tests/conformance/test_ticketsolve_conformance.py holds them as facts with their lines).
#: Line item `type` -> what its code is: "ticket" (ticketsolve-webhooks.txt:66, :93) admits, "product"
#: (:120, code `PR:…` at :131) never does, "booking_charge" (:141, :158) has no code. Any other type
#: carrying a `checkin_code` is kept but never admits.
LINE_ITEM_KINDS = {"ticket": TicketKind.ADMISSION, "product": TicketKind.PRODUCT}
NO_CODE_TYPES = {"booking_charge"}
#: `quantity`: 1 in every example (ticketsolve-webhooks.txt:70, :97, :124); more is a party of that
#: size on one code (admitted one by one, "2 of 3 admitted"). Beyond this it is not a party, it is a bug.
MAX_PARTY = 1000

# "Sarah Millican - 30 Nov 2022 - 20:00/Royal Theatre - #1 @ 10.0" (ticketsolve-webhooks.txt:75):
# title, date, time, venue, then the line's count and price.
_DESCRIPTION = re.compile(r"^(?P<title>.+?) - (?P<day>\d{1,2} [A-Za-z]{3,9} \d{4}) - (?P<time>\d{1,2}:\d{2})"
                          r"(?:/(?P<venue>.*?))?(?:\s+-\s+#\d+\s+@.*)?$")


def _starts_at(description: str | None) -> str | None:
    """The event's local start (`2022-11-30T20:00:00`) from a line item's description, if it has one."""
    match = _DESCRIPTION.match(description or "")
    if match is None:
        return None
    for pattern in ("%d %b %Y %H:%M", "%d %B %Y %H:%M"):
        try:
            return datetime.strptime(f"{match['day']} {match['time']}", pattern).isoformat()
        except ValueError:
            continue
    return None


def _party(item: dict) -> tuple[TicketKind | None, int, allowlist.Reading]:
    """(kind override, party size, reading) from `quantity`."""
    quantity = item.get("quantity")
    if quantity == 1 and not isinstance(quantity, bool):
        return None, 1, allowlist.ADMITS
    if isinstance(quantity, int) and not isinstance(quantity, bool) and 1 < quantity <= MAX_PARTY:
        return TicketKind.GUEST_LIST, quantity, allowlist.ADMITS
    return None, 1, allowlist.unrecognised(quantity, "quantity")


def _line_ticket(item: dict, order: dict, holder: str | None, email: str | None,
                 events: dict[str, Event]) -> Ticket | None:
    """One line item -> a ticket (None: nothing to scan). Raises PayloadError when it cannot be filed."""
    kind_text = item.get("type")
    code = _text(item.get("checkin_code"))
    if code is None or (isinstance(kind_text, str) and kind_text in NO_CODE_TYPES):
        return None
    event_id = _text(item.get("variant_id")) or _text(item.get("product_id"))
    if event_id is None:
        raise PayloadError(f"Ticketsolve line item {_text(item.get('id'))}: no variant_id to file it under")
    meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
    kind = LINE_ITEM_KINDS.get(kind_text) if isinstance(kind_text, str) else None
    is_product = kind is TicketKind.PRODUCT or code.startswith("PR:")
    reading = allowlist.ADMITS if kind is not None else allowlist.unrecognised(kind_text, "type")
    if kind is TicketKind.ADMISSION and not is_product and event_id not in events:
        description = _text(item.get("description"))
        title = _ITEM_SUFFIX.sub("", description or "") or _text(item.get("name")) or event_id
        events[event_id] = Event(PROVIDER, event_id, title, starts_at=_starts_at(description),
                                 venue=_text(meta.get("venue_name")))
    if is_product and event_id not in events:
        # Products (donations, merchandise) belong to no event; keep them with the order's first event.
        event_id = next(iter(events), event_id)
        events.setdefault(event_id, Event(PROVIDER, event_id, _text(item.get("name")) or event_id))
    party_kind, party, quantity_reading = _party(item)
    seat = " ".join(p for p in (_text(meta.get("section")), _text(meta.get("row")), _text(meta.get("number"))) if p)
    return Ticket(
        provider=PROVIDER, remote_id=_text(item.get("id")), event_remote_id=event_id, code=code,
        holder_name=holder, email=email, ticket_type=_text(meta.get("price_type")) or _text(item.get("name")),
        order_ref=_text(order.get("id")), seat=seat or None,
        kind=TicketKind.PRODUCT if is_product else (party_kind or TicketKind.ADMISSION), party_size=party,
        details=TicketDetails(metadata=metadata(item, meta)), raw=item,
        **allowlist.combine(reading, quantity_reading).ticket_fields(),
    )


def metadata(item: dict, meta: dict) -> tuple[tuple[str, str], ...]:
    """A line item's `metadata` fields (comment, number, price_type, row, section, venue_layout_name,
    venue_name: ticketsolve-webhooks.txt:78-86) and its `tags` (:74), as text, for attention rules
    ("metadata comment contains wheelchair"). Empty values and nested objects are left out."""
    pairs = [(str(k), _text(v)) for k, v in meta.items()] + [("tags", _text(item.get("tags")))]
    return tuple((k, v) for k, v in pairs if v)


def map_order(order: dict) -> Batch:
    """An order's line items -> tickets; one that cannot be filed is set aside, the rest arrive."""
    items = order.get("line_items")
    data = items.get("data") if isinstance(items, dict) else items
    if not isinstance(data, list):
        raise PayloadError(f"Ticketsolve order {_text(order.get('id'))}: no line_items list")
    customer = _obj(order.get("customer"))
    holder = _text(customer.get("name")) or " ".join(
        p for p in (_text(customer.get("first_name")), _text(customer.get("last_name"))) if p) or None
    email = _text(customer.get("email_address"))
    events: dict[str, Event] = {}

    def one(wrapped: Any) -> Batch:
        ticket = _line_ticket(_obj(wrapped), order, holder, email, events)
        return Batch(tickets=[ticket] if ticket is not None else [])

    batch = map_each(PROVIDER, "line_item", data, one, remote_id=lambda w: _text(_obj(w).get("id")))
    batch.events.extend(events.values())
    extras = TicketDetails(add_ons=products(data))
    batch.tickets = [replace(t, order_details=extras) if t.kind is not TicketKind.PRODUCT else t for t in batch.tickets]
    return batch


def products(items: list[Any]) -> tuple[str, ...]:
    """The order's `product` line items (ticketsolve-webhooks.txt:120-134: type "product", name
    "Support Us", quantity 1), as the door says them ("Support Us ×1"): what the order bought besides
    its tickets, for `add-on` attention rules on every ticket of the order."""
    out = []
    for wrapped in items:
        item = _obj(wrapped)
        quantity = item.get("quantity")
        if item.get("type") == "product" and isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0:
            out.append(f"{_text(item.get('name')) or 'product'} ×{quantity}")
    return tuple(out)


def map_webhook(envelope: dict) -> Batch:
    if not isinstance(envelope, dict):
        raise PayloadError(f"Ticketsolve webhook: expected an object, got {type(envelope).__name__}")
    topic = envelope.get("type")
    if not isinstance(topic, str) or topic not in TOPICS:
        raise PayloadError(f"Ticketsolve webhook type {str(topic)[:80]!r} is not one this app reads")
    obj = _obj(envelope.get("data"))
    kind = obj.get("object")
    if kind == "order":
        return map_order(obj)
    if kind == "event":
        # An event's new-order notice carries the event, not the tickets, nor its date: its bare show
        # name never replaces the richer name an order gave (the store keeps the longer name it
        # starts), and its missing date never erases the one the order's description gave.
        event_id = _text(obj.get("id"))
        if event_id is None:
            raise PayloadError(f"Ticketsolve {topic}: event without an id")
        return Batch(events=[Event(PROVIDER, event_id, _text(obj.get("name")) or event_id, raw=obj)])
    if kind == "show":
        return Batch()  # a show is a series, not something a door admits: nothing to store
    raise PayloadError(f"Ticketsolve {topic}: unexpected object {str(kind)[:80]!r}")


def looks_like(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("object") == "event" and isinstance(obj.get("type"), str) and "data" in obj


def code_variants(code: str) -> list[str]:
    return []
