"""Stored conflicts: what replay, pulls and replication found that a supervisor must look at.

Rows are written by `tickets.record_conflict` (once per kind, ticket and journal pair); this module
reads them with their ticket and event, and marks them resolved.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredConflict:
    """One stored conflict with its ticket's code and holder and its event's name (when it has a ticket).

    `kind` is the stored text, verbatim: a kind this build does not know is kept as it is.
    """

    id: int
    kind: str
    ticket_id: int | None
    detail: dict[str, Any]
    at: str
    resolved_at: str | None
    code: str | None
    holder_name: str | None
    event_name: str | None


def _detail(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:  # never written so, but a damaged row must not hide the list
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}


def stored(conn: sqlite3.Connection, include_resolved: bool = False) -> list[StoredConflict]:
    """Conflicts newest first; the open ones only unless `include_resolved`."""
    rows = conn.execute(
        "SELECT c.id, c.kind, c.ticket_id, c.detail, c.at, c.resolved_at, t.code, t.holder_name, e.name AS event_name"
        " FROM conflicts c LEFT JOIN tickets t ON t.id = c.ticket_id LEFT JOIN events e ON e.id = t.event_id"
        + ("" if include_resolved else " WHERE c.resolved_at IS NULL") + " ORDER BY c.at DESC, c.id DESC")
    return [StoredConflict(r["id"], r["kind"], r["ticket_id"], _detail(r["detail"]), r["at"], r["resolved_at"],
                           r["code"], r["holder_name"], r["event_name"]) for r in rows]


def resolve(conn: sqlite3.Connection, conflict_ids: list[int], now: str) -> None:
    """Mark these conflicts resolved. Call inside a transaction."""
    conn.executemany("UPDATE conflicts SET resolved_at = ? WHERE id = ?", [(now, i) for i in conflict_ids])
