"""The simulated Ticket Tailor box office's records, and how each renders as real API JSON.

Records are small slotted classes so 100,000 tickets seed in a fraction of a second; the JSON
shape is produced only for the objects on a page. Field names, string booleans ("true"/"false"),
`"****"` masking and the swapped-looking barcode URLs follow the recorded real responses in
`tests/fixtures/real/tickettailor/`, not only the docs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

MASK = "****"
CDN = "https://cdn.tickettailor.com/userfiles/cache/barcode"


def flag(value: bool) -> str:
    """Ticket Tailor's booleans are strings."""
    return "true" if value else "false"


@dataclass(slots=True)
class SimTicketType:
    num: int
    name: str
    price: int
    quantity_total: int
    issued: int = 0

    @property
    def id(self) -> str:
        return f"tt_{self.num}"


@dataclass(slots=True)
class SimEvent:
    num: int
    series_num: int
    name: str
    start_unix: int
    end_unix: int
    tz_name: str
    venue: str | None
    created_at: int
    status: str = "published"
    currency: str = "gbp"
    ticket_types: list[SimTicketType] = field(default_factory=list)
    # Ascending ticket / order / check-in numbers and aligned created_at values (see paging.py).
    ticket_nums: list[int] = field(default_factory=list)
    ticket_created: list[int] = field(default_factory=list)
    voided_nums: list[int] = field(default_factory=list)
    order_nums: list[int] = field(default_factory=list)
    order_created: list[int] = field(default_factory=list)
    check_in_nums: list[int] = field(default_factory=list)
    barcodes: dict[str, int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"ev_{self.num}"

    def ticket_type(self, type_id: str) -> SimTicketType | None:
        return next((t for t in self.ticket_types if t.id == type_id), None)


@dataclass(slots=True)
class SimOrder:
    num: int
    event_num: int
    first_name: str
    last_name: str
    email: str
    created_at: int
    ticket_nums: list[int] = field(default_factory=list)
    status: str = "completed"  # completed | pending | cancelled (doc lines 445-447), or anything a test sets
    refund_amount: int = 0
    void_items: int = 0  # `line_items[].type == "void"` quantity: tickets voided after the purchase
    # The buyer's answers to the checkout's custom questions (tickettailor-api-v1.txt:319-321).
    answers: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"or_{self.num}"


@dataclass(slots=True)
class SimTicket:
    num: int
    event_num: int
    type_num: int
    barcode: str
    order_num: int | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    created_at: int
    source: str = "checkout"
    reference: str | None = None
    status: str = "valid"
    voided_at: int | None = None
    checked_in: int = 0  # quantity checked in so far
    # The attendee's answers to per-ticket custom questions (tickettailor-api-v1.txt:355-357).
    answers: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"it_{self.num}"


@dataclass(slots=True)
class SimCheckIn:
    num: int
    ticket_num: int
    event_num: int
    quantity: int
    at: int

    @property
    def id(self) -> str:
        return f"ch_{self.num}"


def _zone(tz_name: str):
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(tz_name)
    except Exception:  # no tz database (e.g. Windows without tzdata): UTC is still a valid answer
        return timezone.utc


def date_block(unix: int, tz_name: str) -> dict[str, Any]:
    """The `{date, formatted, iso, time, timezone, unix}` block used for event start and end."""
    local = datetime.fromtimestamp(unix, _zone(tz_name))
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    tz = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return {
        "date": local.strftime("%Y-%m-%d"),
        "formatted": f"{local:%a} {local.day} {local:%b %Y %H:%M}",
        "iso": local.strftime("%Y-%m-%dT%H:%M:%S") + tz,
        "time": local.strftime("%H:%M"),
        "timezone": tz,
        "unix": unix,
    }


def _masked(value: str | None, mask: bool) -> str | None:
    return MASK if mask and value is not None else value


def _questions(answers: list[tuple[str, str | None]], mask: bool) -> list[dict[str, Any]]:
    """`custom_questions` as the API gives them: the real recording masks answers as "****"
    (tests/fixtures/real/tickettailor/orders-1-orders.json, buyer_details), the questions not."""
    return [{"answer": _masked(a, mask) if a is not None else None, "question": q} for q, a in answers]


def render_ticket_type(tt: SimTicketType, group_sort: int) -> dict[str, Any]:
    return {
        "object": "ticket_type", "id": tt.id, "access_code": None, "booking_fee": 0, "description": None,
        "discounts": [], "group_id": None, "has_overrides": "false", "hide_after": None, "hide_until": None,
        "hide_when_sold_out": "false", "max_per_order": 20, "min_per_order": 1, "name": tt.name,
        "override_id": None, "price": tt.price, "quantity": max(0, tt.quantity_total - tt.issued),
        "quantity_held": 0, "quantity_in_baskets": 0, "quantity_issued": tt.issued,
        "quantity_total": tt.quantity_total, "show_quantity_remaining": "false",
        "show_quantity_remaining_less_than": None, "sort_order": group_sort, "status": "on_sale", "type": "GA",
    }


def render_event(ev: SimEvent, total_orders: int) -> dict[str, Any]:
    issued = len(ev.ticket_nums)
    return {
        "object": "event", "id": ev.id, "access_code": None, "bundles": [], "call_to_action": "Buy tickets",
        "checkout_url": f"https://www.tickettailor.com/checkout/view-event/id/{ev.num}/",
        "created_at": ev.created_at, "currency": ev.currency, "description": None,
        "end": date_block(ev.end_unix, ev.tz_name), "event_series_id": f"es_{ev.series_num}", "hidden": "false",
        "images": {"header": None, "thumbnail": None}, "name": ev.name, "online_event": "false",
        "payment_methods": [], "private": "false", "start": date_block(ev.start_unix, ev.tz_name),
        "status": ev.status, "ticket_groups": [],
        "ticket_types": [render_ticket_type(t, 10000 + i) for i, t in enumerate(ev.ticket_types)],
        "tickets_available": flag(any(t.issued < t.quantity_total for t in ev.ticket_types)),
        "timezone": ev.tz_name, "total_holds": 0, "total_issued_tickets": issued, "total_orders": total_orders,
        "unavailable": "false", "unavailable_status": None,
        "url": f"https://www.tickettailor.com/events/sandbox/{ev.num}", "venue": {"name": ev.venue, "postal_code": None},
    }


def render_ticket(t: SimTicket, ev: SimEvent, type_name: str, mask: bool, void_spelling: str = "voided") -> dict[str, Any]:
    digest = hashlib.blake2s(f"{t.num}:{t.barcode}".encode(), digest_size=10).hexdigest()
    return {
        "object": "issued_ticket", "id": t.id, "add_on_id": None, "barcode": t.barcode,
        # As in real responses: barcode_url is the 1D image (/st/), qr_code_url the QR (/qr/).
        "barcode_url": f"{CDN}/st/attendee/{t.num}/{digest}.jpg",
        "checked_in": flag(t.checked_in > 0), "created_at": t.created_at,
        "custom_questions": _questions(t.answers, mask),
        "description": type_name, "email": _masked(t.email, mask), "event_id": ev.id,
        "event_series_id": f"es_{ev.series_num}", "first_name": _masked(t.first_name, mask),
        "full_name": _masked(t.full_name, mask), "group_ticket_barcode": None,
        "last_name": _masked(t.last_name, mask), "order_id": f"or_{t.order_num}" if t.order_num else None,
        "qr_code_url": f"{CDN}/qr/attendee/{t.num}/{digest}.png", "reference": t.reference, "reservation": None,
        # Real traffic says "voided", the documents' schema "void" (docs/providers.md): either, by choice.
        "source": t.source, "status": void_spelling if t.status == "voided" else t.status, "ticket_type_id": f"tt_{t.type_num}",
        # A void does not move updated_at on the real API (provider-notes.md), so it never moves here.
        "updated_at": t.created_at, "voided_at": t.voided_at,
    }


def render_order(o: SimOrder, ev: SimEvent, tickets: list[dict[str, Any]], prices: dict[str, tuple[str, int]],
                 mask: bool) -> dict[str, Any]:
    """An order with its issued tickets (already rendered) and one line item per ticket type.

    Args:
        prices: ticket type id -> (name, price).
    """
    counts: dict[str, int] = {}
    for t in tickets:
        counts[t["ticket_type_id"]] = counts.get(t["ticket_type_id"], 0) + 1
    line_items = []
    total = 0
    for i, (type_id, quantity) in enumerate(counts.items()):
        name, price = prices.get(type_id, ("Ticket", 0))
        total += price * quantity
        line_items.append({"object": "line_item", "id": f"li_{o.num * 10 + i}", "booking_fee": 0, "description": name,
                           "item_id": type_id, "quantity": quantity, "total": price * quantity, "type": "ticket",
                           "value": price})
    if o.void_items:  # doc line 378: "void means ticket was voided after the purchase"
        line_items.append({"object": "line_item", "id": f"li_{o.num * 10 + 9}", "booking_fee": 0,
                           "description": "Voided ticket", "item_id": None, "quantity": o.void_items, "total": 0,
                           "type": "void", "value": 0})
    name = f"{o.first_name} {o.last_name}"
    return {
        "object": "order", "id": o.id,
        "buyer_details": {
            "address": {k: MASK if mask else None for k in ("address_1", "address_2", "address_3", "postal_code")},
            "custom_questions": _questions(o.answers, mask), "email": _masked(o.email, mask), "first_name": _masked(o.first_name, mask),
            "last_name": _masked(o.last_name, mask), "name": _masked(name, mask), "phone": MASK if mask else None,
        },
        "created_at": o.created_at, "credited_out_amount": 0,
        "currency": {"base_multiplier": 100, "code": ev.currency},
        "event_summary": {
            "id": ev.id, "end_date": date_block(ev.end_unix, ev.tz_name), "event_id": ev.id,
            "event_series_id": f"es_{ev.series_num}", "name": ev.name,
            "start_date": date_block(ev.start_unix, ev.tz_name), "venue": {"name": ev.venue, "postal_code": None},
        },
        "issued_tickets": tickets, "line_items": line_items, "marketing_opt_in": None, "meta_data": [],
        "payment_method": {"id": None, "external_id": None, "instructions": None, "name": None,
                           "type": "stripe" if total else "no_cost"},
        "referral_tag": None, "refund_amount": o.refund_amount, "refunded_voucher_id": None, "status": o.status,
        "status_message": None, "subtotal": total, "tax": 0, "tax_treatment": "exclusive", "total": total,
        "total_paid": 0 if o.status == "pending" else total, "txn_id": f"txn_{o.num:x}",
    }


def render_check_in(c: SimCheckIn, ev: SimEvent) -> dict[str, Any]:
    return {
        "object": "check_in", "id": c.id, "issued_ticket_id": f"it_{c.ticket_num}", "event_id": ev.id,
        "event_series_id": f"es_{ev.series_num}", "quantity": c.quantity, "check_in_at": c.at, "created_at": c.at,
    }
