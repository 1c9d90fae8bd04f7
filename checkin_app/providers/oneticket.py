"""1Ticket (legacy API v2) payloads -> domain types. Pure functions.

A purchase (`/v2/purchases/`) names the event; its seats with barcodes come from
`/v2/getpdf/?rid=<rid>` (`output[].seats[]`: `barcode`, `section`, `row`, `seatnumber`, `status`).
The event's id is 1Ticket's `eventid_1ticket`. What decides admission, each read through an
allow-list of the documented values (anything else never admits, see `allowlist`):

- the seat's `status` ("live" admits);
- the purchase's `receipt.status` ("active" or absent; "Canceled" voids every seat);
- the purchase's `disclosures`, ids looked up in `/v2/disclosures`: NOENTRY ("Not Valid for
  Entry") voids; an id the table does not name never admits;
- `rotating_barcodes: true`: the static barcode is not what the guest shows, so the seat is marked
  `rotating_code` (the door refuses the static code and staff check by name and ID).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from checkin_app.domain.models import Batch, Event, SetAside, Ticket
from checkin_app.errors import PayloadError
from checkin_app.providers import allowlist

PROVIDER = "oneticket"

# Allow-lists (tests/conformance/test_oneticket_conformance.py holds them as facts with their lines).
#: Seat `status`: "live" is the only value the documents show (1ticket-legacy-api.txt:50).
SEAT_STATUS = {"live": allowlist.ADMITS}
#: Purchase `receipt.status`: "active" (1ticket-legacy-api.txt:187); the purchases filter says
#: "Active or Canceled" (:252). The first documented purchase has no status at all (:136-149).
RECEIPT_STATUS = {None: allowlist.ADMITS, "active": allowlist.ADMITS,
                  "canceled": allowlist.void("purchase cancelled"), "cancelled": allowlist.void("purchase cancelled")}
#: `rotating_barcodes`: true (1ticket-legacy-api.txt:215), absent on other purchases (:103-166). True
#: admits too, but by name only: the seats are marked `rotating_code` and the door refuses the code.
ROTATING_BARCODES = {None: allowlist.ADMITS, False: allowlist.ADMITS, True: allowlist.ADMITS}
#: Disclosures as `/v2/disclosures` names them when it cannot be asked (1ticket-legacy-api.txt:626-639).
DOC_DISCLOSURES: Mapping[int, str] = {1: "NOENTRY", 2: "SIDEVIEW"}
#: The disclosure that makes a seat "Not Valid for Entry" (1ticket-legacy-api.txt:628-629).
NO_ENTRY = "NOENTRY"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value).strip() or None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _when(text: str | None) -> str | None:
    """1Ticket dates look like `7/11/2018 7:00:00 PM` (venue local time, no zone)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p").isoformat()
    except ValueError:
        return text


def map_event(purchase: dict) -> Event:
    if not isinstance(purchase, dict):
        raise PayloadError("1Ticket purchase: expected an object")
    event = purchase.get("event")
    if not isinstance(event, dict):
        raise PayloadError(f"1Ticket purchase {_text(purchase.get('rid'))}: no event")
    event_id = _text(event.get("eventid_1ticket")) or _text(event.get("eventid_primary"))
    name = _text(event.get("name"))
    if event_id is None:  # some purchases lack 1Ticket's id: name + time identify the show
        if name is None:
            raise PayloadError(f"1Ticket purchase {_text(purchase.get('rid'))}: event has neither id nor name")
        event_id = f"{name}@{_text(event.get('datetime')) or ''}"
    return Event(PROVIDER, event_id, name or event_id, starts_at=_when(_text(event.get("datetime"))),
                 venue=_text(event.get("venue")), raw=event)


def disclosure_table(answer: Any) -> dict[int, str]:
    """`/v2/disclosures` -> {id: description_short}. Raises PayloadError on another shape."""
    table: dict[int, str] = {}
    for group in _dict(answer).get("output") or []:
        items = _dict(group).get("disclosures")
        for item in items if isinstance(items, list) else []:
            item = _dict(item)
            ident = _disclosure_id(item.get("id"))
            if ident is not None and isinstance(item.get("description_short"), str):
                table[ident] = item["description_short"].strip().upper()
    if not table:
        raise PayloadError("1Ticket /v2/disclosures named no disclosures")
    return table


def _disclosure_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _disclosures_reading(value: Any, table: Mapping[int, str]) -> allowlist.Reading:
    """NOENTRY voids; an id the table does not know never admits; the others change nothing."""
    if value is None:
        return allowlist.ADMITS
    if not isinstance(value, list):
        return allowlist.unrecognised(value, "disclosures")
    readings = []
    for entry in value:
        ident = _disclosure_id(_dict(entry).get("id") if isinstance(entry, dict) else entry)
        short = _dict(entry).get("description_short") if isinstance(entry, dict) else None
        short = short.strip().upper() if isinstance(short, str) else table.get(ident) if ident is not None else None
        if short is None:
            readings.append(allowlist.unrecognised(entry, "disclosure"))
        elif short == NO_ENTRY:
            readings.append(allowlist.void(f"not valid for entry ({NO_ENTRY})"))
    return allowlist.combine(*readings)


def purchase_reading(purchase: dict, disclosures: Mapping[int, str] = DOC_DISCLOSURES) -> tuple[allowlist.Reading, bool]:
    """(what the purchase says about all its seats, whether their barcodes rotate)."""
    receipt = _dict(purchase.get("receipt"))
    rotating = allowlist.read(ROTATING_BARCODES, purchase.get("rotating_barcodes"), "rotating_barcodes")
    # `attributes.refund` is refund *eligibility* (the `elig_refund` filter, :250), not a refund: it
    # decides nothing at the door.
    reading = allowlist.combine(
        allowlist.read(RECEIPT_STATUS, receipt.get("status"), "receipt.status"),
        _disclosures_reading(purchase.get("disclosures"), disclosures),
        rotating,
    )
    return reading, purchase.get("rotating_barcodes") is True


def map_purchase_seats(purchase: dict, getpdf: dict, disclosures: Mapping[int, str] = DOC_DISCLOSURES) -> Batch:
    """A purchase and its `getpdf` answer -> the event and one ticket per seat with a barcode.

    Args:
        purchase: one purchase from `/v2/purchases/`.
        getpdf: the `/v2/getpdf/?rid=` answer for it.
        disclosures: {id: description_short} from `/v2/disclosures` (default: the documented ones).

    A seat that is not an object is set aside; a seat without a barcode is not issued yet.
    """
    if not isinstance(purchase, dict) or not isinstance(getpdf, dict):
        raise PayloadError("1Ticket: a purchase and its getpdf answer must be objects")
    event = map_event(purchase)
    groups = getpdf.get("output")
    if groups is not None and not isinstance(groups, list):
        raise PayloadError(f"1Ticket getpdf for {_text(purchase.get('rid'))}: output is not a list")
    buyer = _text(_dict(purchase.get("receipt")).get("buyer_name"))
    whole, rotating = purchase_reading(purchase, disclosures)
    rid = _text(purchase.get("rid"))
    batch = Batch(events=[event])
    for group in groups or []:
        seats = _dict(group).get("seats")
        for seat in seats if isinstance(seats, list) else []:
            if not isinstance(seat, dict):
                batch.set_aside.append(SetAside(PROVIDER, "seat", None, f"purchase {rid}: a seat that is not an object",
                                                {"seat": seat}))
                continue
            code = _text(seat.get("barcode"))
            if code is None:
                continue  # no barcode yet (not fulfilled): nothing to scan
            place = " ".join(p for p in (_text(seat.get("section")), _text(seat.get("row")) and f"Row {_text(seat['row'])}",
                                         _text(seat.get("seatnumber")) and f"Seat {_text(seat['seatnumber'])}") if p)
            reading = allowlist.combine(whole, allowlist.read(SEAT_STATUS, seat.get("status")))
            batch.tickets.append(Ticket(
                provider=PROVIDER, remote_id=_text(seat.get("seatid")) or f"{rid}:{code}",
                event_remote_id=event.remote_id, code=code, holder_name=buyer,
                ticket_type=_text(seat.get("ticketstock")), order_ref=rid, seat=place or None,
                rotating_code=rotating, raw=seat, **reading.ticket_fields(),
            ))
    return batch


def purchases(page: dict) -> list[dict]:
    """The purchases in a `/v2/purchases/` answer."""
    result = _dict(page).get("result")
    if not isinstance(page, dict) or not isinstance(result, (dict, type(None))) or _dict(result).get("status") not in (None, "success"):
        message = _text(_dict(result).get("message"))
        raise PayloadError(f"1Ticket answered with an error: {message or 'no result'}")
    groups = page.get("output")
    out = []
    for group in groups if isinstance(groups, list) else []:
        found = _dict(group).get("purchases")
        out.extend(p for p in (found if isinstance(found, list) else []) if isinstance(p, dict))
    return out


def code_variants(code: str) -> list[str]:
    return []
