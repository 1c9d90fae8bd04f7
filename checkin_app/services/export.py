"""Export the door's tickets as CSV or JSON (what a supervisor hands the promoter afterwards).

The CLI (`export`) and the GUI (Supervisor, Export) both write through `write`. Names, emails and
codes come from ticket buyers, so a CSV cell is never left starting with `= + - @`, a tab or a CR:
a spreadsheet would run it as a formula (`=HYPERLINK("http://evil", "click")`). Such a cell gets a
leading `'`, which spreadsheets read as "this is text" (OWASP's advice for CSV injection). JSON
output keeps every value verbatim: no spreadsheet evaluates it.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Iterator

from checkin_app.store import Store, export

FIELDS = [
    "code", "status", "checked_in", "checked_in_at", "checked_in_door", "admitted_count", "party_size",
    "holder_name", "email", "ticket_type", "order_ref", "seat", "kind", "event_id", "event_name",
    "provider", "remote_id",
]


def rows(store: Store, event_ids: list[int] | None) -> Iterator[dict]:
    for r in export.ticket_rows(store.conn, event_ids):
        d = dict(r)
        d["checked_in"] = d["checked_in_at"] is not None
        yield {k: d[k] for k in FIELDS}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet shows as text: a leading `'` before a formula-starting character."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write(store: Store, event_ids: list[int] | None, fmt: str, out: io.TextIOBase) -> int:
    """Write the export to `out`; returns the number of tickets written."""
    n = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        for n, row in enumerate(rows(store, event_ids), start=1):
            writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
        return n
    # Streamed as one JSON document so a million tickets never sit in memory at once.
    out.write('{"tickets": [')
    for n, row in enumerate(rows(store, event_ids), start=1):
        out.write(("," if n > 1 else "") + "\n" + json.dumps(row, ensure_ascii=False))
    out.write(f"\n], \"count\": {n}}}\n")
    return n
