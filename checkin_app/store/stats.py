"""Counts for the door and the supervisor: people expected, arrived and inside; admissions by time and door.

Every count of admissions reads the journal through `journal.admitted_act` and every count scoped to
"what this door admits" through `events.admitted_event`, so a view cannot count differently from
another. Products (merchandise codes) are never people.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from checkin_app.store.events import admitted_event
from checkin_app.store.journal import Op, admitted_act

# The one definition of expected, arrived ("admitted") and inside people, for every view that counts.
_PEOPLE = """SUM(CASE WHEN status = 'valid' THEN party_size ELSE 0 END) AS expected,
             SUM(admitted_count) AS admitted,
             SUM(CASE WHEN inside = 1 THEN admitted_count ELSE 0 END) AS inside"""


@dataclass(frozen=True)
class People:
    """People on valid tickets (`expected`), admitted so far, and inside now."""

    expected: int = 0
    admitted: int = 0
    inside: int = 0


@dataclass(frozen=True)
class TypeCount:
    ticket_type: str
    people: People


@dataclass(frozen=True)
class DoorCount:
    door: str
    admitted: int
    last_at: str | None


def _scope(event_ids: list[int] | None, alias: str = "t") -> tuple[str, tuple[int, ...]]:
    """The events counted: those named, else those this door admits."""
    if not event_ids:
        return admitted_event(f"{alias}.event_id"), ()
    return f"{alias}.event_id IN ({','.join('?' * len(event_ids))})", tuple(event_ids)


def _people(r: sqlite3.Row) -> People:
    return People(r["expected"] or 0, r["admitted"] or 0, r["inside"] or 0)


def people_per_event(conn: sqlite3.Connection) -> dict[int, People]:
    """People per cached event (every event, admitted here or not)."""
    rows = conn.execute(f"SELECT event_id, {_PEOPLE} FROM tickets WHERE kind != 'product' GROUP BY event_id")
    return {int(r["event_id"]): _people(r) for r in rows}


def people_per_type(conn: sqlite3.Connection, event_ids: list[int] | None = None) -> list[TypeCount]:
    """People per ticket type in the events counted, most expected first."""
    where, params = _scope(event_ids)
    rows = conn.execute(
        f"""SELECT COALESCE(ticket_type, 'Ticket') AS ticket_type, {_PEOPLE}
            FROM tickets t WHERE {where} AND kind != 'product' GROUP BY 1 ORDER BY 2 DESC""",
        params,
    ).fetchall()
    return [TypeCount(r["ticket_type"], _people(r)) for r in rows]


_ADMISSIONS = f"FROM journal j JOIN tickets t ON t.id = j.ticket_id WHERE {admitted_act('j')}"


def admissions_since(conn: sqlite3.Connection, since: str, event_ids: list[int] | None = None) -> list[tuple[str, str]]:
    """(at, door) of every admission at or after `since` (ISO-8601 UTC) in the events counted.

    The door is the label the act was made at, else the device id.
    """
    where, params = _scope(event_ids)
    rows = conn.execute(f"SELECT j.at, COALESCE(j.door, j.device_id) AS door {_ADMISSIONS} AND j.at >= ? AND {where}",
                        (since, *params))
    return [(str(r["at"]), str(r["door"])) for r in rows]


def admission_count_since(conn: sqlite3.Connection, since: str, event_ids: list[int] | None = None) -> int:
    where, params = _scope(event_ids)
    return int(conn.execute(f"SELECT COUNT(*) {_ADMISSIONS} AND j.at >= ? AND {where}", (since, *params)).fetchone()[0])


_EXITS = f"FROM journal j JOIN tickets t ON t.id = j.ticket_id WHERE j.op = '{Op.EXIT}'"


def exits_since(conn: sqlite3.Connection, since: str, event_ids: list[int] | None = None) -> list[tuple[str, str]]:
    """(at, door) of every exit scanned at or after `since` (ISO-8601 UTC) in the events counted.

    An exit is a journal row of op `exit` (a refused scan in exit mode is a `scan` row); each
    door's own rows and those replicated from the others, each once.
    """
    where, params = _scope(event_ids)
    rows = conn.execute(f"SELECT j.at, COALESCE(j.door, j.device_id) AS door {_EXITS} AND j.at >= ? AND {where}",
                        (since, *params))
    return [(str(r["at"]), str(r["door"])) for r in rows]


def admissions_per_door(conn: sqlite3.Connection, event_ids: list[int] | None = None) -> list[DoorCount]:
    """Admissions per door in the events counted, busiest first, with each door's latest."""
    where, params = _scope(event_ids)
    rows = conn.execute(
        f"""SELECT COALESCE(j.door, j.device_id) AS door, COUNT(*) AS admitted, MAX(j.at) AS last_at
            {_ADMISSIONS} AND {where} GROUP BY 1 ORDER BY 2 DESC""",
        params,
    )
    return [DoorCount(r["door"], r["admitted"], r["last_at"]) for r in rows]
