"""The simulated Ticket Tailor box office: state and API semantics, with no HTTP in it.

Everything is held in memory. Each listing keeps an ascending list of numeric ids (ids grow with
creation, so appends keep it sorted) and pages with bisect, so a page costs the same at 100 or
100,000 tickets. Not thread-safe on its own: the HTTP server serialises calls with one lock.
"""
from __future__ import annotations

import bisect
import random
import string
import time
from typing import Any, Callable

from checkin_app.sandbox.names import NameGenerator
from checkin_app.sandbox.paging import cursor_page, index_window, page_links
from checkin_app.sandbox.tt_records import (SimCheckIn, SimEvent, SimOrder, SimTicket, SimTicketType, render_check_in,
                                            render_event, render_order, render_ticket)

BARCODE_ALPHABET = string.digits + string.ascii_letters
MAX_LIMIT = 100


class SimError(Exception):
    """An API error answer: HTTP status, Ticket Tailor style error code, message, validation errors."""

    def __init__(self, status: int, error_code: str, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "error_code": self.error_code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def _validation(field_name: str, message: str) -> SimError:
    return SimError(422, "VALIDATION_ERROR", message, [{"field": field_name, "messages": [message]}])


def _num(object_id: str | None, prefix: str, what: str, status: int = 404) -> int:
    """The number in an id like `it_123`; a bare number is accepted too (the docs call ids numeric)."""
    text = (object_id or "").strip()
    if text.startswith(prefix + "_"):
        text = text[len(prefix) + 1:]
    if not text.isdigit():
        raise SimError(status, "NOT_FOUND" if status == 404 else "BAD_REQUEST", f"{what} {object_id!r} not found"
                       if status == 404 else f"invalid {what} {object_id!r}")
    return int(text)


def _int_param(query: dict[str, str], key: str) -> int | None:
    if key not in query:
        return None
    try:
        return int(query[key])
    except ValueError:
        raise SimError(400, "BAD_REQUEST", f"{key} must be an integer") from None


def _limit(query: dict[str, str]) -> int:
    limit = _int_param(query, "limit")
    if limit is None:
        return MAX_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise SimError(400, "BAD_REQUEST", f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def _cursors(query: dict[str, str], prefix: str) -> tuple[int | None, int | None]:
    after = query.get("starting_after") or None
    before = query.get("ending_before") or None
    return (_num(after, prefix, "cursor", 400) if after else None, _num(before, prefix, "cursor", 400) if before else None)


def _created_bounds(query: dict[str, str]) -> dict[str, int | None]:
    return {"eq": _int_param(query, "created_at"), "gt": _int_param(query, "created_at.gt"),
            "gte": _int_param(query, "created_at.gte"), "lt": _int_param(query, "created_at.lt"),
            "lte": _int_param(query, "created_at.lte")}


def _within(value: int, bounds: dict[str, int | None]) -> bool:
    eq, gt, gte, lt, lte = (bounds[k] for k in ("eq", "gt", "gte", "lt", "lte"))
    return ((eq is None or value == eq) and (gt is None or value > gt) and (gte is None or value >= gte)
            and (lt is None or value < lt) and (lte is None or value <= lte))


class BoxOffice:
    """One simulated box office (one API key's worth of data).

    Args:
        name: shown nowhere in the API; for demo logs.
        seed: makes ids, barcodes and names reproducible.
        mask_personal: answer names, emails and buyer details as `"****"`, as some real keys do.
        clock: Unix seconds (the "now" of check-ins, voids and new tickets).
    """

    def __init__(self, name: str = "Sandbox Box Office", *, seed: int = 0, mask_personal: bool = False,
                 clock: Callable[[], float] = time.time, void_spelling: str = "voided"):
        self.name = name
        self.mask_personal = mask_personal
        # How a voided ticket's status is spelled: "voided" (real traffic, the list filter) or
        # "void" (the documents' response schema). The filter `status=voided` finds both.
        self.void_spelling = void_spelling
        self._clock = clock
        self._rng = random.Random(seed)
        self._names = NameGenerator(seed)
        self._counters = {"ev": 4_467_000 + self._rng.randrange(1000), "es": 1_354_000 + self._rng.randrange(1000),
                          "tt": 4_328_000 + self._rng.randrange(1000), "or": 46_629_000 + self._rng.randrange(1000),
                          "it": 72_697_000 + self._rng.randrange(1000), "ch": 9_100_000 + self._rng.randrange(1000)}
        self.events: dict[int, SimEvent] = {}
        self.event_nums: list[int] = []
        self.tickets: dict[int, SimTicket] = {}
        self.ticket_nums: list[int] = []
        self.orders: dict[int, SimOrder] = {}
        self.order_nums: list[int] = []
        self.check_ins: dict[int, SimCheckIn] = {}
        self.check_in_nums: list[int] = []
        self.deleted_events: set[int] = set()

    # -- ids and time -----------------------------------------------------------------------

    def _next(self, prefix: str) -> int:
        # Real ids come from one sequence shared by every box office, so they have gaps.
        self._counters[prefix] += 1 + (self._rng.getrandbits(2) if prefix in ("it", "or") else 0)
        return self._counters[prefix]

    def now(self) -> int:
        return int(self._clock())

    def _barcode(self, ev: SimEvent) -> str:
        while True:
            bits = self._rng.getrandbits(42)
            chars = []
            for _ in range(7):
                bits, digit = divmod(bits, 62)
                chars.append(BARCODE_ALPHABET[digit])
            code = "".join(chars)
            if code not in ev.barcodes:
                return code

    # -- building the box office (sandbox API, also used by the HTTP handlers) ---------------

    def add_event(self, name: str, *, start: int | None = None, hours: float = 4.0, venue: str | None = "Sandbox Hall",
                  tz_name: str = "Europe/London", ticket_types: list[tuple[str, int, int]] | None = None) -> str:
        """Create an event.

        Args:
            name: event name.
            start: Unix start time (default: tomorrow 19:00 UTC-ish).
            hours: duration.
            venue: venue name.
            tz_name: IANA time zone of the event.
            ticket_types: (name, price in cents, quantity) each; default General Admission + VIP.

        Returns:
            The event id (`ev_…`).
        """
        now = self.now()
        start = start if start is not None else (now // 86400 + 1) * 86400 + 19 * 3600
        ev = SimEvent(self._next("ev"), self._next("es"), name, start, start + int(hours * 3600), tz_name, venue, now)
        for type_name, price, quantity in ticket_types or [("General Admission", 2500, 1000), ("VIP", 6000, 100)]:
            ev.ticket_types.append(SimTicketType(self._next("tt"), type_name, price, quantity))
        self.events[ev.num] = ev
        self.event_nums.append(ev.num)
        return ev.id

    def event(self, event_id: str) -> SimEvent:
        ev = self.events.get(_num(event_id, "ev", "event"))
        if ev is None or ev.num in self.deleted_events:
            raise SimError(404, "NOT_FOUND", f"event {event_id!r} not found")
        return ev

    def ticket(self, ticket_id: str) -> SimTicket:
        t = self.tickets.get(_num(ticket_id, "it", "issued ticket"))
        if t is None:
            raise SimError(404, "NOT_FOUND", f"issued ticket {ticket_id!r} not found")
        return t

    def order(self, order_id: str) -> SimOrder:
        o = self.orders.get(_num(order_id, "or", "order"))
        if o is None:
            raise SimError(404, "NOT_FOUND", f"order {order_id!r} not found")
        return o

    def add_orders(self, event_id: str, n_tickets: int, *, per_order: tuple[int, int] = (1, 4),
                   named_fraction: float = 0.3, since: int | None = None, status: str = "completed") -> list[str]:
        """Sell `n_tickets` tickets in orders of `per_order` tickets each.

        Args:
            event_id: the event.
            n_tickets: exactly this many tickets are issued.
            per_order: smallest and largest order.
            named_fraction: share of orders whose tickets carry attendee names (the rest carry
                none: the name is on the order only, as is common in real data).
            since: Unix time of the first order; orders are spread from then until now
                (default: now, i.e. they are all new).
            status: the orders' state ("pending": pay at the door).

        Returns:
            The new ticket ids, oldest first.
        """
        ev = self.event(event_id)
        type_weights = [max(1, t.quantity_total - t.issued) for t in ev.ticket_types]
        now = self.now()
        start = now if since is None else min(since, now)
        step = (now - start) / max(1, n_tickets)
        made: list[str] = []
        while len(made) < n_tickets:
            size = min(self._rng.randint(*per_order), n_tickets - len(made))
            first, last = self._names.person()
            created = max(ev.order_created[-1] if ev.order_created else 0, int(start + step * len(made)))
            order = SimOrder(self._next("or"), ev.num, first, last, self._names.email(first, last), created,
                             status=status)
            self.orders[order.num] = order
            self.order_nums.append(order.num)
            ev.order_nums.append(order.num)
            ev.order_created.append(created)
            named = self._rng.random() < named_fraction
            tt = self._rng.choices(ev.ticket_types, type_weights)[0]
            for i in range(size):
                if named:
                    f, l = (first, last) if i == 0 else self._names.person()
                    person = (f"{f} {l}", f, l)
                else:
                    person = (None, None, None)
                made.append(self._issue(ev, tt, created, order=order, person=person, email=order.email).id)
        return made

    def _issue(self, ev: SimEvent, tt: SimTicketType, created: int, *, order: SimOrder | None,
               person: tuple[str | None, str | None, str | None], email: str | None, barcode: str | None = None,
               reference: str | None = None, source: str = "checkout") -> SimTicket:
        created = max(created, ev.ticket_created[-1] if ev.ticket_created else 0)
        t = SimTicket(self._next("it"), ev.num, tt.num, barcode or self._barcode(ev), order.num if order else None,
                      person[0], person[1], person[2], email, created, source=source, reference=reference)
        tt.issued += 1
        self.tickets[t.num] = t
        self.ticket_nums.append(t.num)
        ev.ticket_nums.append(t.num)
        ev.ticket_created.append(created)
        ev.barcodes[t.barcode] = t.num
        if order is not None:
            order.ticket_nums.append(t.num)
        return t

    def void(self, ticket_id: str) -> dict[str, Any]:
        """Void a ticket (API and box office staff alike). Refused when it is already void."""
        t = self.ticket(ticket_id)
        if t.status == "voided":
            raise _validation("issued_ticket_id", f"issued ticket {t.id} is already voided")
        t.status, t.voided_at = "voided", self.now()
        bisect.insort(self.events[t.event_num].voided_nums, t.num)
        return {"id": t.id, "object": "issued_ticket", "voided": True}

    def set_order_status(self, order_id: str, status: str) -> None:
        """Change an order's state as the box office would ("cancelled", "completed", or anything else).

        Cancelling does not void the order's tickets: they keep listing as valid, as the documents
        allow (issue 12, defect 2); the order's state is what says they must not admit.
        """
        self.order(order_id).status = status

    def refund(self, order_id: str, amount: int, *, void_items: int = 0) -> None:
        """Record a refund (`refund_amount`) and, optionally, `void` line items for voided tickets."""
        o = self.order(order_id)
        o.refund_amount += amount
        o.void_items += void_items

    def delete_event(self, event_id: str) -> dict[str, Any]:
        """Delete an event: gone from the listings; returns its last rendering (the EVENT.DELETED payload)."""
        ev = self.event(event_id)
        payload = self.render_event(ev)
        self.deleted_events.add(ev.num)
        return payload

    def delete_check_in(self, check_in_id: str) -> None:
        """Take a check-in back upstream (Ticket Tailor's app or dashboard): it leaves the listings."""
        c = self.check_ins.pop(_num(check_in_id, "ch", "check-in"), None)
        if c is None:
            raise SimError(404, "NOT_FOUND", f"check-in {check_in_id!r} not found")
        self.check_in_nums.remove(c.num)
        self.events[c.event_num].check_in_nums.remove(c.num)
        self.tickets[c.ticket_num].checked_in -= c.quantity

    def check_in(self, ticket_id: str, quantity: int = 1) -> dict[str, Any]:
        """Record a check-in (this API, another door, Ticket Tailor's own app). Refuses voided
        tickets and a quantity beyond the ticket's (one admission per issued ticket)."""
        t = self.ticket(ticket_id)
        if quantity < 1:
            raise _validation("quantity", "quantity must be at least 1")
        if t.status == "voided":
            raise _validation("issued_ticket_id", f"issued ticket {t.id} is voided and cannot be checked in")
        if t.checked_in + quantity > 1:
            raise _validation("issued_ticket_id", f"issued ticket {t.id} has already been checked in")
        t.checked_in += quantity
        ev = self.events[t.event_num]
        c = SimCheckIn(self._next("ch"), t.num, ev.num, quantity, self.now())
        self.check_ins[c.num] = c
        self.check_in_nums.append(c.num)
        ev.check_in_nums.append(c.num)
        return render_check_in(c, ev)

    def create_ticket(self, form: dict[str, str]) -> dict[str, Any]:
        """`POST /v1/issued_tickets`: a ticket without an order (walk-ups, imports)."""
        for required in ("event_id", "ticket_type_id", "full_name"):
            if not form.get(required, "").strip():
                raise _validation(required, f"The {required} field is required.")
        try:
            ev = self.event(form["event_id"])
        except SimError:
            raise _validation("event_id", f"event {form['event_id']!r} does not exist") from None
        tt = ev.ticket_type(form["ticket_type_id"])
        if tt is None:
            raise _validation("ticket_type_id", f"ticket type {form['ticket_type_id']!r} is not part of {ev.id}")
        if tt.issued >= tt.quantity_total:
            raise _validation("ticket_type_id", f"no tickets of {tt.name!r} are available")
        barcode = form.get("barcode") or None
        if barcode is not None:
            if len(barcode) > 64 or not barcode.isprintable() or " " in barcode:
                raise _validation("barcode", "The barcode may only contain printable characters without spaces.")
            if barcode in ev.barcodes:
                raise _validation("barcode", "The barcode has already been taken.")
        full = form["full_name"].strip()
        first, _, last = full.partition(" ")
        t = self._issue(ev, tt, self.now(), order=None, person=(full, first, last or None),
                        email=form.get("email") or None, barcode=barcode, reference=form.get("reference") or None,
                        source="api")
        return {"data": [self.render_ticket(t)]}

    # -- rendering ----------------------------------------------------------------------------

    def render_ticket(self, t: SimTicket) -> dict[str, Any]:
        ev = self.events[t.event_num]
        tt = next((x for x in ev.ticket_types if x.num == t.type_num), None)
        return render_ticket(t, ev, tt.name if tt else "Ticket", self.mask_personal, self.void_spelling)

    def render_order(self, o: SimOrder) -> dict[str, Any]:
        ev = self.events[o.event_num]
        prices = {t.id: (t.name, t.price) for t in ev.ticket_types}
        return render_order(o, ev, [self.render_ticket(self.tickets[n]) for n in o.ticket_nums], prices,
                            self.mask_personal)

    def render_event(self, ev: SimEvent) -> dict[str, Any]:
        return render_event(ev, len(ev.order_nums))

    # -- listings -----------------------------------------------------------------------------

    def list_events(self, query: dict[str, str]) -> dict[str, Any]:
        statuses = set(query["status"].split(",")) if query.get("status") else None
        starts = {k: _int_param(query, f"start_at{s}") for k, s in
                  (("eq", ""), ("gt", ".gt"), ("gte", ".gte"), ("lt", ".lt"), ("lte", ".lte"))}

        def keep(num: int) -> bool:
            ev = self.events[num]
            return (num not in self.deleted_events and (statuses is None or ev.status in statuses)
                    and _within(ev.start_unix, starts))

        return self._listing("events", "ev", query, self.event_nums, keep=keep,
                             render=lambda n: self.render_event(self.events[n]))

    def list_orders(self, query: dict[str, str]) -> dict[str, Any]:
        bounds = _created_bounds(query)
        status = query.get("status") or None
        if status not in (None, "completed", "pending", "cancelled"):
            raise SimError(400, "BAD_REQUEST", "status must be completed, pending or cancelled")
        keep_status = (lambda n: self.orders[n].status == status) if status else None
        if query.get("event_id"):
            ev = self.event(query["event_id"])
            lo, hi = index_window(ev.order_created, **bounds)
            return self._listing("orders", "or", query, ev.order_nums, lo=lo, hi=hi, keep=keep_status,
                                 render=lambda n: self.render_order(self.orders[n]))
        return self._listing("orders", "or", query, self.order_nums,
                             keep=lambda n: _within(self.orders[n].created_at, bounds) and (keep_status is None or keep_status(n)),
                             render=lambda n: self.render_order(self.orders[n]))

    def list_tickets(self, query: dict[str, str]) -> dict[str, Any]:
        status = query.get("status") or None
        if status not in (None, "valid", "voided"):
            raise SimError(400, "BAD_REQUEST", "status must be valid or voided")
        bounds = _created_bounds(query)
        keeps: list[Callable[[SimTicket], bool]] = []
        lo, hi = 0, None
        ev = self.event(query["event_id"]) if query.get("event_id") else None
        if query.get("barcode"):
            if ev is None:
                raise SimError(400, "BAD_REQUEST", "the barcode filter needs event_id as well")
            found = ev.barcodes.get(query["barcode"])  # exact, case-sensitive
            ids: list[int] = [found] if found is not None else []
        elif query.get("order_id"):
            order = self.orders.get(_num(query["order_id"], "or", "order", 400))
            ids = sorted(order.ticket_nums) if order else []
        elif ev is not None and status == "voided":
            ids, status = ev.voided_nums, None  # the void index answers the status filter
        elif ev is not None:
            ids = ev.ticket_nums
            lo, hi = index_window(ev.ticket_created, **bounds)
            bounds = {}
        else:
            ids = self.ticket_nums
        if ev is not None and ids is not ev.ticket_nums and ids is not ev.voided_nums:
            keeps.append(lambda t: t.event_num == ev.num)
        if status is not None:
            keeps.append(lambda t: t.status == status)
        if bounds and any(v is not None for v in bounds.values()):
            keeps.append(lambda t: _within(t.created_at, bounds))
        if query.get("name"):
            needle = query["name"].lower()
            keeps.append(lambda t: needle in (t.full_name or "").lower() or (
                t.order_num is not None and needle in self._order_name(t.order_num).lower()))
        if query.get("email"):
            keeps.append(lambda t: (t.email or "").lower() == query["email"].lower())
        keep = (lambda n: all(k(self.tickets[n]) for k in keeps)) if keeps else None
        return self._listing("issued_tickets", "it", query, ids, lo=lo, hi=hi, keep=keep,
                             render=lambda n: self.render_ticket(self.tickets[n]))

    def _order_name(self, order_num: int) -> str:
        o = self.orders[order_num]
        return f"{o.first_name} {o.last_name}"

    def list_check_ins(self, query: dict[str, str]) -> dict[str, Any]:
        ids = self.event(query["event_id"]).check_in_nums if query.get("event_id") else self.check_in_nums
        keep = None
        if query.get("issued_ticket_id"):
            wanted = _num(query["issued_ticket_id"], "it", "issued ticket", 400)
            keep = lambda n: self.check_ins[n].ticket_num == wanted  # noqa: E731
        return self._listing("check_ins", "ch", query, ids, keep=keep,
                             render=lambda n: render_check_in(self.check_ins[n], self.events[self.check_ins[n].event_num]))

    def _listing(self, resource: str, prefix: str, query: dict[str, str], ids: list[int], *, render,
                 lo: int = 0, hi: int | None = None, keep=None) -> dict[str, Any]:
        after, before = _cursors(query, prefix)
        page = cursor_page(ids, starting_after=after, ending_before=before, limit=_limit(query), lo=lo, hi=hi, keep=keep)
        data = [render(n) for n in page.ids]
        first = data[0]["id"] if data else None
        last = data[-1]["id"] if data else None
        return {"data": data, "links": page_links(resource, query, first, last, page)}
