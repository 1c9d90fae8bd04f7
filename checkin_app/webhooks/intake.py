"""One delivery into one data dir: stored in the inbox, then applied through the provider mappers.

The receiver, the relay pull and nothing else call this, so a delivery means the same thing
wherever it lands (file import goes through the same `providers.payloads.map_payload`). Storing and
applying share one transaction: when it commits the delivery is on disk (`synchronous=FULL`) and its
tickets are scannable. A delivery whose body maps to nothing (a Ticketor "new customer" notice) is
still kept, with the reason, so nothing a provider sent is lost or silently dropped.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from checkin_app.domain.models import Batch
from checkin_app.errors import PayloadError, StoreError
from checkin_app.providers import jsontext, registry, tickettailor
from checkin_app.providers.payloads import map_payload
from checkin_app.store import inbox
from checkin_app.store.tickets import apply_batch

# Providers whose only feed is their webhooks: the connection a delivery came through owns their
# events. Ticket Tailor's events belong to its API connection (which pushes check-ins upstream),
# so its webhooks update tickets without taking the events over.
WEBHOOK_ONLY = frozenset(p for p in registry.CONNECTABLE if registry.webhook_only(p))

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intake:
    """What became of one delivery."""

    inbox_id: int
    new: bool
    tickets: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.inbox_id, "duplicate": not self.new, "tickets": self.tickets, "error": self.error}


def parse_json_object(body: bytes) -> dict:
    """The body as a JSON object.

    Raises:
        PayloadError: not UTF-8, not JSON, nested too deep, an over-long number, a lone surrogate,
            or not an object.
    """
    try:
        doc = jsontext.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PayloadError(f"the body is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(doc, dict):
        raise PayloadError(f"expected a JSON object, got {type(doc).__name__}")
    return doc


def delivery_id_of(provider: str, doc: dict) -> str | None:
    """The provider's own delivery id (only Ticket Tailor sends one; others dedupe on content)."""
    return tickettailor.webhook_delivery_id(doc) if provider == "tickettailor" else None


def map_delivery(provider: str, doc: dict) -> Batch:
    """Map a parsed delivery with the provider's mapper (raises PayloadError)."""
    _, batch = map_payload(doc, provider=provider)
    return batch


def take_in(conn, provider: str, body: bytes, doc: dict, *, source: str = "local", connection_id: int | None = None,
            headers: dict | None = None, received_at: str | None = None, delivery_id: str | None = None) -> Intake:
    """Store a delivery once and apply it. Call inside a transaction.

    Args:
        conn: a connection inside `Database.transaction()`.
        provider: whose delivery.
        body: the raw body (what is stored and relayed).
        doc: the body parsed (see `parse_json_object`).
        source: "local" or "relay:<name>".
        connection_id: the connection it came through (owns webhook-only providers' events).
        headers: request headers worth keeping.
        received_at: first arrival time, for copies pulled from a relay.
        delivery_id: the provider's delivery id (default: read from the body).
    """
    delivery_id = delivery_id or delivery_id_of(provider, doc)
    inbox_id, new = inbox.add(conn, provider, body, delivery_id=delivery_id, source=source, headers=headers,
                              received_at=received_at)
    if not new:
        return Intake(inbox_id, False)

    def apply() -> int:
        batch = map_delivery(provider, doc)
        apply_batch(conn, batch, connection_id if provider in WEBHOOK_ONLY else None)
        return len(batch.tickets)

    tickets, failure = inbox.attempt(conn, apply)
    if isinstance(failure, StoreError):
        raise failure  # the data dir, not the delivery: nothing is kept, the sender retries
    if failure is not None:
        reason = failure_reason(provider, failure)
        inbox.mark(conn, inbox_id, reason)
        return Intake(inbox_id, True, error=reason)
    inbox.mark(conn, inbox_id, None)
    return Intake(inbox_id, True, tickets=tickets or 0)


def failure_reason(provider: str, failure: Exception) -> str:
    """Why a stored delivery was not applied, for the inbox and a supervisor.

    A PayloadError is the mapper's own refusal (an unknown shape, a missing field). Anything else is a
    bug in mapping or applying; the delivery is kept all the same (a fixed mapper can re-apply it),
    and the traceback goes to the log.
    """
    if isinstance(failure, PayloadError):
        return str(failure)
    log.error("the %s mapper failed on a delivery", provider, exc_info=failure)
    return (f"unrecognised {provider} delivery: reading it failed ({type(failure).__name__}); "
            "kept in the inbox, not applied")
