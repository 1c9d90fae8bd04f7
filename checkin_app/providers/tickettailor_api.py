"""Ticket Tailor API v1 over HTTP: returns raw dicts (`providers/tickettailor.py` maps them).

What real traffic adds to the docs (docs/providers.md) shapes this client:
HTTP Basic with the key as user name and an empty password; form-encoded POST bodies; cursor pages
newest first, at most 100 a page, whose `links.next` rewrites filter names, so the next page is built
from our own query plus `starting_after=<last id>` and the links are read only for "is there more";
rate-limit headers read on every answer (see `providers/http.py`).

Creating an issued ticket is not idempotent. When its answer is lost, the client looks the barcode
up before sending it again, so one walk-up never becomes two tickets.
"""
from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import httpx

from checkin_app.domain import provider_facts
from checkin_app.errors import ConfigError, PayloadError
from checkin_app.providers.http import JsonHttp, OutcomeUnknown, RequestStats, RetryPolicy

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.tickettailor.com/v1"
PAGE_LIMIT = 100
PROVIDER = provider_facts.TICKETTAILOR.name  # its display name, from its registry entry


@dataclass
class Page:
    """One page of a list, newest first.

    Attributes:
        data: the objects, as the API sent them.
        has_more: more objects lie beyond this page in the direction asked for (older ones for
            `starting_after` or no cursor; newer ones for `ending_before`).
    """

    data: list[dict[str, Any]]
    has_more: bool
    links: dict[str, Any] = field(default_factory=dict, repr=False)


def error_message(response: httpx.Response) -> str | None:
    """The provider's own words from a TT error body: `message`, plus any field validation errors."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    message = str(body.get("message") or body.get("error_code") or "").strip()
    details = []
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            texts = [str(m) for m in error.get("messages") or [] if str(m) not in message]
            if texts:
                details.append(f"{error.get('field')}: {' '.join(texts)}")
    return "; ".join(p for p in [message, *details] if p) or None


def _first_object(body: Any) -> dict[str, Any]:
    """A created object: the docs wrap it as `{"data": [obj]}`; accept the bare object too."""
    if isinstance(body, dict) and "data" in body:
        body = body["data"]
    if isinstance(body, list):
        body = body[0] if body else None
    if not isinstance(body, dict):
        raise PayloadError(f"{PROVIDER}: unexpected answer shape ({type(body).__name__})")
    return body


class TicketTailorClient:
    """One box office's API (one key = one box office).

    Args:
        base_url: API root including `/v1` (the sandbox's `base_url`, or the production default).
        api_key: the secret key; used only in the Authorization header, never shown.
        timeout: seconds allowed for connecting, and for each read or write.
        transport: an httpx transport (tests).
        cancel: set it to stop waits and retries promptly (`RequestCancelled`).
        sleep: replaces real waiting (only for tests that cannot wait for real).
        rng: random source for backoff jitter.
        policy: retry and rate-limit limits.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None, cancel: threading.Event | None = None,
                 sleep: Callable[[float], None] | None = None, rng: random.Random | None = None,
                 policy: RetryPolicy | None = None):
        if not api_key:
            raise ConfigError("Ticket Tailor needs an API key")
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._http = JsonHttp(self.base_url, provider=PROVIDER, auth=httpx.BasicAuth(api_key, ""), secret=api_key,
                              error_message=error_message, headers={"Accept": "application/json"}, timeout=timeout,
                              transport=transport, cancel=cancel, sleep=sleep, rng=rng, policy=policy)

    def __repr__(self) -> str:
        return f"TicketTailorClient(base_url={self.base_url!r})"

    def __enter__(self) -> "TicketTailorClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    @property
    def stats(self) -> RequestStats:
        """Requests sent (retries included), retries, 429 waits, pacing waits, seconds waited."""
        return self._http.stats

    @property
    def cancel(self) -> threading.Event:
        return self._http.cancel

    # -- reads --------------------------------------------------------------------------------

    def ping(self) -> dict[str, Any]:
        """Check the key.

        Returns:
            The ping answer (`{"version": ...}`).

        Raises:
            AuthError: the key was refused (401/403), with a message saying so.
        """
        return self._http.get("/ping")

    def iter_events(self, *, status: str | None = None) -> Iterator[dict[str, Any]]:
        """Every event of the box office, newest first, page by page.

        Args:
            status: comma-separated event statuses to keep (e.g. "published"); None for all.
        """
        after = None
        while True:
            page = self._page("/events", {"status": status}, starting_after=after, limit=PAGE_LIMIT)
            yield from page.data
            if not page.has_more:
                return
            after = page.data[-1]["id"]

    def get_event(self, event_id: str) -> dict[str, Any]:
        """One event with its ticket types."""
        return self._http.get(f"/events/{event_id}")

    def issued_tickets_page(self, event_id: str | None, *, starting_after: str | None = None,
                            ending_before: str | None = None, status: str | None = None,
                            limit: int = PAGE_LIMIT) -> Page:
        """One page of an event's issued tickets, newest first.

        Args:
            event_id: the event (None: the whole box office).
            starting_after: the page older than this ticket id (walk down for a full download).
            ending_before: the page just newer than this ticket id (walk up for new tickets).
            status: "valid" or "voided".
            limit: 1-100.
        """
        return self._page("/issued_tickets", {"event_id": event_id, "status": status},
                          starting_after=starting_after, ending_before=ending_before, limit=limit)

    def get_issued_ticket(self, issued_ticket_id: str) -> dict[str, Any]:
        """One issued ticket (its current status and `checked_in`)."""
        return self._http.get(f"/issued_tickets/{issued_ticket_id}")

    def find_issued_ticket(self, event_id: str, barcode: str) -> dict[str, Any] | None:
        """The ticket with exactly this barcode in the event (case-sensitive), or None."""
        page = self._page("/issued_tickets", {"event_id": event_id, "barcode": barcode}, limit=PAGE_LIMIT)
        # The server's match may ignore case; ours must not (barcodes are case-sensitive).
        return next((t for t in page.data if t.get("barcode") == barcode), None)

    def orders_page(self, event_id: str | None, *, starting_after: str | None = None,
                    ending_before: str | None = None, status: str | None = None, limit: int = PAGE_LIMIT) -> Page:
        """One page of an event's orders (with buyer details and issued tickets), newest first.

        Args:
            status: only orders in this state ("completed", "pending", "cancelled"; doc line 176).
        """
        return self._page("/orders", {"event_id": event_id, "status": status}, starting_after=starting_after,
                          ending_before=ending_before, limit=limit)

    def get_order(self, order_id: str) -> dict[str, Any]:
        """One order with its buyer details and issued tickets."""
        return self._http.get(f"/orders/{order_id}")

    def check_ins_page(self, event_id: str | None, *, starting_after: str | None = None,
                       ending_before: str | None = None, limit: int = PAGE_LIMIT) -> Page:
        """One page of an event's check-ins (every device's, Ticket Tailor's own app too), newest first."""
        return self._page("/check_ins", {"event_id": event_id}, starting_after=starting_after,
                          ending_before=ending_before, limit=limit)

    # -- writes -------------------------------------------------------------------------------

    def create_issued_ticket(self, *, event_id: str, ticket_type_id: str, barcode: str, reference: str,
                             full_name: str | None = None, email: str | None = None) -> dict[str, Any]:
        """Issue a ticket without an order (a walk-up), with our own barcode.

        Args:
            event_id: the event.
            ticket_type_id: a ticket type of that event with tickets left.
            barcode: the code printed or shown to the guest (generated locally, unique in the event).
            reference: our idempotency nonce, kept by Ticket Tailor as the ticket's `reference`.
            full_name: the guest's name (Ticket Tailor requires one; "Walk-up" when unknown).
            email: optional.

        Returns:
            The created ticket; or the existing one with that barcode when an earlier answer was lost.

        Raises:
            ProviderError: refused (permanent, e.g. sold out or barcode taken) or unreachable.
        """
        form = {"event_id": event_id, "ticket_type_id": ticket_type_id, "barcode": barcode, "reference": reference,
                "full_name": full_name or "Walk-up", "email": email}
        try:
            return _first_object(self._http.post("/issued_tickets", form))
        except OutcomeUnknown:
            existing = self.find_issued_ticket(event_id, barcode)
            if existing is not None:
                log.info("walk-up %s was created before its answer was lost; not creating it again", existing.get("id"))
                return existing
            return _first_object(self._http.post("/issued_tickets", form))

    def void_issued_ticket(self, issued_ticket_id: str) -> dict[str, Any]:
        """Void a ticket (irreversible upstream).

        Returns:
            `{"id", "object", "voided"}` as the API answers.

        Raises:
            OutcomeUnknown: the answer was lost; look the ticket up before voiding again.
            ProviderError: refused (permanent, e.g. already voided) or unreachable.
        """
        return self._http.post(f"/issued_tickets/{issued_ticket_id}/void")

    def create_check_in(self, issued_ticket_id: str, quantity: int = 1) -> dict[str, Any]:
        """Record a check-in upstream.

        Returns:
            The check-in object (`id`, `issued_ticket_id`, `check_in_at`, ...).

        Raises:
            OutcomeUnknown: the answer was lost; look at the ticket's `checked_in` before re-sending.
            ProviderError: refused (permanent: already checked in, voided) or unreachable.
        """
        return _first_object(self._http.post("/check_ins", {"issued_ticket_id": issued_ticket_id, "quantity": quantity}))

    # -- paging -------------------------------------------------------------------------------

    def _page(self, path: str, filters: dict[str, Any], *, starting_after: str | None = None,
              ending_before: str | None = None, limit: int = PAGE_LIMIT) -> Page:
        if starting_after and ending_before:
            raise ValueError("pass starting_after or ending_before, not both")
        limit = max(1, min(PAGE_LIMIT, int(limit)))
        params = {**filters, "starting_after": starting_after, "ending_before": ending_before, "limit": limit}
        body = self._http.get(path, params)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise PayloadError(f"{PROVIDER}: {path} did not answer with a list page")
        data = body["data"]
        links = body.get("links") if isinstance(body.get("links"), dict) else None
        if not data:
            has_more = False
        elif links is None:  # no links at all: a full page may have a successor
            has_more = len(data) >= limit
        else:
            has_more = bool(links.get("previous" if ending_before else "next"))
        return Page(data, has_more, links or {})
