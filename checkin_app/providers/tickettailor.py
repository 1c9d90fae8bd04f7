"""Ticket Tailor payloads -> domain types. Pure functions: no HTTP, no SQLite.

What real traffic adds to the docs (docs/providers.md): booleans are strings (`"true"`), personal
data may be masked as `"****"` (unknown, never a name), ticket-level names are often null (the
order's buyer is the fallback), barcodes are case-sensitive, voids show as `status: "voided"`
where the documents' schema says `void`. The same functions serve API pages, webhook envelopes
and saved files.

Fail closed (issue 12): every value that reaches a verdict is looked up in the allow-lists of
`tickettailor_states`; anything else makes the ticket `UNRECOGNISED` with the raw value kept. A
record that cannot be mapped at all is set aside (`providers.tolerant`), never the whole page.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from checkin_app.domain.attention import TicketDetails
from checkin_app.domain.clock import from_unix, utc_now
from checkin_app.domain.models import Batch, Event, OrderState, RemoteCheckin, Ticket, TicketKind, TicketStatus
from checkin_app.errors import PayloadError
from checkin_app.providers import tickettailor_states as states
from checkin_app.providers.tolerant import map_each

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


def _date(block: Any, zone_name: str | None = None) -> tuple[str | None, str | None]:
    """(ISO time in the event's own offset, offset) from a TT date block {iso, unix, timezone}.

    The event's own zone is kept (issue 12, defect 5): the door shows "19:30" for a 19:30 show
    whatever zone the laptop is set to. Without `iso`, the unix time is put in the block's offset,
    else the event's IANA zone, else UTC.
    """
    if not isinstance(block, dict):
        return None, None
    offset = block.get("timezone") if isinstance(block.get("timezone"), str) else None
    if isinstance(block.get("iso"), str):
        return block["iso"], offset
    utc = from_unix(block.get("unix"))
    if utc is None:
        return None, offset
    zone = _zone(offset, zone_name)
    return (datetime.fromisoformat(utc).astimezone(zone).isoformat() if zone else utc), offset


def _zone(offset: str | None, zone_name: str | None):
    if offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":" and offset[1:3].isdigit() and offset[4:].isdigit():
        minutes = int(offset[1:3]) * 60 + int(offset[4:])
        return timezone(timedelta(minutes=minutes if offset[0] == "+" else -minutes))
    if zone_name:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(zone_name)
        except Exception:  # unknown name or no tz database: the UTC time is still right
            return None
    return None


def _name(obj: dict) -> str | None:
    full = clean(obj.get("full_name")) or clean(obj.get("name"))
    if full:
        return full
    parts = [clean(obj.get("first_name")), clean(obj.get("last_name"))]
    return " ".join(p for p in parts if p) or None


def map_event(obj: dict) -> Event:
    """An `/events` item (or an order's `event_summary`) -> Event; ticket types kept in `raw`."""
    event_id = str(_require(obj, "id", "event"))
    zone_name = clean(obj.get("timezone"))
    starts_at, tz = _date(obj.get("start_date") or obj.get("start"), zone_name)
    ends_at, _ = _date(obj.get("end_date") or obj.get("end"), zone_name)
    venue = obj.get("venue")
    status = obj.get("status")
    return Event(
        provider=PROVIDER, remote_id=event_id, name=clean(obj.get("name")) or event_id, starts_at=starts_at,
        ends_at=ends_at, venue=clean(venue.get("name")) if isinstance(venue, dict) else clean(venue),
        timezone=zone_name or tz,
        # An event summary carries no status; a status we do not know holds its tickets back.
        unrecognised_state=None if status is None or (isinstance(status, str) and status in states.EVENT_STATUS)
        else f"event status: {status}",
        raw=obj,
    )


def map_deleted_event(obj: dict) -> Event:
    """EVENT.DELETED: the event's tickets are refused "event cancelled" (issue 12, defect 3)."""
    event = map_event(obj)
    return Event(event.provider, event.remote_id, event.name, event.starts_at, event.ends_at, event.venue,
                 event.timezone, cancelled=True, raw=obj)


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
    meaning, state = _ticket_meaning(obj)
    checked_in = states.CHECKED_IN.get(str(obj.get("checked_in")).lower(), False) if obj.get("checked_in") is not None else False
    return Ticket(
        provider=PROVIDER, remote_id=ticket_id, event_remote_id=event_id, code=code,
        holder_name=_name(obj) or _name(buyer), email=clean(obj.get("email")) or clean(buyer.get("email")),
        ticket_type=clean(obj.get("description")), order_ref=clean(obj.get("order_id")),
        seat=_seat(obj.get("reservation")),
        status=meaning.status, provider_state=state, void_reason=meaning.void_reason, attention=meaning.attention,
        voided_at=(from_unix(obj.get("voided_at")) or from_unix(obj.get("updated_at")))
        if meaning.status is TicketStatus.VOID else None,
        kind=TicketKind.PRODUCT if obj.get("add_on_id") else TicketKind.ADMISSION,
        # A check-in seen only as the flag: its time is unknown, the last update is the best guess;
        # with no readable time at all it is still a check-in (when we learned of it), never a pass.
        checked_in_at=(from_unix(obj.get("updated_at")) or from_unix(obj.get("created_at")) or utc_now())
        if checked_in else None,
        details=TicketDetails(answers=answers(obj.get("custom_questions"))),
        order_details=TicketDetails(answers=answers(buyer.get("custom_questions"))) if buyer else None,
        raw=obj,
    )


def add_ons(tickets: list[Any]) -> tuple[str, ...]:
    """An order's add-ons as the door says them: "Programme ×2" (the add-on tickets' descriptions)."""
    counts: dict[str, int] = {}
    for t in tickets:
        if isinstance(t, dict) and t.get("add_on_id") and not says_void(t):
            name = clean(t.get("description")) or "add-on"
            counts[name] = counts.get(name, 0) + 1
    return tuple(f"{name} ×{n}" for name, n in counts.items())


def answers(*lists: Any) -> tuple[tuple[str, str], ...]:
    """Answers to custom questions: the attendee's own (`issued_tickets[].custom_questions`,
    tickettailor-api-v1.txt:355-357) or the buyer's at checkout (`buyer_details.custom_questions`,
    :319-321), each `{question: string, answer: string|null}`. A question answered twice keeps its
    first answer; an unanswered (null), empty or masked ("****", as in the real recording
    orders-1-orders.json) answer is not an answer. The buyer's come only with the order (an order
    page or webhook): a ticket read on its own leaves the stored ones as they are."""
    out: dict[str, str] = {}
    for items in lists:
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            question, answer = clean(item.get("question")), clean(item.get("answer"))
            if question and answer and question.casefold() not in {q.casefold() for q in out}:
                out[question] = answer
    return tuple(out.items())


_UNRECOGNISED = states.Meaning(TicketStatus.UNRECOGNISED)


def _ticket_meaning(obj: dict) -> tuple[states.Meaning, str]:
    """What an issued ticket's `status`, `voided_at` and `checked_in` say, and the raw value that decided."""
    status = obj.get("status")
    if obj.get("voided_at") not in (None, "", 0):  # set: void, whatever the status says
        return states.ISSUED_TICKET_STATUS["void"], str(status) if status in ("void", "voided") else f"voided_at: {obj['voided_at']}"
    if not isinstance(status, str) or status not in states.ISSUED_TICKET_STATUS:
        return _UNRECOGNISED, "status: (missing)" if status is None else (str(status) or "status: (empty)")
    flag = obj.get("checked_in")
    if flag is not None and not isinstance(flag, bool) and str(flag).lower() not in states.CHECKED_IN:
        return _UNRECOGNISED, f"checked_in: {flag}"
    return states.ISSUED_TICKET_STATUS[status], status


def _seat(reservation: Any) -> str | None:
    if isinstance(reservation, dict):
        parts = [clean(reservation.get(k)) for k in ("section", "row", "seat", "label", "name")]
        return " ".join(p for p in parts if p) or None
    return clean(reservation)


def map_order(obj: dict) -> Batch:
    """An order with `issued_tickets[]` and `event_summary` -> its event, its state and its tickets.

    The order's state (`status`, `line_items[].type == "void"`, `refund_amount`) applies to every
    ticket of the order (`OrderState`), whatever each ticket says (issue 12, defect 2).
    """
    order_id = str(_require(obj, "id", "order"))
    batch = Batch()
    summary = obj.get("event_summary")
    if isinstance(summary, dict) and (summary.get("id") or summary.get("event_id")):
        event = map_event({**summary, "id": summary.get("event_id") or summary.get("id")})
        # A summary lacks the ticket types and the status: it must not replace the full event record.
        batch.events.append(Event(event.provider, event.remote_id, event.name, event.starts_at, event.ends_at,
                                  event.venue, event.timezone, raw=None))
    tickets = obj.get("issued_tickets") or []
    if not isinstance(tickets, list):
        raise PayloadError(f"Ticket Tailor order {order_id}: issued_tickets is not a list")
    buyer = obj.get("buyer_details")
    batch.extend(map_each(PROVIDER, "issued_ticket", tickets, lambda t: Batch(tickets=[map_issued_ticket(t, buyer)])))
    # The order's add-on tickets (`add_on_id` set, as the real recording's issued tickets carry it:
    # orders-1-orders.json) are what its admission tickets' holders are handed at the door.
    extras = add_ons(tickets)
    batch.tickets = [replace(t, order_details=TicketDetails((t.order_details or TicketDetails()).answers, (), extras))
                     for t in batch.tickets]
    batch.orders.append(order_state(obj, order_id, batch.tickets))
    return batch


def order_state(obj: dict, order_id: str, tickets: list[Ticket]) -> OrderState:
    """What an order says about all its tickets."""
    status = obj.get("status")
    meaning = states.ORDER_STATUS.get(status) if isinstance(status, str) else None
    if meaning is None:
        return _order(order_id, _UNRECOGNISED, f"order status: {'(missing)' if status is None else status}")
    if meaning.status is TicketStatus.VOID:
        return _order(order_id, meaning, f"order status: {status}")
    items = obj.get("line_items") if isinstance(obj.get("line_items"), list) else []
    void_items = 0
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str) or kind not in states.LINE_ITEM_TYPES:  # a list or object is no type
            return _order(order_id, _UNRECOGNISED, f"line item type: {kind}")
        if kind == "void":
            void_items += _count(item.get("quantity"))
    void_tickets = sum(1 for t in tickets if t.status is TicketStatus.VOID)
    if void_items > void_tickets:
        # Some ticket of the order was voided, and the tickets do not say which: none admits unchecked.
        return _order(order_id, _UNRECOGNISED, f"line items: {void_items} void, {void_tickets} tickets void")
    refund, total = _count(obj.get("refund_amount")), _count(obj.get("total"))
    if refund and total and refund >= total:
        return _order(order_id, states.Meaning(TicketStatus.VOID, "order refunded"), f"refund_amount: {refund} of {total}")
    if refund and not void_items and not void_tickets:
        # Money went back and no ticket says it was voided: whose ticket it was is a supervisor's call.
        return _order(order_id, _UNRECOGNISED, f"refund_amount: {refund} of {total}")
    return _order(order_id, meaning, f"order status: {status}")


def _order(order_id: str, meaning: states.Meaning, state: str) -> OrderState:
    return OrderState(PROVIDER, order_id, meaning.status, provider_state=state, void_reason=meaning.void_reason,
                      attention=meaning.attention)


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


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
    if not isinstance(obj, dict):
        raise PayloadError(f"Ticket Tailor record: expected an object, got {type(obj).__name__}")
    label = obj.get("object")
    kind = (_BY_OBJECT.get(label) if isinstance(label, str) else None) or {"ev": "event", "or": "order", "it": "ticket", "ch": "check_in"}.get(
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
    """An API list page `{"data": [...]}`; an item that cannot be mapped is set aside, the rest applies."""
    data = body.get("data")
    if not isinstance(data, list):
        raise PayloadError("Ticket Tailor page without a data list")
    return map_each(PROVIDER, "object", data, map_object)


def map_webhook(envelope: dict) -> Batch:
    """A webhook delivery `{id, event: "ORDER.CREATED"..., payload}`.

    Topics are checked against the documented list (`tickettailor_states.WEBHOOK_TOPICS`). An
    undocumented topic about an order or a ticket (say `ISSUED_TICKET.REFUNDED`) still tells us
    something happened to those tickets: they are kept, refused "check with a supervisor" with
    the topic as the value, until the provider says something we know. Any other topic is an
    error the inbox keeps with its reason.
    """
    topic = envelope.get("event")
    payload = envelope.get("payload")
    if not isinstance(topic, str) or not isinstance(payload, dict):
        raise PayloadError("Ticket Tailor webhook without an event name and payload")
    kind = states.WEBHOOK_TOPICS.get(topic)
    if kind == "order":
        return map_order(payload)
    if kind == "issued_ticket":
        return Batch(tickets=[map_issued_ticket(payload)])
    if kind == "event":
        return Batch(events=[map_event(payload)])
    if kind == "event_deleted":
        return Batch(events=[map_deleted_event(payload)])
    family = topic.split(".")[0].upper()
    if family in ("ORDER", "ISSUED_TICKET"):
        batch = map_order(payload) if family == "ORDER" else Batch(tickets=[map_issued_ticket(payload)])
        unknown = states.Meaning(TicketStatus.UNRECOGNISED)
        batch.tickets = [_refused(t, f"webhook: {topic}") for t in batch.tickets]
        batch.orders = [_order(o.remote_id, unknown, f"webhook: {topic}") for o in batch.orders]
        return batch
    if family == "EVENT":
        event = map_event(payload)
        return Batch(events=[Event(event.provider, event.remote_id, event.name, event.starts_at, event.ends_at,
                                   event.venue, event.timezone, unrecognised_state=f"webhook: {topic}", raw=payload)])
    raise PayloadError(f"Ticket Tailor webhook {topic!r} is not one the documents list")


def _refused(t: Ticket, state: str) -> Ticket:
    return replace(t, status=TicketStatus.UNRECOGNISED, provider_state=state, void_reason=None, voided_at=None,
                   attention=None)


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
    if not isinstance(obj, dict):
        raise PayloadError(f"Ticket Tailor payload: expected an object, got {type(obj).__name__}")
    if isinstance(obj.get("event"), str) and "payload" in obj:
        return map_webhook(obj)
    if "data" in obj:
        return map_page(obj)
    return map_object(obj)


def says_void(obj: dict) -> bool:
    """Does an issued ticket say it is void (either spelling, or `voided_at` set)? For pushes."""
    return _ticket_meaning(obj)[0].status is TicketStatus.VOID


def code_variants(code: str) -> list[str]:
    """Ticket Tailor barcodes are exact, case-sensitive strings: no variants."""
    return []
