"""Stored conflicts: what replay, pulls and replication found that a supervisor must look at.

Conflicts between doors' acts (double admissions, admissions around a void) are what replaying a
ticket's rows finds: `replace_replayed` makes the stored ones exactly the replay's, named by the
two rows' nonces (`rows_key`), so every door holding the same rows lists the same conflicts,
resolved or not, whatever order the rows arrived in (a partial replay on the way no longer leaves
a conflict behind that the full one does not find). Other kinds (a forged row, a provider's
check-in) are written by `tickets.record_conflict` once per kind, ticket and journal pair. This
module reads them with their ticket and event, and marks them resolved.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from checkin_app.domain.models import ConflictKind

#: The kinds a ticket's replay finds; their stored rows are the replay's, nothing else.
REPLAYED = (ConflictKind.DOUBLE_ADMISSION, ConflictKind.ADMISSION_AFTER_VOID, ConflictKind.VOID_AFTER_ADMISSION)


class Replayed(NamedTuple):
    """A conflict a ticket's replay found: its kind, its two journal rows, the row that settled it."""

    kind: ConflictKind
    first: Any
    second: Any
    resolved_by: Any = None

    @property
    def key(self) -> str:
        return rows_key(self.first["nonce"], self.second["nonce"])

    def names(self, named: Any) -> bool:
        """Whether a `resolve` row's payload.conflict (`{"kind", "rows": [nonce, nonce]}`) names this one."""
        rows = named.get("rows") if isinstance(named, dict) else None
        return (isinstance(rows, list) and len(rows) == 2 and all(isinstance(n, str) for n in rows)
                and named.get("kind") == self.kind.value and rows_key(*rows) == self.key)


def rows_key(first_nonce: str, second_nonce: str) -> str:
    """A replayed conflict's name on every door: its two rows' nonces, in replay order."""
    return f"{first_nonce}:{second_nonce}"


def replace_replayed(conn: sqlite3.Connection, ticket_id: int, found: list[Replayed],
                     who: Callable[[Any], dict[str, Any]]) -> list[int]:
    """Make the ticket's stored replayed conflicts exactly `found`. Call inside a transaction.

    A conflict found again keeps its id and gets its resolution from the rows; one no longer
    found is removed (it came from a replay that lacked rows); a new one is inserted. Rows
    stored before conflicts were named (no `rows_key`) are replaced by their named form, keeping
    a resolution a supervisor made here.

    Args:
        who: a journal row as a conflict's detail shows it (`replica._who`).

    Returns:
        Ids of conflicts stored for the first time.
    """
    kinds = [k.value for k in REPLAYED]
    marks = ",".join("?" * len(kinds))
    old = {(r["kind"], r["rows_key"] or (r["journal_a"], r["journal_b"])): r for r in conn.execute(
        f"SELECT id, kind, rows_key, journal_a, journal_b, detail, resolved_at, resolved_by FROM conflicts"
        # Not the conflicts with the provider's own check-in (no journal rows: `tickets.record_conflict`).
        f" WHERE ticket_id = ? AND kind IN ({marks}) AND (rows_key IS NOT NULL OR (journal_a > 0 AND journal_b > 0))",
        (ticket_id, *kinds))}
    keep, new = set(), []
    for c in found:
        settled = c.resolved_by
        detail = {"first": who(c.first), "second": who(c.second), "rows": [c.first["nonce"], c.second["nonce"]],
                  "resolved_by": ({"op": settled["op"]} | who(settled)) if settled is not None else None}
        legacy = old.get((c.kind.value, (c.first["id"], c.second["id"])))
        resolved_at = settled["at"] if settled is not None else (legacy["resolved_at"] if legacy else None)
        stored = old.get((c.kind.value, c.key))
        if stored is not None:
            keep.add(stored["id"])
            now_is = (json.dumps(detail), resolved_at, settled["nonce"] if settled else None, c.first["id"], c.second["id"])
            if now_is != tuple(stored[k] for k in ("detail", "resolved_at", "resolved_by", "journal_a", "journal_b")):
                conn.execute("UPDATE conflicts SET detail = ?, resolved_at = ?, resolved_by = ?, journal_a = ?,"
                             " journal_b = ? WHERE id = ?", (*now_is, stored["id"]))
            continue
        if legacy is not None:
            conn.execute("DELETE FROM conflicts WHERE id = ?", (legacy["id"],))
        cur = conn.execute(
            "INSERT INTO conflicts (kind, ticket_id, journal_a, journal_b, detail, at, resolved_at, rows_key, resolved_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.kind.value, ticket_id, c.first["id"], c.second["id"], json.dumps(detail), c.second["at"], resolved_at,
             c.key, settled["nonce"] if settled else None))
        keep.add(cur.lastrowid)
        if legacy is None:
            new.append(cur.lastrowid)
    stale = [r["id"] for r in old.values() if r["id"] not in keep]
    conn.executemany("DELETE FROM conflicts WHERE id = ?", [(i,) for i in stale])
    return [i for i in new if i is not None]


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


def replayed_state(conn: sqlite3.Connection, ticket_id: int) -> set[tuple[int, str | None]]:
    """The ticket's replayed conflicts as (id, resolved_at): what a Conflicts list shows of them."""
    kinds = [k.value for k in REPLAYED]
    return {(r[0], r[1]) for r in conn.execute(
        f"SELECT id, resolved_at FROM conflicts WHERE ticket_id = ? AND kind IN ({','.join('?' * len(kinds))})",
        (ticket_id, *kinds))}


def replayed_among(conn: sqlite3.Connection, conflict_ids: list[int]) -> list[dict[str, Any]]:
    """Those of these conflicts a replay found (`REPLAYED`, named by their rows): id, kind, ticket, code, rows."""
    marks = ",".join("?" * len(conflict_ids))
    kinds = [k.value for k in REPLAYED]
    return [dict(r, rows=r["rows_key"].split(":")) for r in conn.execute(
        f"SELECT c.id, c.kind, c.ticket_id, t.code, c.rows_key FROM conflicts c JOIN tickets t ON t.id = c.ticket_id"
        f" WHERE c.id IN ({marks}) AND c.rows_key IS NOT NULL AND c.kind IN ({','.join('?' * len(kinds))})"
        f" AND c.resolved_at IS NULL", (*conflict_ids, *kinds))]


def resolve(conn: sqlite3.Connection, conflict_ids: list[int], now: str) -> None:
    """Mark these conflicts resolved. Call inside a transaction."""
    conn.executemany("UPDATE conflicts SET resolved_at = ? WHERE id = ?", [(now, i) for i in conflict_ids])
