"""A Ticket Evolution API (v9) simulator on loopback: signed `GET /v9/orders` by state, paged.

Every request must carry the right `X-Token` and an `X-Signature` computed over the request as
received (method, Host header, path, sorted query), or it is refused 401, as the real API does.

    with TicketEvolutionSandbox(token="tok", secret="sec") as sim:
        sim.add_order(event=(9, "Cats", "2026-12-01T19:30:00Z"), name="Grace Hopper", quantities=[3, 1])
"""
from __future__ import annotations

import hmac
import itertools
from typing import Any

from checkin_app.providers.ticketevolution import sign
from checkin_app.sandbox.simbase import SimulatedApi


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

    def add_order(self, *, event: tuple, name: str, quantities: list[int], state: str = "pending",
                  email: str | None = None) -> int:
        """An order for an event ((id, name, occurs_at)) with one item per quantity. Returns its id."""
        with self.lock:
            order_id = next(self._ids)
            event_id, event_name, occurs_at = event
            self.orders[order_id] = {
                "id": order_id, "oid": f"R{order_id:07d}", "state": state, "spec": False,
                "buyer": {"type": "Office", "name": "Sandbox Partner"},
                "recipient": {"name": name, "email": email},
                "items": [{"id": order_id * 10 + i, "quantity": q, "price": "120.0", "eticket_delivery": True,
                           "ticket_group": {"remote_id": f"TG{order_id}-{i}",
                                            "event": {"id": event_id, "name": event_name, "occurs_at": occurs_at,
                                                      "venue": {"name": "Sandbox Arena"}}}}
                          for i, q in enumerate(quantities)],
            }
            return order_id

    def set_state(self, order_id: int, state: str) -> None:
        with self.lock:
            self.orders[order_id]["state"] = state

    def respond(self, method, path, query, headers, body):
        expected = sign(self.secret, method, headers.get("Host", ""), path, query if method == "GET" else None,
                        body if method != "GET" else None)
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
