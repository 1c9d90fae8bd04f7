"""How this door's link to the venue's hub last stood (`doors status` reads it from another process).

One JSON document in `meta` (no table of its own: one row, rewritten at most every couple of
seconds by the door's hub link): the hub's address, connected or down since when, the last
contact, how far behind the hub this door is and how many of its rows the hub lacks.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

HUB_META_KEY = "hub_link"


def save(conn: sqlite3.Connection, state: dict[str, Any]) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (HUB_META_KEY, json.dumps(state, sort_keys=True)))


def load(conn: sqlite3.Connection) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (HUB_META_KEY,)).fetchone()
    if not row:
        return None
    try:
        state = json.loads(row[0])
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def last_journal_id(conn: sqlite3.Connection) -> tuple[int, int]:
    """(newest journal row id, quarantined rows): changes whenever rows arrive, O(1) to read.

    The hub link's publisher asks this every tick and reads the journal only when it moved.
    """
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM journal").fetchone()[0]
    held = conn.execute("SELECT COALESCE(MAX(id), 0) FROM replica_quarantine").fetchone()[0]
    return int(top), int(held)


MARK_META_KEY = "hub_read_mark"


def save_mark(conn: sqlite3.Connection, stream: str, seq: int) -> None:
    """How far this door has applied the hub's stream (`stream`: which stream, by its creation time).

    Written in the transaction that applies the rows, so it never runs ahead of them.
    """
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (MARK_META_KEY, json.dumps({"stream": stream, "seq": seq})))


def load_mark(conn: sqlite3.Connection, stream: str) -> int:
    """The last stream sequence applied here from `stream`; 0 for another (a wiped, new hub) or none."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (MARK_META_KEY,)).fetchone()
    try:
        mark = json.loads(row[0]) if row else {}
    except ValueError:
        return 0
    seq = mark.get("seq") if isinstance(mark, dict) and mark.get("stream") == stream else 0
    return seq if isinstance(seq, int) and seq > 0 else 0
