"""Attendee search: FTS5 over name, email, code and order reference.

Each word the user types becomes a quoted prefix phrase, so "jo smi" finds "Joanna Smith" and an
email fragment such as "smith@exa" matches the tokens of "j.smith@example.com". User input is
always quoted: FTS syntax in a name (AND, NEAR, quotes, parentheses) is searched for, not run.
`like_search` is the naive baseline the benchmark compares against.
"""
from __future__ import annotations

import sqlite3
from typing import Any

RESULT_COLUMNS = """
    t.id, t.code, t.holder_name, t.email, t.ticket_type, t.order_ref, t.seat, t.status, t.kind,
    t.party_size, t.admitted_count, t.checked_in_at, t.checked_in_door, t.event_id, e.name AS event_name,
    e.remote_id AS event_remote_id, t.provider, t.remote_id
"""


def fts_query(text: str, *, prefix: bool = True, column: str | None = None) -> str | None:
    """The FTS5 MATCH expression for what the user typed, or None when nothing is searchable.

    Args:
        text: what the user typed.
        prefix: match each word as a prefix ("jo" finds "Joanna"); False matches whole words.
        column: restrict the match to one indexed column (e.g. `holder_name`).
    """
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    if not words:
        return None
    star = "*" if prefix else ""
    expr = " ".join('"' + w.replace('"', '""') + '"' + star for w in words)
    return f"{{{column}}} : ({expr})" if column else expr


# Most specific first: a supervisor typing "Walk" wants the guest called Walk before the hundred
# Walkers, and a name before an email that merely contains the word. Each tier is an index probe
# with a LIMIT, so the tiers cost little more than one query.
_TIERS = ({"prefix": False, "column": "holder_name"}, {"prefix": True, "column": "holder_name"}, {"prefix": True})


def search(conn: sqlite3.Connection, text: str, event_ids: list[int] | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Tickets matching `text`, most specific first.

    An exact code comes first, then whole-word name matches, then name prefixes, then prefix
    matches in any column (email, code, order ref).

    Args:
        conn: a database connection.
        text: what the user typed (words, name prefix, email fragment, code, order ref).
        event_ids: restrict to these events; None searches all.
        limit: at most this many rows.
    """
    where_event, params = _event_filter(event_ids)
    rows = list(conn.execute(
        f"SELECT {RESULT_COLUMNS} FROM tickets t JOIN events e ON e.id = t.event_id WHERE t.code = ? {where_event}",
        (text.strip(), *params),
    ))
    seen = {r["id"] for r in rows}
    for tier in _TIERS:
        match = fts_query(text, **tier)
        if match is None or len(rows) >= limit:
            break
        for r in conn.execute(
            f"""SELECT {RESULT_COLUMNS} FROM tickets_fts f JOIN tickets t ON t.id = f.rowid
                JOIN events e ON e.id = t.event_id
                WHERE tickets_fts MATCH ? {where_event} LIMIT ?""",
            (match, *params, limit),
        ):
            if r["id"] not in seen:
                seen.add(r["id"])
                rows.append(r)
    return [dict(r) for r in rows[:limit]]


def like_search(conn: sqlite3.Connection, text: str, event_ids: list[int] | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The same search as `LIKE '%text%'`: a full scan, kept only as the benchmark's baseline."""
    # Plain `?` after `?1` are numbered ?2, ?3...: SQLite numbers them after the largest so far.
    where_event, params = _event_filter(event_ids)
    pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(
        f"""SELECT {RESULT_COLUMNS} FROM tickets t JOIN events e ON e.id = t.event_id
            WHERE (t.holder_name LIKE ?1 ESCAPE '\\' OR t.email LIKE ?1 ESCAPE '\\' OR t.code LIKE ?1 ESCAPE '\\'
                   OR t.order_ref LIKE ?1 ESCAPE '\\') {where_event} LIMIT {int(limit)}""",
        (pattern, *params),
    ).fetchall()
    return [dict(r) for r in rows]


def _event_filter(event_ids: list[int] | None) -> tuple[str, tuple[Any, ...]]:
    if not event_ids:
        return "", ()
    return f"AND t.event_id IN ({','.join('?' * len(event_ids))})", tuple(event_ids)


def ticket_record(conn: sqlite3.Connection, ticket_id: int) -> dict[str, object] | None:
    """One ticket as a supervisor reads it: the search columns, its void, attention, source, the
    supervisor's note and whether an admission of it waits for staff (held)."""
    row = conn.execute(
        f"SELECT {RESULT_COLUMNS}, t.voided_at, t.void_reason, t.provider_state, t.attention, t.local_void_at,"
        " t.source, t.inside, t.note, t.held_by IS NOT NULL AS held FROM tickets t JOIN events e ON e.id = t.event_id"
        " WHERE t.id = ?",
        (ticket_id,),
    ).fetchone()
    return dict(row) if row else None
