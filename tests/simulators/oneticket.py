"""A 1Ticket legacy API (v2) simulator on loopback: verify, purchases (with the documented filters),
getpdf and disclosures, behind the `x-api-token` header (its name is configurable, as on the newer API).

It spells things as 1Ticket's document does (receipt status "active" / "Canceled", seat status
"live", `rotating_barcodes: true`, `disclosures: [ids]`) and can produce the troublesome cases:
a seat that changes without its purchase changing (`set_seat(..., quiet=True)`), a purchase
without an event, rotating barcodes, NOENTRY disclosures and seats still pending.

    with OneTicketSandbox(token="t0k") as sim:
        rid = sim.add_purchase("Sugarland", "7/11/2018 7:00:00 PM", seats=[("SEC H", "2", "35", "1353136914970530")])
"""
from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from tests.simulators.simbase import SimulatedApi

_OK = {"status": "success", "message": "", "messageid": ""}
#: The disclosure table: 1 and 2 as 1Ticket's document lists them (1ticket-legacy-api.txt:626-639),
#: the rest as a simulated account's table might go on ("..." in the document).
DISCLOSURES = [
    {"id": 1, "description": "Not valid", "description_short": "NOENTRY", "description_long": "Not Valid for Entry",
     "description_skybox": "", "description_dti": ""},
    {"id": 2, "description": "Side view", "description_short": "SIDEVIEW", "description_long": "Side View",
     "description_skybox": "", "description_dti": "Side View (printed on ticket)"},
    {"id": 22, "description": "Limited view", "description_short": "LIMVIEW", "description_long": "Limited View",
     "description_skybox": "", "description_dti": ""},
    {"id": 45, "description": "Aisle", "description_short": "AISLE", "description_long": "Aisle Seat",
     "description_skybox": "", "description_dti": ""},
    {"id": 88, "description": "Alcohol free", "description_short": "ALCFREE", "description_long": "Alcohol Free Section",
     "description_skybox": "", "description_dti": ""},
]


class OneTicketSandbox(SimulatedApi):
    """Simulated 1Ticket account.

    Args:
        token: the accepted API token.
        header_name: the header that must carry it.
        port, seed: as for `SimulatedApi`.
    """

    def __init__(self, token: str = "1t_sandbox_token", *, header_name: str = "x-api-token", port: int = 0, seed: int = 0):
        super().__init__("/api", port=port, seed=seed)
        self.token, self.header_name = token, header_name
        self.purchases: dict[int, dict[str, Any]] = {}
        self.seats: dict[int, list[dict[str, Any]]] = {}
        self._rids = itertools.count(17016286)
        self._seat_ids = itertools.count(55847443)

    # -- building data ----------------------------------------------------------------------

    def add_purchase(self, event_name: str, when: str, seats: list[tuple], *, venue: str = "Smart Financial Centre",
                     event_id: str | None = None, buyer: str = "", status: str | None = "active",
                     disclosures: list[int] | None = None, rotating: bool = False, no_event: bool = False) -> int:
        """A purchase of seats for an event. Returns its rid.

        Args:
            event_name: the event's name.
            when: the event time as 1Ticket writes it (`7/11/2018 7:00:00 PM`).
            seats: (section, row, seat number, barcode[, seat status]) per seat; barcode None = not yet issued.
            venue, event_id, buyer: purchase details (event id defaults to one per name + time).
            status: the purchase's receipt status ("active", "Canceled"; None leaves it out, as the
                document's first purchase does).
            disclosures: disclosure ids (1 = NOENTRY, "Not Valid for Entry").
            rotating: `rotating_barcodes: true` (the static barcode is not what the guest shows).
            no_event: leave the purchase without its `event` (a record the app must set aside).
        """
        with self.lock:
            rid = next(self._rids)
            self.purchases[rid] = {
                "rid": rid,
                "event": {"name": event_name, "venue": venue, "datetime": when,
                          "eventid_1ticket": event_id or f"EV{abs(hash((event_name, when))) % 10**12:012d}",
                          "eventid_primary": "", "printdelay_hours": ""},
                "marketplace": {"marketplace": "Ticket Evolution", "marketplaceid": "201"},
                "receipt": {"status": status, "confirmation_number": f"{rid}-1", "buyer_name": buyer,
                            "purchasedate": "6/15/2018"},
                "attributes": {"refund": "unknown"},
                "items": {"section": seats[0][0] if seats else "", "row": seats[0][1] if seats else "",
                          "quantity": str(len(seats)), "stock": "eticket"},
                "haspdf": True, "datelastseen": "6/15/2018 7:55:41 PM", "datefirstseen": "6/15/2018 7:55:41 PM",
            }
            purchase = self.purchases[rid]
            if status is None:
                del purchase["receipt"]["status"]
            if disclosures is not None:
                purchase["disclosures"] = list(disclosures)
            if rotating:
                purchase["rotating_barcodes"] = True
            if no_event:
                del purchase["event"]
            self.seats[rid] = [
                {"seatid": str(next(self._seat_ids)), "status": seat[4] if len(seat) > 4 else "live", "haspdf": "",
                 "ticketstock": "eticket", "1ticketid": str(rid), "section": seat[0], "row": seat[1],
                 "seatnumber": seat[2], "barcode": seat[3] or ""}
                for seat in seats
            ]
            return rid

    def set_seat(self, rid: int, barcode: str, *, quiet: bool = False, **changes: Any) -> None:
        """Change a seat (e.g. status="pending") and mark its purchase as changed.

        Args:
            quiet: change only the seat, as 1Ticket can: the purchase record stays as it was.
        """
        with self.lock:
            seat = next(s for s in self.seats[rid] if s["barcode"] == barcode)
            seat.update(changes)
            if not quiet:
                self.purchases[rid]["datelastseen"] = datetime.now().strftime("%m/%d/%Y %I:%M:%S %p")

    def cancel(self, rid: int) -> None:
        with self.lock:
            self.purchases[rid]["receipt"]["status"] = "Canceled"
            self.purchases[rid]["datelastseen"] = datetime.now().strftime("%m/%d/%Y %I:%M:%S %p")

    # -- requests ---------------------------------------------------------------------------

    def respond(self, method, path, query, headers, body):
        if headers.get(self.header_name) != self.token:
            return 401, {"result": {"status": "error", "message": "Invalid API token", "messageid": "401"}, "output": []}
        if method != "GET":
            return 405, {"result": {"status": "error", "message": f"{method} not allowed"}, "output": []}
        route = path[len(self.prefix):].rstrip("/") if path.startswith(self.prefix) else None
        if route == "/v2/verify":
            return 200, {"result": _OK, "output": [{"company_name": "Sandbox Brokers"}]}
        if route == "/v2/purchases":
            return 200, {"result": _OK, "output": [{"purchases": [p for p in self.purchases.values() if _matches(p, query)]}]}
        if route == "/v2/disclosures":
            return 200, {"result": _OK, "output": [{"disclosures": DISCLOSURES}]}
        if route == "/v2/getpdf":
            rid = int(query["rid"]) if query.get("rid", "").isdigit() else None
            if rid not in self.seats:
                return 404, {"result": {"status": "error", "message": f"no purchase group {query.get('rid')}"}, "output": []}
            return 200, {"result": _OK, "output": [{"seats": [s for s in self.seats[rid] if s["barcode"]]}]}
        return 404, {"result": {"status": "error", "message": f"no endpoint {path}"}, "output": []}


def _matches(purchase: dict, query: dict[str, str]) -> bool:
    event = purchase.get("event") or {"name": "", "datetime": ""}
    if query.get("eventname") and query["eventname"].lower() not in event["name"].lower():
        return False
    if query.get("eventdate"):
        try:
            day = datetime.strptime(event["datetime"], "%m/%d/%Y %I:%M:%S %p").date()
            if day != datetime.strptime(query["eventdate"], "%m/%d/%Y").date():
                return False
        except ValueError:
            return False
    if query.get("status") and query["status"].lower() != (purchase["receipt"].get("status") or "active").lower():
        return False
    return True
