"""Ticketor webhook payloads -> domain types. Pure functions.

Ticketor documents only webhooks (provider-notes.md): "New Ticket Sale" (one ticket object) and
"New Invoice (Sales) with Details" (`Tickets[]`). Each ticket has one numeric barcode, kept as text
(leading zeros matter). Only a ticket whose own `Status` is "sold" admits; its invoice can void it
(a "Return" invoice, or a sale returned whole) but a partly returned sale voids only the tickets
whose own status says so. Any other value never admits (see the allow-lists below).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from checkin_app.domain.attention import TicketDetails
from checkin_app.domain.models import Batch, Event, Ticket
from checkin_app.errors import PayloadError
from checkin_app.providers import allowlist
from checkin_app.providers.tolerant import map_each

PROVIDER = "ticketor"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def _person(buyer: Any) -> tuple[str | None, str | None]:
    if not isinstance(buyer, dict):
        return None, None
    name = " ".join(p for p in (_text(buyer.get("FirstName")), _text(buyer.get("LastName"))) if p) or None
    return name, _text(buyer.get("Email"))


# Allow-lists (tests/conformance/test_ticketor_conformance.py holds them as facts with their lines).
#: Ticket `Status`: the documents show only "sold" (ticketor-api-and-webhooks.txt:254, :316).
TICKET_STATUS = {"sold": allowlist.ADMITS}
#: Invoice `InvoiceType`: "Sale" (ticketor-api-and-webhooks.txt:79, :147); "Return" invoices list the
#: tickets they return (docs/providers.md, Ticketor: "Returns/refunds: invoices with InvoiceType").
INVOICE_TYPE = {"sale": allowlist.ADMITS, "return": allowlist.void("returned (return invoice)")}
#: Invoice `ReturnStatus`: "NotReturned" (ticketor-api-and-webhooks.txt:81, :149). A partly returned
#: sale voids only the tickets it returns, which say so in their own `Status`; a wholly returned one
#: returns them all (docs/providers.md, Ticketor).
RETURN_STATUS = {"notreturned": allowlist.ADMITS, "partiallyreturned": allowlist.ADMITS,
                 "returned": allowlist.void("returned (invoice returned)")}


def _reading(obj: dict, invoice: dict | None) -> allowlist.Reading:
    """The ticket's own `Status` decides; its invoice can only void it (a return), never admit it."""
    own = allowlist.read(TICKET_STATUS, obj.get("Status"))
    if invoice is None:
        return own
    return allowlist.combine(own, allowlist.read(INVOICE_TYPE, invoice.get("InvoiceType"), "InvoiceType"),
                             allowlist.read(RETURN_STATUS, invoice.get("ReturnStatus"), "ReturnStatus"))


def map_ticket(obj: dict, invoice: dict | None = None) -> tuple[Event, Ticket]:
    """One ticket record ("New Ticket Sale", or an item of an invoice's `Tickets[]`)."""
    if not isinstance(obj, dict):
        raise PayloadError("Ticketor ticket: expected an object")
    ticket_id = _text(obj.get("Id"))
    barcode = obj.get("Barcode")
    if isinstance(barcode, bool) or not isinstance(barcode, (str, int)) or not str(barcode).strip():
        raise PayloadError(f"Ticketor ticket {ticket_id}: no Barcode")
    event = obj.get("Event")
    if not isinstance(event, dict) or _text(event.get("EventId")) is None:
        raise PayloadError(f"Ticketor ticket {ticket_id}: no Event.EventId")
    event_id = _text(event.get("EventId"))
    name, email = _person(obj.get("Buyer") or (invoice or {}).get("Buyer"))
    seat = " / ".join(p for p in (_text(obj.get("Section")), _text(obj.get("Row")), _text(obj.get("Seat"))) if p) or None
    ticket = Ticket(
        provider=PROVIDER, remote_id=ticket_id, event_remote_id=event_id, code=str(barcode).strip(),
        holder_name=name, email=email, ticket_type=_text(obj.get("PriceLevelName")),
        order_ref=_text(obj.get("InvoiceId")), seat=seat, checked_in_at=_text(obj.get("LastScannedAt")),
        details=TicketDetails(metadata=metadata(obj)), raw=obj,
        **_reading(obj, invoice).ticket_fields(),
    )
    name_text = (_text(event.get("EventName")) or f"Event {event_id}").strip()
    return Event(PROVIDER, event_id, name_text, starts_at=_text(event.get("EventDate"))), ticket


#: Ticket fields kept for attention rules, by the name a rule uses ("metadata price level is VIP"):
#: `PriceLevelName` (ticketor-api-and-webhooks.txt:261, "VIP" at :323; also the ticket type) and
#: `DeliveryMethod` (:265, :327: "Will-Call (Venue pickup)" is a ticket to hand over at the door).
METADATA_FIELDS = {"price level": "PriceLevelName", "delivery method": "DeliveryMethod"}


def metadata(obj: dict) -> tuple[tuple[str, str], ...]:
    pairs = ((name, _text(obj.get(key))) for name, key in METADATA_FIELDS.items())
    return tuple((k, v) for k, v in pairs if v)


def map_ticket_sale(obj: dict) -> Batch:
    event, ticket = map_ticket(obj)
    return Batch(events=[event], tickets=[ticket])


def map_invoice(obj: dict) -> Batch:
    """An invoice with `Tickets[]` (products and payments carry no admission).

    A ticket that cannot be mapped (no barcode, no event) is set aside with its reason; the
    invoice's other tickets still arrive.
    """
    tickets = obj.get("Tickets")
    if tickets is None:
        raise PayloadError(f"Ticketor invoice {_text(obj.get('Id'))} carries no tickets (subscribe to "
                           "'New Invoice (Sales) with Details' instead)")
    if not isinstance(tickets, list):
        raise PayloadError(f"Ticketor invoice {_text(obj.get('Id'))}: Tickets is not a list")
    def one(item: Any) -> Batch:
        event, ticket = map_ticket(item, obj)
        return Batch(events=[event], tickets=[ticket])

    batch = map_each(PROVIDER, "ticket", tickets, one, remote_id=lambda r: r.get("Id") if isinstance(r, dict) else None)
    batch.events = list(dict.fromkeys(batch.events))  # one event per invoice, usually
    extras = TicketDetails(add_ons=products(obj.get("Products")))
    batch.tickets = [replace(t, order_details=extras) for t in batch.tickets]
    return batch


def products(items: Any) -> tuple[str, ...]:
    """An invoice's `Products[]` (ticketor-api-and-webhooks.txt:280-289: `Product.ProductName` "T Shirt",
    `Amount` 1, `ReturnedAmount` 0), what is not returned, as the door says it ("T Shirt ×1")."""
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        product = item.get("Product") if isinstance(item.get("Product"), dict) else {}
        amount, returned = item.get("Amount"), item.get("ReturnedAmount") or 0
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or not isinstance(returned, (int, float)):
            continue
        left = int(amount - returned)
        if left > 0:
            out.append(f"{_text(product.get('ProductName')) or 'product'} ×{left}")
    return tuple(out)


_NO_TICKETS = {  # other Ticketor triggers, recognised so a delivery is explained rather than "unknown"
    "ChargeMethod": "a payment notice",
    "Product": "a merchandise sale or donation",
    "SignupDate": "a new customer",
}


def looks_like(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    return ("Barcode" in obj and "Event" in obj) or "InvoiceType" in obj or any(k in obj for k in _NO_TICKETS)


def map_any(obj: dict) -> Batch:
    if not isinstance(obj, dict):
        raise PayloadError(f"Ticketor payload: expected an object, got {type(obj).__name__}")
    if "InvoiceType" in obj:
        return map_invoice(obj)
    if "Barcode" in obj:
        return map_ticket_sale(obj)
    what = next((v for k, v in _NO_TICKETS.items() if k in obj), None)
    if what is None:
        raise PayloadError(f"not a Ticketor payload this app knows (keys: {', '.join(sorted(map(str, obj))[:8])})")
    raise PayloadError(f"Ticketor payload is {what}: it carries no tickets")


def code_variants(code: str) -> list[str]:
    """Numeric codes read by an EAN/UPC-reading scanner can gain a leading zero (UPC-A as EAN-13)."""
    if code.isdigit() and len(code) == 13 and code.startswith("0"):
        return [code[1:]]
    return []
