"""Check-in lists in the store: definitions from the journal, each ticket's movements, who is inside.

Definitions arrive as `list_defined` journal rows (this door's or another's); the one whose
(at, device_id, seq) sorts last wins per name. A ticket's movements are its admissions and exits
on every door, read from its journal rows in the replay order (`at`, device_id, seq); its stays
(`list_presence`) are replayed from them whenever one of its rows is added here, and the per
(list, area, leaves_at) counts (`list_occupancy`) move with them, so occupancy is a sum over a
handful of rows at any time asked about.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any

from checkin_app.domain.checkin_lists import CheckinList, EventRef, Movement, aware, definition_text, stays
from checkin_app.store import journal
from checkin_app.store.journal import Op

DOOR_LISTS_KEY = "door_lists"  # meta: the lists this door scans against, in order (JSON list of names)


def utc_text(when: datetime) -> str:
    """The stored form of an instant: UTC, milliseconds (sorts as text, like `clock.utc_now`)."""
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# -- definitions ------------------------------------------------------------------------------

def define(conn: sqlite3.Connection, lst: CheckinList, at: str, device_id: str, seq: int) -> bool:
    """Keep a definition if it sorts after the one held for its name. Returns whether it is now in force."""
    cur = conn.execute(
        "INSERT INTO checkin_lists (name, definition, at, device_id, seq) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, at = excluded.at,"
        " device_id = excluded.device_id, seq = excluded.seq"
        " WHERE (excluded.at, excluded.device_id, excluded.seq) > (checkin_lists.at, checkin_lists.device_id, checkin_lists.seq)",
        (lst.name, definition_text(lst), utc_text(aware(at) or datetime.now(timezone.utc)), device_id, seq),
    )
    return cur.rowcount > 0


def apply_row(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    """Another door's `list_defined` row. Raises ValueError for a payload that is not a list (quarantined)."""
    lst = CheckinList.from_json(row.get("payload") or {})
    define(conn, lst, row["at"], row["device_id"], row["seq"])


def all_lists(conn: sqlite3.Connection) -> dict[str, CheckinList]:
    """Every list in force, by name. A stored definition this build cannot read is left out (and logged
    by whoever asks for it by name: `get` raises)."""
    out = {}
    for r in conn.execute("SELECT name, definition FROM checkin_lists ORDER BY name"):
        try:
            out[r[0]] = parsed(r[1])
        except ValueError:
            continue
    return out


def get(conn: sqlite3.Connection, name: str) -> CheckinList | None:
    row = conn.execute("SELECT definition FROM checkin_lists WHERE name = ?", (name,)).fetchone()
    return parsed(row[0]) if row else None


_PARSED: dict[str, CheckinList] = {}


def parsed(text: str) -> CheckinList:
    """A stored definition as a list, parsed and checked once per text (lists are immutable).

    Reading the definition on every scan keeps a redefinition in force from the next scan on;
    parsing and checking it each time was a quarter of a scan's decision (0.11 of 0.45 ms, cProfile).
    """
    lst = _PARSED.get(text)
    if lst is None:
        if len(_PARSED) >= 256:  # a handful of lists per venue; bound it all the same
            _PARSED.clear()
        lst = _PARSED[text] = CheckinList.from_json(json.loads(text))
    return lst


def defined_at(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Who defined each list and when (the winning journal row)."""
    return {r["name"]: {"at": r["at"], "device_id": r["device_id"], "seq": r["seq"]}
            for r in conn.execute("SELECT name, at, device_id, seq FROM checkin_lists")}


def door_lists(conn: sqlite3.Connection) -> list[str]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DOOR_LISTS_KEY,)).fetchone()
    try:
        names = json.loads(row[0]) if row else []
    except ValueError:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def set_door_lists(conn: sqlite3.Connection, names: list[str]) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (DOOR_LISTS_KEY, json.dumps(names)))


# -- a ticket's movements and stays ----------------------------------------------------------

def event_refs(conn: sqlite3.Connection, ticket_ids: list[int]) -> dict[int, EventRef]:
    """Each ticket's event as every door names it."""
    marks = ",".join("?" * len(ticket_ids))
    return {r[0]: EventRef(r[1], r[2]) for r in conn.execute(
        f"SELECT t.id, e.provider, e.remote_id FROM tickets t JOIN events e ON e.id = t.event_id WHERE t.id IN ({marks})",
        ticket_ids)}


def refs_for(conn: sqlite3.Connection, ref: str) -> list[EventRef]:
    """An event as a user names it (`--event`: the provider's event id, else our numeric id), as every door names it."""
    rows = conn.execute("SELECT provider, remote_id FROM events WHERE remote_id = ?", (ref,)).fetchall()
    if not rows and ref.isdigit():
        rows = conn.execute("SELECT provider, remote_id FROM events WHERE id = ?", (int(ref),)).fetchall()
    return [EventRef(r[0], r[1]) for r in rows]


def start_times(conn: sqlite3.Connection, refs: list[EventRef]) -> list[str | None]:
    """The start times of the events named (those cached here), in order."""
    out = []
    for ref in refs:
        row = conn.execute("SELECT starts_at FROM events WHERE provider = ? AND remote_id = ?",
                           (ref.provider, ref.remote_id)).fetchone()
        if row:
            out.append(row[0])
    return out


def local_event_ids(conn: sqlite3.Connection, refs: tuple[EventRef, ...]) -> frozenset[int]:
    """This door's ids of the events a list names (those not cached here are left out)."""
    out = set()
    for ref in refs:
        row = conn.execute("SELECT id FROM events WHERE provider = ? AND remote_id = ?", (ref.provider, ref.remote_id)).fetchone()
        if row:
            out.add(int(row[0]))
    return frozenset(out)


def movements(conn: sqlite3.Connection, ticket_id: int) -> list[Movement]:
    """A ticket's admissions and exits from every door, in the replay order; undone admissions left out."""
    rows = conn.execute(
        "SELECT op, verdict, payload, at, nonce FROM journal WHERE ticket_id = ? AND op IN (?, ?, ?, ?, ?)"
        " ORDER BY hlc, device_id, seq", (ticket_id, Op.SCAN, Op.FORCE, Op.EXIT, *journal.TAKES_BACK)).fetchall()
    # A copy of an act held here (re-issued under a new device id, store/device_ids.py) is that act.
    held = {r["nonce"] for r in rows}
    rows = [r for r in rows if (_payload(r).get("reissues") or {}).get("nonce") not in held]
    undone = set()
    for r in rows:
        if r["op"] in journal.TAKES_BACK:
            undone.add(_payload(r).get("undoes_nonce"))
    out: list[Movement] = []
    for r in rows:
        at = aware(r["at"])
        if at is None or r["nonce"] in undone:
            continue
        payload = _payload(r)
        area = payload.get("area") if isinstance(payload.get("area"), str) else None
        name = payload.get("list") if isinstance(payload.get("list"), str) else None
        if journal.admits(r["op"], r["verdict"]):
            out.append(Movement(at, True, name, area, payload.get("counted") is not False, aware(payload.get("leaves_at"))))
        elif r["op"] == Op.EXIT:
            out.append(Movement(at, False, name, area))
    return out


def _payload(r: sqlite3.Row) -> dict[str, Any]:
    try:
        payload = json.loads(r["payload"])
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def has_stays(conn: sqlite3.Connection, ticket_id: int) -> bool:
    return conn.execute("SELECT 1 FROM list_presence WHERE ticket_id = ? LIMIT 1", (ticket_id,)).fetchone() is not None


def recompute(conn: sqlite3.Connection, ticket_id: int) -> None:
    """Replay a ticket's stays from its journal rows; the occupancy counts move with them. In a transaction."""
    for r in conn.execute("SELECT list_name, area, leaves_at, people FROM list_presence WHERE ticket_id = ?",
                          (ticket_id,)).fetchall():
        _count(conn, r["list_name"], r["area"], r["leaves_at"], -r["people"])
    conn.execute("DELETE FROM list_presence WHERE ticket_id = ?", (ticket_id,))
    for stay in stays(movements(conn, ticket_id), _party(conn, ticket_id)).values():
        leaves = utc_text(stay.leaves_at) if stay.leaves_at else ""
        conn.execute("INSERT INTO list_presence (ticket_id, area, list_name, since, leaves_at, people) VALUES (?, ?, ?, ?, ?, ?)",
                     (ticket_id, stay.area, stay.list_name, utc_text(stay.since), leaves, stay.people))
        _count(conn, stay.list_name, stay.area, leaves, stay.people)


def _party(conn: sqlite3.Connection, ticket_id: int) -> int:
    """People the ticket admits: a guest-list party, else one (as `domain.checkin_lists.party_of`)."""
    row = conn.execute("SELECT kind, party_size FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return max(1, int(row[1])) if row is not None and row[0] == "guest_list" else 1


def _count(conn: sqlite3.Connection, list_name: str, area: str, leaves_at: str, delta: int) -> None:
    conn.execute("INSERT INTO list_occupancy (list_name, area, leaves_at, people) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (list_name, area, leaves_at) DO UPDATE SET people = people + excluded.people", (list_name, area, leaves_at, delta))
    if delta < 0:
        conn.execute("DELETE FROM list_occupancy WHERE list_name = ? AND area = ? AND leaves_at = ? AND people <= 0",
                     (list_name, area, leaves_at))


# -- occupancy --------------------------------------------------------------------------------

def inside_counts(conn: sqlite3.Connection, now: datetime) -> dict[tuple[str, str], int]:
    """People inside per (list, area) at `now`: stays not yet ended by exit-all-at (each person once per area)."""
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(
        "SELECT list_name, area, SUM(people) FROM list_occupancy WHERE leaves_at = '' OR leaves_at > ?"
        " GROUP BY list_name, area", (utc_text(now),))}


def area_inside(conn: sqlite3.Connection, area: str, now: datetime) -> int:
    row = conn.execute("SELECT COALESCE(SUM(people), 0) FROM list_occupancy WHERE area = ? AND (leaves_at = '' OR leaves_at > ?)",
                       (area, utc_text(now))).fetchone()
    return int(row[0])
