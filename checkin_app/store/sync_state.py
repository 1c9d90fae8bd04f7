"""Per connection and scope: the saved cursor, watermarks, and the last outcome of a sync."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from checkin_app.domain.clock import utc_now


@dataclass
class SyncState:
    connection_id: int
    scope: str
    cursor: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None


def load(conn: sqlite3.Connection, connection_id: int, scope: str) -> SyncState:
    row = conn.execute(
        "SELECT * FROM sync_state WHERE connection_id = ? AND scope = ?", (connection_id, scope)
    ).fetchone()
    if row is None:
        return SyncState(connection_id, scope)
    return SyncState(connection_id, scope, row["cursor"], json.loads(row["data"]), row["last_attempt_at"],
                     row["last_success_at"], row["last_error"])


def save(conn: sqlite3.Connection, state: SyncState) -> None:
    conn.execute(
        """INSERT INTO sync_state (connection_id, scope, cursor, data, last_attempt_at, last_success_at, last_error)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (connection_id, scope) DO UPDATE SET cursor = excluded.cursor, data = excluded.data,
             last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at,
             last_error = excluded.last_error""",
        (state.connection_id, state.scope, state.cursor, json.dumps(state.data), state.last_attempt_at,
         state.last_success_at, state.last_error),
    )


def record_outcome(conn: sqlite3.Connection, connection_id: int, scope: str, error: str | None) -> None:
    state = load(conn, connection_id, scope)
    now = utc_now()
    state.last_attempt_at = now
    if error is None:
        state.last_success_at, state.last_error = now, None
    else:
        state.last_error = error
    save(conn, state)


def all_states(conn: sqlite3.Connection) -> list[SyncState]:
    return [
        SyncState(r["connection_id"], r["scope"], r["cursor"], json.loads(r["data"]), r["last_attempt_at"],
                  r["last_success_at"], r["last_error"])
        for r in conn.execute("SELECT * FROM sync_state ORDER BY connection_id, scope")
    ]


def connection_outcomes(conn: sqlite3.Connection) -> list[SyncState]:
    """The last outcome of every connection's sync (scope "connection"), without cursors or data."""
    rows = conn.execute(
        "SELECT connection_id, last_attempt_at, last_success_at, last_error FROM sync_state WHERE scope = 'connection'")
    return [SyncState(r["connection_id"], "connection", last_attempt_at=r["last_attempt_at"],
                      last_success_at=r["last_success_at"], last_error=r["last_error"]) for r in rows]
