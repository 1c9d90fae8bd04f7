"""A Ticket Evolution API (v9) simulator on loopback: signed `GET /v9/orders` by state, paged.

Every request must carry the right `X-Token` and an `X-Signature` computed over the request as
received (method, Host header, path, query sorted by key), or it is refused 401, as the real API
does. The simulator checks the signature with its own implementation of the documented algorithm
(`expected_signature`, written from docs/providers.md and checked against its test vectors), not
with the client's signing code, so a mistake in one cannot hide the same mistake in the other.

It spells orders as Ticket Evolution's document does (`state` pending / accepted, `buyer.type`
Office / Client) and can produce the troublesome cases: orders still pending, Office (broker)
orders without a recipient, and orders without an event.

    with TicketEvolutionSandbox(token="tok", secret="sec") as sim:
        sim.add_order(event=(9, "Cats", "2026-12-01T19:30:00Z"), name="Grace Hopper", quantities=[3, 1])
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from typing import Any, Mapping
from urllib.parse import quote_plus

from tests.simulators.simbase import SimulatedApi


def expected_signature(secret: str, method: str, host: str, path: str, query: Mapping[str, str], body: bytes) -> str:
    """The documented X-Signature: base64 of HMAC-SHA256(secret, S) where, for a GET,
    S = "GET <host><path>?<query sorted by key>" (the "?" always there), and for a request with a
    body S = "<METHOD> <host><path>?<raw body>"."""
    if method == "GET":
        tail = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(query.items(), key=lambda kv: kv[0]))
    else:
        tail = body.decode("utf-8", "replace")
    digest = hmac.new(secret.encode(), f"{method} {host}{path}?{tail}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class TicketEvolutionSandbox(SimulatedApi):
    """Simulated brokerage.

    Args:
        token, secret: the accepted API credentials.
        port, seed: as for `SimulatedApi`.
    """

    def __init__(self, token: str = "tevo_sandbox_token", secret: str = "tevo_sandbox_secret", *, port: int = 0,
                 seed: int = 0):
        super().__init__("/v9", port=port, seed=seed)
        self.token, self.secret = token, secret
        self.orders: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1001)

    def add_order(self, *, event: tuple | None, name: str | None, quantities: list[int], state: str = "pending",
                  email: str | None = None, buyer_type: str = "Client", buyer_name: str = "Sandbox Partner") -> int:
        """An order with one item per quantity. Returns its id.

        Args:
            event: (id, name, occurs_at), or None for an order whose items name no event.
            name: the recipient's name; None leaves the order without a recipient.
            state: "pending" (not yet accepted by the seller), "accepted", ...
            buyer_type: "Client" (the brokerage's own client) or "Office" (a partner or broker).
            buyer_name: the buyer's name (for Office orders, the broker's).
        """
        with self.lock:
            order_id = next(self._ids)
            group = {} if event is None else {"event": {"id": event[0], "name": event[1], "occurs_at": event[2],
                                                         "venue": {"name": "Sandbox Arena"}}}
            self.orders[order_id] = {
                "id": order_id, "oid": f"R{order_id:07d}", "state": state, "spec": False,
                "buyer": {"type": buyer_type, "name": buyer_name},
                "items": [{"id": order_id * 10 + i, "quantity": q, "price": "120.0", "eticket_delivery": True,
                           "ticket_group": {"remote_id": f"TG{order_id}-{i}", **group}}
                          for i, q in enumerate(quantities)],
            }
            if name is not None:
                self.orders[order_id]["recipient"] = {"name": name, "email": email}
            return order_id

    def set_state(self, order_id: int, state: str) -> None:
        with self.lock:
            self.orders[order_id]["state"] = state

    def respond(self, method, path, query, headers, body):
        expected = expected_signature(self.secret, method, headers.get("Host", ""), path, query, body or b"")
        if headers.get("X-Token") != self.token or not hmac.compare_digest(headers.get("X-Signature", ""), expected):
            return 401, {"error": "Unauthorized: bad token or signature"}
        if method == "GET" and path.rstrip("/") == f"{self.prefix}/orders":
            try:
                page, per_page = int(query.get("page", 1)), min(100, int(query.get("per_page", 100)))
            except ValueError:
                return 400, {"error": "page and per_page must be integers"}
            found = [o for o in self.orders.values() if (not query.get("state") or o["state"] == query["state"])]
            chunk = found[(page - 1) * per_page: page * per_page]
            return 200, {"current_page": page, "per_page": per_page, "total_entries": len(found), "orders": chunk}
        return 404, {"error": f"no endpoint {method} {path}"}
