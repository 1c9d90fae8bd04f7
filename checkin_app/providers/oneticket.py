"""1Ticket (legacy API v2) payloads -> domain types. Pure functions.

A purchase (`/v2/purchases/`) names the event; its seats with barcodes come from
`/v2/getpdf/?rid=<rid>` (`output[].seats[]`: `barcode`, `section`, `row`, `seatnumber`, `status`).
A seat whose status is not "live", or of a cancelled purchase, does not admit. The event's id is 1Ticket's `eventid_1ticket`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from checkin_app.domain.models import Batch, Event, Ticket, TicketStatus
from checkin_app.errors import PayloadError

PROVIDER = "oneticket"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value).strip() or None


def _when(text: str | None) -> str | None:
    """1Ticket dates look like `7/11/2018 7:00:00 PM` (venue local time, no zone)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p").isoformat()
    except ValueError:
        return text


def map_event(purchase: dict) -> Event:
    event = purchase.get("event")
    if not isinstance(event, dict):
        raise PayloadError(f"1Ticket purchase {purchase.get('rid')}: no event")
    event_id = _text(event.get("eventid_1ticket")) or _text(event.get("eventid_primary"))
    name = _text(event.get("name"))
    if event_id is None:  # some purchases lack 1Ticket's id: name + time identify the show
        if name is None:
            raise PayloadError(f"1Ticket purchase {purchase.get('rid')}: event has neither id nor name")
        event_id = f"{name}@{_text(event.get('datetime')) or ''}"
    return Event(PROVIDER, event_id, name or event_id, starts_at=_when(_text(event.get("datetime"))),
                 venue=_text(event.get("venue")), raw=event)


def map_purchase_seats(purchase: dict, getpdf: dict) -> Batch:
    """A purchase and its `getpdf` answer -> the event and one ticket per seat with a barcode."""
    if not isinstance(purchase, dict) or not isinstance(getpdf, dict):
        raise PayloadError("1Ticket: a purchase and its getpdf answer must be objects")
    event = map_event(purchase)
    receipt = purchase.get("receipt") if isinstance(purchase.get("receipt"), dict) else {}
    buyer = _text(receipt.get("buyer_name"))
    # `attributes.refund` is refund *eligibility* (the `elig_refund` filter), not a refund: only a
    # cancelled purchase (`receipt.status`, filter `status=Canceled`) voids its seats.
    cancelled = str(receipt.get("status", "")).lower() in ("canceled", "cancelled")
    batch = Batch(events=[event])
    for group in getpdf.get("output") or []:
        for seat in (group or {}).get("seats") or []:
            code = _text(seat.get("barcode"))
            if code is None:
                continue  # no barcode yet (not fulfilled): nothing to scan
            live = str(seat.get("status", "")).lower() == "live"
            place = " ".join(p for p in (_text(seat.get("section")), _text(seat.get("row")) and f"Row {seat['row']}",
                                         _text(seat.get("seatnumber")) and f"Seat {seat['seatnumber']}") if p)
            batch.tickets.append(Ticket(
                provider=PROVIDER, remote_id=_text(seat.get("seatid")) or f"{purchase.get('rid')}:{code}",
                event_remote_id=event.remote_id, code=code, holder_name=buyer,
                ticket_type=_text(seat.get("ticketstock")), order_ref=_text(purchase.get("rid")), seat=place or None,
                status=TicketStatus.VALID if live and not cancelled else TicketStatus.VOID, raw=seat,
            ))
    return batch


def purchases(page: dict) -> list[dict]:
    """The purchases in a `/v2/purchases/` answer."""
    if not isinstance(page, dict) or (page.get("result") or {}).get("status") not in (None, "success"):
        message = (page.get("result") or {}).get("message") if isinstance(page, dict) else None
        raise PayloadError(f"1Ticket answered with an error: {message or 'no result'}")
    out = []
    for group in page.get("output") or []:
        out.extend(p for p in (group or {}).get("purchases") or [] if isinstance(p, dict))
    return out


def code_variants(code: str) -> list[str]:
    return []
