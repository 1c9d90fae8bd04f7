"""Ticket Tailor payloads -> domain types. Pure functions: no HTTP, no SQLite.

What real traffic adds to the docs (provider-notes.md): booleans are strings (`"true"`), personal
data may be masked as `"****"` (unknown, never a name), ticket-level names are often null (the
order's buyer is the fallback), barcodes are case-sensitive, voids show as `status: "voided"`.
The same functions serve API pages, webhook envelopes and saved files.
"""
from __future__ import annotations

from typing import Any

from checkin_app.domain.clock import from_unix
from checkin_app.domain.models import Batch, Event, RemoteCheckin, Ticket, TicketKind, TicketStatus
from checkin_app.errors import PayloadError

PROVIDER = "tickettailor"
MASK = "****"


def clean(value: Any) -> str | None:
    """A text field as we keep it: masked, empty or non-text values are unknown (None)."""
    if not isinstance(value, str):
        return None if value is None or isinstance(value, (dict, list, bool)) else str(value)
    value = value.strip()
    return None if not value or value == MASK else value


def truthy(value: Any) -> bool:
    """Ticket Tailor's string booleans ("true"/"false"), tolerating real booleans."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _require(obj: Any, key: str, what: str) -> Any:
    if not isinstance(obj, dict):
        raise PayloadError(f"Ticket Tailor {what}: expected an object, got {type(obj).__name__}")
    value = obj.get(key)
    if value in (None, ""):
        raise PayloadError(f"Ticket Tailor {what} has no {key!r}")
    return value


def _date(block: Any) -> tuple[str | None, str | None]:
    """(ISO time, timezone) from a TT date block {iso, unix, timezone}."""
    if not isinstance(block, dict):
        return None, None
    iso = block.get("iso") if isinstance(block.get("iso"), str) else from_unix(block.get("unix"))
    return iso, block.get("timezone") if isinstance(block.get("timezone"), str) else None


def _name(obj: dict) -> str | None:
    full = clean(obj.get("full_name")) or clean(obj.get("name"))
    if full:
        return full
    parts = [clean(obj.get("first_name")), clean(obj.get("last_name"))]
    return " ".join(p for p in parts if p) or None


def map_event(obj: dict) -> Event:
    """An `/events` item (or an order's `event_summary`) -> Event; ticket types kept in `raw`."""
    event_id = str(_require(obj, "id", "event"))
    starts_at, tz = _date(obj.get("start_date") or obj.get("start"))
    ends_at, _ = _date(obj.get("end_date") or obj.get("end"))
    venue = obj.get("venue")
    return Event(
        provider=PROVIDER, remote_id=event_id, name=clean(obj.get("name")) or event_id, starts_at=starts_at,
        ends_at=ends_at, venue=clean(venue.get("name")) if isinstance(venue, dict) else clean(venue),
        timezone=clean(obj.get("timezone")) or tz,
        raw=obj,
    )


def map_issued_ticket(obj: dict, buyer: dict | None = None) -> Ticket:
    """An issued ticket -> Ticket.

    Args:
        obj: the `issued_ticket` object.
        buyer: the order's `buyer_details`, whose name and email stand in for missing ticket-level ones.
    """
    ticket_id = str(_require(obj, "id", "issued ticket"))
    code = _require(obj, "barcode", f"issued ticket {ticket_id}")
    if not isinstance(code, str):
        raise PayloadError(f"Ticket Tailor issued ticket {ticket_id}: barcode is not text")
    event_id = str(_require(obj, "event_id", f"issued ticket {ticket_id}"))
    buyer = buyer if isinstance(buyer, dict) else {}
    voided = obj.get("status") == "voided"
    checked_in = truthy(obj.get("checked_in"))
    return Ticket(
        provider=PROVIDER, remote_id=ticket_id, event_remote_id=event_id, code=code,
        holder_name=_name(obj) or _name(buyer), email=clean(obj.get("email")) or clean(buyer.get("email")),
        ticket_type=clean(obj.get("description")), order_ref=clean(obj.get("order_id")),
        seat=_seat(obj.get("reservation")),
        status=TicketStatus.VOID if voided else TicketStatus.VALID,
        voided_at=from_unix(obj.get("voided_at")) if voided else None,
        kind=TicketKind.PRODUCT if obj.get("add_on_id") else TicketKind.ADMISSION,
        # A check-in seen only as the flag: its time is unknown, the last update is the best guess.
        checked_in_at=(from_unix(obj.get("updated_at")) or from_unix(obj.get("created_at"))) if checked_in else None,
        raw=obj,
    )


def _seat(reservation: Any) -> str | None:
    if isinstance(reservation, dict):
        parts = [clean(reservation.get(k)) for k in ("section", "row", "seat", "label", "name")]
        return " ".join(p for p in parts if p) or None
    return clean(reservation)


def map_order(obj: dict) -> Batch:
    """An order with `issued_tickets[]` and `event_summary` -> its event and tickets."""
    order_id = _require(obj, "id", "order")
    batch = Batch()
    summary = obj.get("event_summary")
    if isinstance(summary, dict) and (summary.get("id") or summary.get("event_id")):
        event = map_event({**summary, "id": summary.get("event_id") or summary.get("id")})
        # A summary lacks the ticket types: it must not replace the full event record in `raw`.
        batch.events.append(Event(event.provider, event.remote_id, event.name, event.starts_at, event.ends_at,
                                  event.venue, event.timezone, raw=None))
    tickets = obj.get("issued_tickets") or []
    if not isinstance(tickets, list):
        raise PayloadError(f"Ticket Tailor order {order_id}: issued_tickets is not a list")
    batch.tickets.extend(map_issued_ticket(t, obj.get("buyer_details")) for t in tickets)
    return batch


def map_check_in(obj: dict) -> RemoteCheckin:
    check_in_id = str(_require(obj, "id", "check-in"))
    at = from_unix(obj.get("check_in_at")) or from_unix(obj.get("created_at"))
    if at is None:
        raise PayloadError(f"Ticket Tailor check-in {check_in_id} has no time")
    quantity = obj.get("quantity")
    return RemoteCheckin(PROVIDER, check_in_id, str(_require(obj, "issued_ticket_id", f"check-in {check_in_id}")), at,
                         int(quantity) if isinstance(quantity, (int, str)) and str(quantity).isdigit() else 1)


_BY_OBJECT = {"event": "event", "order": "order", "issued_ticket": "ticket", "check_in": "check_in"}


def map_object(obj: dict) -> Batch:
    """Any single Ticket Tailor object, told apart by its `object` field (or its id prefix)."""
    kind = _BY_OBJECT.get(obj.get("object")) or {"ev": "event", "or": "order", "it": "ticket", "ch": "check_in"}.get(
        str(obj.get("id", ""))[:2])
    if kind == "event":
        return Batch(events=[map_event(obj)])
    if kind == "order":
        return map_order(obj)
    if kind == "ticket":
        return Batch(tickets=[map_issued_ticket(obj)])
    if kind == "check_in":
        return Batch(checkins=[map_check_in(obj)])
    raise PayloadError(f"not a Ticket Tailor object I know (object={obj.get('object')!r})")


def map_page(body: dict) -> Batch:
    """An API list page `{"data": [...]}`."""
    data = body.get("data")
    if not isinstance(data, list):
        raise PayloadError("Ticket Tailor page without a data list")
    batch = Batch()
    for item in data:
        batch.extend(map_object(item))
    return batch


def map_webhook(envelope: dict) -> Batch:
    """A webhook delivery `{id, event: "ORDER.CREATED"..., payload}`."""
    topic = envelope.get("event")
    payload = envelope.get("payload")
    if not isinstance(topic, str) or not isinstance(payload, dict):
        raise PayloadError("Ticket Tailor webhook without an event name and payload")
    family = topic.split(".")[0].upper()
    if family == "ORDER":
        return map_order(payload)
    if family == "ISSUED_TICKET":
        return Batch(tickets=[map_issued_ticket(payload)])
    if family == "EVENT":
        return Batch(events=[map_event(payload)])
    raise PayloadError(f"Ticket Tailor webhook {topic!r} carries nothing a door uses")


def webhook_delivery_id(envelope: dict) -> str | None:
    value = envelope.get("id") if isinstance(envelope, dict) else None
    return value if isinstance(value, str) and value else None


def looks_like(obj: Any) -> bool:
    """Is this a Ticket Tailor payload (envelope, page, object or recorded wrapper)?"""
    if not isinstance(obj, dict):
        return False
    if isinstance(obj.get("event"), str) and "." in obj["event"] and "payload" in obj:
        return True
    if isinstance(obj.get("data"), list):
        return all(isinstance(i, dict) and i.get("object") in _BY_OBJECT for i in obj["data"][:5])
    return obj.get("object") in _BY_OBJECT


def map_any(obj: dict) -> Batch:
    """Envelope, page or single object."""
    if isinstance(obj.get("event"), str) and "payload" in obj:
        return map_webhook(obj)
    if "data" in obj:
        return map_page(obj)
    return map_object(obj)


def code_variants(code: str) -> list[str]:
    """Ticket Tailor barcodes are exact, case-sensitive strings: no variants."""
    return []
