"""What replication noticed about doors themselves, not about tickets: shown by `doors status`.

- `clock_ahead`: rows of a door stamped too far past this door's clock to adopt (domain/hlc.py);
  they count, ordered by their own stamp, but this door's clock did not follow them.
- `duplicate_device`: another data dir writes under this door's device id (a copied data dir);
  this door took a new id (`store.device_ids`).

One row per kind and device, updated in place (`times` counts), so a door that keeps sending
far-future rows fills no disk.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

CLOCK_AHEAD = "clock_ahead"
DUPLICATE_DEVICE = "duplicate_device"


def record(conn: sqlite3.Connection, kind: str, device_id: str, detail: dict[str, Any], now: str) -> bool:
    """Note an incident (or count it again, with the latest detail). Returns True the first time."""
    cur = conn.execute(
        "INSERT INTO door_incidents (kind, device_id, detail, first_at, last_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, device_id) DO UPDATE SET detail = excluded.detail, last_at = excluded.last_at,"
        " times = door_incidents.times + 1 RETURNING times",
        (kind, device_id[:64], json.dumps(detail, sort_keys=True), now, now))
    return bool(cur.fetchone()[0] == 1)


def all_incidents(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r, detail=json.loads(r["detail"])) for r in conn.execute(
        "SELECT kind, device_id, detail, first_at, last_at, times FROM door_incidents ORDER BY last_at DESC, id")]
