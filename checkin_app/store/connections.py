"""Provider connections. Settings name where the secret lives; the secret itself is never here."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, cast

from checkin_app.domain.clock import utc_now
from checkin_app.errors import CheckinError, NotFound


@dataclass(frozen=True)
class Connection:
    id: int
    name: str
    provider: str
    base_url: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> "Connection":
        return cls(r["id"], r["name"], r["provider"], r["base_url"], json.loads(r["settings"]))


def add(conn: sqlite3.Connection, name: str, provider: str, base_url: str | None, settings: dict[str, Any]) -> Connection:
    if conn.execute("SELECT 1 FROM connections WHERE name = ?", (name,)).fetchone():
        raise CheckinError(f"a connection named {name!r} already exists; remove it first or pick another name")
    cur = conn.execute(
        "INSERT INTO connections (name, provider, base_url, settings, created_at) VALUES (?, ?, ?, ?, ?)",
        (name, provider, base_url, json.dumps(settings), utc_now()),
    )
    return get(conn, cast(int, cur.lastrowid))


def update_settings(conn: sqlite3.Connection, connection_id: int, settings: dict[str, Any]) -> None:
    conn.execute("UPDATE connections SET settings = ? WHERE id = ?", (json.dumps(settings), connection_id))


def set_base_url(conn: sqlite3.Connection, connection_id: int, base_url: str | None) -> None:
    conn.execute("UPDATE connections SET base_url = ? WHERE id = ?", (base_url, connection_id))


def get(conn: sqlite3.Connection, connection_id: int) -> Connection:
    row = conn.execute("SELECT * FROM connections WHERE id = ?", (connection_id,)).fetchone()
    if row is None:
        raise NotFound(f"no connection with id {connection_id}")
    return Connection.from_row(row)


def by_name(conn: sqlite3.Connection, name: str) -> Connection:
    row = conn.execute("SELECT * FROM connections WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(f"no connection named {name!r} (see `checkin-app connections`)")
    return Connection.from_row(row)


def all_connections(conn: sqlite3.Connection) -> list[Connection]:
    return [Connection.from_row(r) for r in conn.execute("SELECT * FROM connections ORDER BY name")]


def remove(conn: sqlite3.Connection, connection_id: int) -> None:
    conn.execute("DELETE FROM connections WHERE id = ?", (connection_id,))


def name_taken(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM connections WHERE name = ?", (name,)).fetchone() is not None
