"""Helpers for webhook tests: the real recorded Ticket Tailor delivery, tokens, inbox counts, and
Ticketor / Ticketsolve deliveries built from their documented examples."""
from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

from tests.paths import REAL_TT, REFERENCE

TICKETOR_TOKEN = "tor_" + "k" * 40
TICKETSOLVE_TOKEN = "tsv_" + "q" * 40
RELAY_TOKEN = "relay_" + "r" * 40


def real_tt_delivery() -> tuple[bytes, str, str, int]:
    """(raw body, signature header, secret, timestamp) of the recorded real ORDER.CREATED delivery."""
    sig = json.loads((REAL_TT / "webhook-order-created.signature.json").read_text())
    body = (REAL_TT / sig["body_file"]).read_bytes()
    return body, sig["header_value"], sig["secret"], sig["timestamp"]


def make_receiver(data_dir: Path, now: float | None = None, **overrides):
    """A receiver for `data_dir` with every route on (the real delivery's secret, the test tokens),
    its clock at `now` (default: just after the recorded delivery was signed)."""
    from checkin_app.webhooks.receiver import Receiver, ReceiverConfig

    _, _, secret, signed_at = real_tt_delivery()
    at = signed_at + 10 if now is None else now
    config = ReceiverConfig(tickettailor_secret=secret, path_tokens={"ticketor": TICKETOR_TOKEN, "ticketsolve": TICKETSOLVE_TOKEN},
                            relay_token=RELAY_TOKEN, clock=lambda: at, **overrides)
    return Receiver(data_dir, config)


def inbox_rows(data_dir: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(Path(data_dir) / "checkin.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM webhook_inbox ORDER BY id").fetchall()
    finally:
        conn.close()


# -- Ticketor and Ticketsolve deliveries, from the providers' own examples --------------------------
# (Both are webhook-only: these stand in for a simulator. They start from the documents' examples in
# tests/fixtures/reference and change only what a case needs, in the documents' spellings.)

def _reference(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def ticketor_invoice(tickets: list[tuple[str, str]], *, invoice_id: int = 26657, invoice_type: str = "Sale",
                     return_status: str = "NotReturned") -> dict:
    """A "New Invoice (Sales) with Details" delivery with (barcode, Status) tickets for the doc's event.

    A partly returned sale is `return_status="PartiallyReturned"` with the returned tickets' own
    Status changed; a return is `invoice_type="Return"` listing the tickets it returns.
    """
    invoice = _reference("ticketor-new-invoice-with-details.json")
    template = invoice["Tickets"][0]
    invoice.update(Id=invoice_id, InvoiceType=invoice_type, ReturnStatus=return_status, Tickets=[
        {**copy.deepcopy(template), "Id": template["Id"] + n, "InvoiceId": invoice_id, "Barcode": barcode, "Status": status}
        for n, (barcode, status) in enumerate(tickets)])
    return invoice


def ticketsolve_order(*extra: dict, changes: dict[str, dict] | None = None) -> dict:
    """The documented `order.created` delivery, line items changed by checkin_code, extra line items appended.

    Args:
        extra: whole line items to add (e.g. `{"type": "addon", "checkin_code": ...}`), completed from the
            first ticket item.
        changes: {checkin_code: {field: value}} for the documented items (e.g. a quantity of 3).
    """
    order = _reference("ticketsolve-order-created.json")
    items = order["data"]["object"]["line_items"]["data"]
    for item in items:
        item["object"].update((changes or {}).get(item["object"].get("checkin_code"), {}))
    for n, fields in enumerate(extra):
        items.append({"object": {**copy.deepcopy(items[0]["object"]), "id": f"3091399{n:02d}", **fields}})
    return order
