"""A Ticket Tailor API simulator: a real HTTP server on loopback, for integration tests and `demo`.

Implements what the app uses of API v1 as documented and as real traffic shows it
(tests/fixtures/provider-docs/tickettailor-api-v1.txt, docs/providers.md): Basic auth with the key as user
name, `/ping`, events, orders, issued tickets (list with filters and cursors, create, get, void),
check-ins (list, create), `x-rate-limit-*` headers with 429 + `Retry-After`, TT-style error bodies.
Faults (503s, connection resets, delays, lost responses) and the rate budget change at run time.

    with TicketTailorSandbox(api_key="sk_test") as sandbox:
        event_id = sandbox.seed_event("Night one", 2500)
        client = TicketTailorClient(sandbox.base_url, "sk_test")
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from checkin_app.sandbox.faults import Decision, Faults, RateWindow, format_seconds
from checkin_app.sandbox.httpserver import LoggedRequest, LoopbackServed, SimulatorHandler
from checkin_app.sandbox.tt_boxoffice import BoxOffice, SimError

API_PREFIX = "/v1"
DEMO_API_KEY = "sk_sandbox_demo"


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/ping"), "ping"),
    ("GET", re.compile(r"/events"), "list_events"),
    ("GET", re.compile(r"/events/(?P<id>[^/]+)"), "get_event"),
    ("GET", re.compile(r"/orders"), "list_orders"),
    ("GET", re.compile(r"/orders/(?P<id>[^/]+)"), "get_order"),
    ("GET", re.compile(r"/issued_tickets"), "list_tickets"),
    ("POST", re.compile(r"/issued_tickets"), "create_ticket"),
    ("GET", re.compile(r"/issued_tickets/(?P<id>[^/]+)"), "get_ticket"),
    ("POST", re.compile(r"/issued_tickets/(?P<id>[^/]+)/void"), "void_ticket"),
    ("GET", re.compile(r"/check_ins"), "list_check_ins"),
    ("POST", re.compile(r"/check_ins"), "create_check_in"),
]


class _Handler(SimulatorHandler):
    server_version = "TicketTailorSandbox/1.0"


class TicketTailorSandbox(LoopbackServed):
    """A simulated Ticket Tailor box office served over HTTP on 127.0.0.1.

    Args:
        api_key: the one key accepted (HTTP Basic user name, empty password).
        port: 0 for any free port.
        seed: reproducible ids, barcodes and names.
        mask_personal: answer personal data as `"****"` (as some real keys do).
        rate_limit: requests per window, None for no limit; `rate_window` in seconds (fractions ok).
        name: box office name (for logs and the demo).
    """

    handler = _Handler

    def __init__(self, api_key: str = "sk_sandbox_test", *, port: int = 0, seed: int = 0, mask_personal: bool = False,
                 rate_limit: int | None = 10_000, rate_window: float = 1800.0, name: str = "Sandbox Box Office",
                 void_spelling: str = "voided"):
        self.api_key = api_key
        self.box_office = BoxOffice(name, seed=seed, mask_personal=mask_personal, void_spelling=void_spelling)
        self._webhook_ids = itertools.count(1)
        self.faults = Faults(seed=seed)
        self.rate = RateWindow(rate_limit, rate_window)
        self._port = port
        self._lock = threading.RLock()
        # Bounded: the demo serves a sync loop for hours.
        self._log_entries: deque[LoggedRequest] = deque(maxlen=200_000)
        self.stopping = threading.Event()

    def __repr__(self) -> str:
        return f"TicketTailorSandbox({self.box_office.name!r}, running={self._server is not None})"

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1` (the server must be started)."""
        return self.served_url(API_PREFIX)

    # -- building data (thread-safe wrappers over the box office) ----------------------------

    def add_event(self, name: str, **kwargs: Any) -> str:
        """Create an event (see `BoxOffice.add_event`); returns its id."""
        with self._lock:
            return self.box_office.add_event(name, **kwargs)

    def seed_event(self, name: str, n_tickets: int, *, quantity_spare: int = 1000, days_of_sales: float = 30.0,
                   named_fraction: float = 0.3, **kwargs: Any) -> str:
        """An event with `n_tickets` tickets already sold over the past `days_of_sales` days.

        Args:
            name: event name.
            n_tickets: tickets issued (in orders of 1-4).
            quantity_spare: tickets still available (for walk-ups).
            days_of_sales: how far back the first order is.
            named_fraction: share of orders whose tickets carry attendee names.
            kwargs: passed to `add_event` (start, venue, tz_name...).

        Returns:
            The event id.
        """
        with self._lock:
            kwargs.setdefault("ticket_types", [("General Admission", 2500, int(n_tickets * 0.9) + quantity_spare),
                                               ("VIP", 6000, n_tickets - int(n_tickets * 0.9) + quantity_spare)])
            event_id = self.box_office.add_event(name, **kwargs)
            since = self.box_office.now() - int(days_of_sales * 86400)
            self.box_office.add_orders(event_id, n_tickets, since=since, named_fraction=named_fraction)
            return event_id

    def add_tickets(self, event_id: str, n: int, **kwargs: Any) -> list[str]:
        """Sell `n` more tickets now (new orders). Returns their ids, oldest first."""
        with self._lock:
            return self.box_office.add_orders(event_id, n, **kwargs)

    def void(self, ticket_id: str) -> None:
        """Void a ticket as box office staff would (already void: no change)."""
        with self._lock:
            if self.box_office.ticket(ticket_id).status != "voided":
                self.box_office.void(ticket_id)

    def check_in(self, ticket_id: str, quantity: int = 1) -> str:
        """Check a ticket in elsewhere (another door, Ticket Tailor's own app). Returns the check-in id.

        Raises:
            SimError: the ticket is void or already checked in.
        """
        with self._lock:
            return self.box_office.check_in(ticket_id, quantity)["id"]

    def answer_question(self, ticket_id: str, question: str, answer: str | None, *, buyer: bool = False) -> None:
        """Record an answer to a custom question: the attendee's own on the ticket, or with
        `buyer` the buyer's at checkout on the ticket's order (`buyer_details.custom_questions`)."""
        with self._lock:
            t = self.box_office.ticket(ticket_id)
            target = self.box_office.orders[t.order_num] if buyer and t.order_num else t
            target.answers.append((question, answer))

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """The ticket as the API renders it."""
        with self._lock:
            return self.box_office.render_ticket(self.box_office.ticket(ticket_id))

    def event_ticket_ids(self, event_id: str, status: str | None = None) -> list[str]:
        """Every ticket id of an event (optionally only `valid` or `voided`), oldest first."""
        with self._lock:
            ev = self.box_office.event(event_id)
            return [f"it_{n}" for n in ev.ticket_nums if status is None or self.box_office.tickets[n].status == status]

    def cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cancel an order (its tickets keep listing as valid); returns the ORDER.UPDATED payload."""
        return self.set_order_status(order_id, "cancelled")

    def set_order_status(self, order_id: str, status: str) -> dict[str, Any]:
        """Put an order in a state ("pending", "cancelled", "completed" or any test value); returns it rendered."""
        with self._lock:
            self.box_office.set_order_status(order_id, status)
            return self.box_office.render_order(self.box_office.order(order_id))

    def refund(self, order_id: str, amount: int, *, void_items: int = 0) -> dict[str, Any]:
        """Refund money on an order (and record `void` line items); returns the ORDER.UPDATED payload."""
        with self._lock:
            self.box_office.refund(order_id, amount, void_items=void_items)
            return self.box_office.render_order(self.box_office.order(order_id))

    def order(self, order_id: str) -> dict[str, Any]:
        with self._lock:
            return self.box_office.render_order(self.box_office.order(order_id))

    def delete_event(self, event_id: str) -> dict[str, Any]:
        """Delete an event; returns the EVENT.DELETED payload. Its lists answer 404 from now on."""
        with self._lock:
            return self.box_office.delete_event(event_id)

    def delete_check_in(self, check_in_id: str) -> None:
        """Take a check-in back upstream (the ticket reads as not checked in there)."""
        with self._lock:
            self.box_office.delete_check_in(check_in_id)

    def webhook(self, topic: str, payload: dict[str, Any], secret: str, *, at: int | None = None) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery as Ticket Tailor sends it: (raw body, headers).

        The envelope and the signature follow the documents (doc lines 3499-3506 and 3508-3560: HMAC-SHA256 of the
        timestamp followed by the raw body, hex, in `Tickettailor-Webhook-Signature: t=...,v1=...`),
        computed here from those words, not with the app's own signing function.
        """
        at = int(time.time()) if at is None else at
        body = json.dumps({"id": f"wh_{next(self._webhook_ids)}_{at}", "created_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)),
                           "event": topic, "resource_url": f"https://api.tickettailor.com/v1/{payload.get('object', 'x')}s/{payload.get('id')}",
                           "payload": payload}).encode()
        digest = hmac.new(secret.encode(), str(at).encode() + body, hashlib.sha256).hexdigest()
        return body, {"Content-Type": "application/json", "Tickettailor-Webhook-Signature": f"t={at},v1={digest}"}

    def set_rate_limit(self, limit: int | None, window: float) -> None:
        """A new budget: `limit` requests per `window` seconds (None: unlimited, no headers)."""
        self.rate.configure(limit, window)

    def consume_budget(self, n: int) -> None:
        """Use up `n` requests of the budget, as another client of the same key would."""
        self.rate.consume(n)

    # -- request log ----------------------------------------------------------------------------

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._log_entries)

    def requests_to(self, method: str, path_suffix: str) -> list[LoggedRequest]:
        """Logged requests with this method whose path ends with `path_suffix` (e.g. "/issued_tickets")."""
        return [r for r in self.request_log if r.method == method and r.path.endswith(path_suffix)]

    def clear_log(self) -> None:
        with self._lock:
            self._log_entries.clear()

    def log_request(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log_entries.append(entry)

    # -- request handling (called from server threads) -----------------------------------------

    def decide(self, method: str, path: str) -> Decision:
        with self._lock:
            return self.faults.decide(method, path)

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, _password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == self.api_key

    def answer(self, method: str, path: str, query: dict[str, str], body: bytes, headers,
                 decision: Decision) -> tuple[int, Any, dict[str, str]]:
        if decision.fail_status is not None:
            status = decision.fail_status
            return status, {"status": status, "error_code": "SERVICE_UNAVAILABLE" if status == 503 else "SERVER_ERROR",
                            "message": "The service is temporarily unavailable, please retry"}, {}
        if not self._authorised(headers.get("Authorization")):
            return 401, SimError(401, "UNAUTHORIZED", "Your request was not authenticated correctly.").body(), {}
        allowed, rate_headers, reset_in = self.rate.take()
        if not allowed:
            rate_headers["Retry-After"] = format_seconds(reset_in, whole=self.rate.window >= 10)
            return 429, SimError(429, "TOO_MANY_REQUESTS", "Too many requests hit the API too quickly.").body(), rate_headers
        try:
            status, payload = self._route(method, path, query, body, headers.get("Content-Type") or "")
        except SimError as exc:
            status, payload = exc.status, exc.body()
        return status, payload, rate_headers

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes,
               content_type: str) -> tuple[int, Any]:
        if not path.startswith(API_PREFIX + "/"):
            raise SimError(404, "NOT_FOUND", f"no such endpoint {path}")
        tail = path[len(API_PREFIX):].rstrip("/")
        methods_seen = False
        for route_method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(tail)
            if match is None:
                continue
            methods_seen = True
            if route_method != method:
                continue
            form = self._form(body, content_type) if method == "POST" else {}
            with self._lock:
                return getattr(self, "_api_" + handler)(query, form, **match.groupdict())
        if methods_seen:
            raise SimError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
        raise SimError(404, "NOT_FOUND", f"no such endpoint {path}")

    @staticmethod
    def _form(body: bytes, content_type: str) -> dict[str, str]:
        if body and "application/x-www-form-urlencoded" not in content_type:
            raise SimError(400, "BAD_REQUEST", "request bodies must be application/x-www-form-urlencoded")
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

    # -- endpoints ----------------------------------------------------------------------------

    def _api_ping(self, query, form):
        return 200, {"version": "pong"}

    def _api_list_events(self, query, form):
        return 200, self.box_office.list_events(query)

    def _api_get_event(self, query, form, id):  # noqa: A002 - the route's name for it
        return 200, self.box_office.render_event(self.box_office.event(id))

    def _api_list_orders(self, query, form):
        return 200, self.box_office.list_orders(query)

    def _api_get_order(self, query, form, id):  # noqa: A002
        return 200, self.box_office.render_order(self.box_office.order(id))

    def _api_list_tickets(self, query, form):
        return 200, self.box_office.list_tickets(query)

    def _api_create_ticket(self, query, form):
        return 201, self.box_office.create_ticket(form)

    def _api_get_ticket(self, query, form, id):  # noqa: A002
        return 200, self.box_office.render_ticket(self.box_office.ticket(id))

    def _api_void_ticket(self, query, form, id):  # noqa: A002
        return 200, self.box_office.void(id)

    def _api_list_check_ins(self, query, form):
        return 200, self.box_office.list_check_ins(query)

    def _api_create_check_in(self, query, form):
        if not form.get("issued_ticket_id"):
            raise SimError(422, "VALIDATION_ERROR", "The issued_ticket_id field is required.",
                           [{"field": "issued_ticket_id", "messages": ["The issued_ticket_id field is required."]}])
        try:
            quantity = int(form.get("quantity") or 1)
        except ValueError:
            raise SimError(422, "VALIDATION_ERROR", "quantity must be an integer") from None
        return 201, self.box_office.check_in(form["issued_ticket_id"], quantity)


def demo_box_office(api_key: str = DEMO_API_KEY, *, port: int = 0, seed: int = 7) -> TicketTailorSandbox:
    """A sandbox box office with realistic data for `demo` (not started: call `start()` or use `with`).

    Three events: tonight's concert with 2,400 attendees (300 already checked in at another door,
    a few voided), tomorrow's matinee with 1,200, and a members' evening next week whose tickets
    all carry names. Personal data is not masked (see `mask_personal` for that).

    Args:
        api_key: the key the demo connection uses.
        port: 0 for any free port.
        seed: same seed, same attendees.
    """
    sandbox = TicketTailorSandbox(api_key, port=port, seed=seed, name="Sandbox Music Hall")
    now = int(time.time())
    tonight = now - now % 86400 + 19 * 3600
    main = sandbox.seed_event("Friday Late: The Sandbox Quartet", 2400, start=tonight, venue="Sandbox Music Hall")
    sandbox.seed_event("Saturday Matinee", 1200, start=tonight + 86400 - 5 * 3600, venue="Sandbox Music Hall")
    sandbox.seed_event("Members' Evening", 150, start=tonight + 7 * 86400, venue="The Small Room",
                       ticket_types=[("Member", 0, 300)], named_fraction=1.0)
    ids = sandbox.event_ticket_ids(main)
    for ticket_id in ids[:300]:  # early arrivals already scanned at another door
        sandbox.check_in(ticket_id)
    for ticket_id in ids[-2000::97]:  # a few refunds
        sandbox.void(ticket_id)
    return sandbox
