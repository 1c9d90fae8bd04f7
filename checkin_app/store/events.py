"""Which events this door admits (issue 12, item 15).

A door that never chose admits every cached event ("all"); once someone chose (`set_chosen`), the
door admits exactly the chosen events and an event first seen later waits to be chosen (new
events are inserted with `admitted = 0`, see `store.tickets._EVENT_UPSERT`).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

ALL = "all"
CHOSEN = "chosen"

#: The events this door admits, as a subquery of event ids: the one definition every query uses
#: (`admitted_event`). With scope "all" every event has `admitted = 1` (`set_all`, and new events are
#: inserted admitted while the door never chose), so the column alone answers in both modes.
ADMITTED_EVENT_IDS = "SELECT id FROM events WHERE admitted = 1"


def admitted_event(column: str) -> str:
    """SQL: the event id in `column` ("t.event_id", "e.id") is one this door admits."""
    return f"{column} IN ({ADMITTED_EVENT_IDS})"


def first_ticket_type_id(conn: sqlite3.Connection, provider: str, remote_id: str) -> str | None:
    """The first ticket type the provider listed on this event (its raw `ticket_types[0].id`)."""
    row = conn.execute("SELECT json_extract(raw, '$.ticket_types[0].id') FROM events WHERE provider = ? AND remote_id = ?",
                       (provider, remote_id)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def scope_mode(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'event_scope'").fetchone()
    return str(row[0]) if row else ALL


def admitted_ids(conn: sqlite3.Connection) -> frozenset[int] | None:
    """The events this door admits; None admits every cached event (the door never chose)."""
    if scope_mode(conn) == ALL:
        return None
    return frozenset(int(r[0]) for r in conn.execute(ADMITTED_EVENT_IDS))


def cached_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def admitted_events(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The events a scan may admit now, soonest first."""
    where = "" if scope_mode(conn) == ALL else f" WHERE {admitted_event('id')}"
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


def admitted_providers(conn: sqlite3.Connection) -> set[str]:
    """The providers of the events this door admits."""
    return {str(r[0]) for r in conn.execute(f"SELECT DISTINCT provider FROM events WHERE {admitted_event('id')}")}


def admitted_remote_ids(conn: sqlite3.Connection, connection_id: int) -> list[str]:
    """The provider ids of the events this door admits from one connection, soonest first."""
    return [str(r[0]) for r in conn.execute(
        f"SELECT remote_id FROM events WHERE connection_id = ? AND {admitted_event('id')} ORDER BY starts_at",
        (connection_id,))]


@dataclass(frozen=True)
class ListRefresh:
    """When an admitted event's list was last refreshed: its pull, else the event's own update."""

    event_id: int
    name: str
    connection_id: int | None
    refreshed_at: str | None


def admitted_list_refreshes(conn: sqlite3.Connection) -> list[ListRefresh]:
    """One row per event this door admits, soonest first."""
    rows = conn.execute(
        f"""SELECT e.id, e.name, e.connection_id, e.updated_at,
                   (SELECT s.last_success_at FROM sync_state s WHERE s.connection_id = e.connection_id
                      AND s.scope = 'event:' || e.remote_id) AS pulled_at
            FROM events e WHERE {admitted_event('e.id')} ORDER BY e.starts_at""")
    return [ListRefresh(r["id"], r["name"], r["connection_id"], r["pulled_at"] or r["updated_at"]) for r in rows]


def listing(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every cached event with its connection's name and ticket counts, soonest first (`checkin-app events`)."""
    return conn.execute(
        """SELECT e.id, e.provider, e.remote_id, e.name, e.starts_at, e.ends_at, e.venue, e.timezone, e.admitted,
                  e.cancelled, e.updated_at,
                  c.name AS connection,
                  (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.kind != 'product') AS tickets,
                  (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.checked_in_at IS NOT NULL) AS checked_in
           FROM events e LEFT JOIN connections c ON c.id = e.connection_id ORDER BY e.starts_at, e.id"""
    ).fetchall()


def ids_for_ref(conn: sqlite3.Connection, ref: str) -> list[int]:
    """Local ids of an event as a user names it: the provider's event id, else our numeric id."""
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM events WHERE remote_id = ?", (ref,))]
    if not ids and ref.isdigit():
        ids = [int(r[0]) for r in conn.execute("SELECT id FROM events WHERE id = ?", (int(ref),))]
    return ids


def provider_of(conn: sqlite3.Connection, event_id: int) -> str | None:
    """The provider of a cached event, or None when there is no such event."""
    row = conn.execute("SELECT provider FROM events WHERE id = ?", (event_id,)).fetchone()
    return str(row[0]) if row else None


def detach_connection(conn: sqlite3.Connection, connection_id: int) -> None:
    """The connection's events stay cached (and scannable) without it. Call inside a transaction."""
    conn.execute("UPDATE events SET connection_id = NULL WHERE connection_id = ?", (connection_id,))
