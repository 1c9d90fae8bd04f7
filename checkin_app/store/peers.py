"""The venue this door belongs to, and the other doors as it last saw them.

The venue settings (in `meta`) hold the venue id, this door's name and a *reference* to the
venue key (keyring entry or environment variable), never the key itself.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, cast

from checkin_app.domain.models import ConflictKind

VENUE_META_KEY = "venue"
DOOR_NAME_META_KEY = "door_name"


def load_venue(conn: sqlite3.Connection) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (VENUE_META_KEY,)).fetchone()
    return json.loads(row[0]) if row else None


def save_venue(conn: sqlite3.Connection, venue: dict[str, Any]) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (VENUE_META_KEY, json.dumps(venue, sort_keys=True)))


def door_name(conn: sqlite3.Connection) -> str | None:
    """This door's name: the one place it is kept, read by the GUI, the CLI and the door server alike.

    Data dirs from before it was kept here fall back to the name their venue pairing recorded.
    """
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DOOR_NAME_META_KEY,)).fetchone()
    if row and row[0]:
        return cast(str, row[0])
    return (load_venue(conn) or {}).get("door")


def save_door_name(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (DOOR_NAME_META_KEY, name))


TOPOLOGY_META_KEY = "replication_topology"


def save_topology(conn: sqlite3.Connection, topology: dict[str, Any]) -> None:
    """Which doors the running replicator pulls now (mesh or gossip), for `doors status`."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (TOPOLOGY_META_KEY, json.dumps(topology, sort_keys=True)))


def load_topology(conn: sqlite3.Connection) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (TOPOLOGY_META_KEY,)).fetchone()
    return cast("dict[str, Any]", json.loads(row[0])) if row else None


def record_contact(conn: sqlite3.Connection, url: str, *, device_id: str, door: str | None, behind: int, ahead: int,
                   rows: int, now: str, source: str = "manual") -> None:
    """A successful exchange with a peer: who it is, how far apart we are, rows taken from it."""
    conn.execute(
        """INSERT INTO peers (url, device_id, door, source, last_contact_at, behind, ahead, rows_pulled, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (url) DO UPDATE SET device_id = excluded.device_id, door = excluded.door,
             last_contact_at = excluded.last_contact_at, behind = excluded.behind, ahead = excluded.ahead,
             rows_pulled = peers.rows_pulled + excluded.rows_pulled, last_error = NULL, updated_at = excluded.updated_at""",
        (url, device_id, door, source, now, behind, ahead, rows, now),
    )


def record_skew(conn: sqlite3.Connection, url: str, skew_ms: int, now: str) -> None:
    """The peer's clock minus this door's, as measured on its last answer (ms)."""
    conn.execute("UPDATE peers SET clock_skew_ms = ?, clock_skew_at = ? WHERE url = ?", (skew_ms, now, url))


def record_error(conn: sqlite3.Connection, url: str, error: str, now: str, source: str = "manual") -> None:
    conn.execute(
        """INSERT INTO peers (url, source, last_error, last_error_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (url) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,
             updated_at = excluded.updated_at""",
        (url, source, error, now, now),
    )


def record_other_version(conn: sqlite3.Connection, url: str, error: str, now: str, *, device_id: str | None,
                         source: str = "mdns") -> None:
    """An advertised door of this venue (it signed the old way) that speaks another protocol version:
    never pulled from, but listed (with the device id it advertised) so `doors status` says why."""
    conn.execute(
        """INSERT INTO peers (url, device_id, source, last_error, last_error_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (url) DO UPDATE SET device_id = COALESCE(peers.device_id, excluded.device_id),
             last_error = excluded.last_error, last_error_at = excluded.last_error_at, updated_at = excluded.updated_at""",
        (url, device_id and device_id[:64], source, error, now, now),
    )


def all_peers(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM peers ORDER BY door, url")]


def record_crash(conn: sqlite3.Connection, url: str, error: str, now: str, source: str = "manual") -> None:
    """A pull worker crashed and was restarted: counted and kept with the peer (`doors status`)."""
    conn.execute(
        """INSERT INTO peers (url, source, restarts, last_crash, last_crash_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)
           ON CONFLICT (url) DO UPDATE SET restarts = peers.restarts + 1, last_crash = excluded.last_crash,
             last_crash_at = excluded.last_crash_at, updated_at = excluded.updated_at""",
        (url, source, error[:500], now, now),
    )


def quarantined(conn: sqlite3.Connection, limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """Rows other doors served that could not be applied here: (how many, the newest `limit`).

    The count includes rows not kept because the quarantine was full (`replica.MAX_UNSLOTTED_KEPT`).
    """
    dropped = conn.execute("SELECT value FROM meta WHERE key = 'replica_quarantine_dropped'").fetchone()
    count = conn.execute("SELECT COUNT(*) FROM replica_quarantine").fetchone()[0] + (int(dropped[0]) if dropped else 0)
    rows = conn.execute("SELECT id, device_id, seq, reason, source, received_at, substr(raw, 1, 300) AS raw"
                        " FROM replica_quarantine ORDER BY id DESC LIMIT ?", (limit,))
    return count, [dict(r) for r in rows]


def open_conflicts(conn: sqlite3.Connection, kind: ConflictKind) -> list[dict[str, Any]]:
    return [dict(r, detail=json.loads(r["detail"])) for r in conn.execute(
        "SELECT id, kind, ticket_id, detail, at FROM conflicts WHERE kind = ? AND resolved_at IS NULL ORDER BY id",
        (kind.value,))]
