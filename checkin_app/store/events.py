"""Which events this door admits (issue 12, item 15).

A door that never chose admits every cached event ("all"); once someone chose (`set_chosen`), the
door admits exactly the chosen events and an event first seen later waits to be chosen (new
events are inserted with `admitted = 0`, see `store.tickets._EVENT_UPSERT`).
"""
from __future__ import annotations

import sqlite3

ALL = "all"
CHOSEN = "chosen"


def scope_mode(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'event_scope'").fetchone()
    return row[0] if row else ALL


def admitted_ids(conn: sqlite3.Connection) -> frozenset[int] | None:
    """The events this door admits; None admits every cached event (the door never chose)."""
    if scope_mode(conn) == ALL:
        return None
    return frozenset(r[0] for r in conn.execute("SELECT id FROM events WHERE admitted = 1"))


def cached_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def admitted_events(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The events a scan may admit now, soonest first."""
    where = "" if scope_mode(conn) == ALL else " WHERE admitted = 1"
    return conn.execute(
        "SELECT id, provider, remote_id, name, starts_at, timezone, cancelled FROM events" + where
        + " ORDER BY starts_at IS NULL, starts_at, id"
    ).fetchall()


def set_chosen(conn: sqlite3.Connection, event_ids: list[int]) -> None:
    """This door admits exactly these events from now on. Call inside a transaction."""
    conn.execute("INSERT INTO meta (key, value) VALUES ('event_scope', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (CHOSEN,))
    conn.execute("UPDATE events SET admitted = 0")
    conn.executemany("UPDATE events SET admitted = 1 WHERE id = ?", [(i,) for i in event_ids])


def set_all(conn: sqlite3.Connection) -> None:
    """Back to never having chosen: every cached event, and every new one, is admitted."""
    conn.execute("DELETE FROM meta WHERE key = 'event_scope'")
    conn.execute("UPDATE events SET admitted = 1")


def ids_for_remote(conn: sqlite3.Connection, remote_ids: list[str]) -> dict[str, list[int]]:
    """Local ids per provider event id (the same id may exist at two providers)."""
    out: dict[str, list[int]] = {}
    for ref in remote_ids:
        out[ref] = [r[0] for r in conn.execute("SELECT id FROM events WHERE remote_id = ?", (ref,))]
    return out
