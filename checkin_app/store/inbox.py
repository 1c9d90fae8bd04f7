"""The webhook inbox: raw deliveries kept exactly as received, each stored once.

A delivery is identified by the provider's delivery id when it has one (Ticket Tailor's `wh_…`)
and always by the SHA-256 of its raw body, so a re-sent delivery and a byte-identical copy are both
recognised. Rows are never rewritten except to note that (or why not) they were applied.
The inbox id doubles as the relay cursor: ids only grow.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, TypeVar, cast

from checkin_app.domain.clock import utc_now
from checkin_app.store.db import environmental

T = TypeVar("T")


@dataclass(frozen=True)
class Delivery:
    id: int
    provider: str
    delivery_id: str | None
    content_hash: str
    source: str
    received_at: str
    body: bytes
    applied_at: str | None = None
    error: str | None = None

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> "Delivery":
        return cls(r["id"], r["provider"], r["delivery_id"], r["content_hash"], r["source"], r["received_at"],
                   bytes(r["body"]), r["applied_at"], r["error"])


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def add(conn: sqlite3.Connection, provider: str, body: bytes, *, delivery_id: str | None = None,
        source: str = "local", headers: dict[str, Any] | None = None, received_at: str | None = None) -> tuple[int, bool]:
    """Store one delivery unless it is already there. Call inside a transaction.

    Args:
        conn: a connection inside `Database.transaction()`.
        provider: whose delivery it is ("tickettailor", "ticketor", ...).
        body: the raw request body, byte for byte.
        delivery_id: the provider's id for the delivery, when it gives one.
        source: "local" (received here) or "relay:<connection name>".
        headers: the few request headers worth keeping (never authorisation headers).
        received_at: when it first arrived (kept when copied from a relay).

    Returns:
        (inbox id, True when new) or (the existing row's id, False) for a duplicate.
    """
    digest = content_hash(body)
    cur = conn.execute(
        "INSERT OR IGNORE INTO webhook_inbox (provider, delivery_id, content_hash, source, received_at, headers, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (provider, delivery_id, digest, source, received_at or utc_now(), json.dumps(headers or {}), body),
    )
    if cur.rowcount:
        return cast(int, cur.lastrowid), True
    row = conn.execute(
        "SELECT id FROM webhook_inbox WHERE provider = ? AND (content_hash = ? OR (delivery_id IS NOT NULL AND delivery_id = ?))"
        " ORDER BY id LIMIT 1",
        (provider, digest, delivery_id),
    ).fetchone()
    return row[0], False


def mark(conn: sqlite3.Connection, inbox_id: int, error: str | None) -> None:
    """Record that a delivery was applied (error None) or why it could not be."""
    conn.execute("UPDATE webhook_inbox SET applied_at = ?, error = ? WHERE id = ?",
                 (utc_now() if error is None else None, error, inbox_id))


def attempt(conn: sqlite3.Connection, work: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """Run `work()` (mapping and applying one stored delivery) inside a savepoint.

    Returns (its result, None), or (None, the exception) with everything `work` wrote undone and the
    delivery itself still stored, so a delivery no mapper can read is kept with its reason instead
    of being lost or leaving its sender unanswered. Any exception counts, a mapper's bug included.
    Failures of the machine (full disk, read-only data dir) are not the delivery's fault: they
    propagate, the whole transaction rolls back, and the sender is told to retry.
    """
    conn.execute("SAVEPOINT apply_delivery")
    try:
        result = work()
    except Exception as exc:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already (SQLITE_FULL)
            conn.execute("ROLLBACK TO apply_delivery")
            conn.execute("RELEASE apply_delivery")
        if isinstance(exc, sqlite3.OperationalError) and environmental(exc):
            raise
        return None, exc
    conn.execute("RELEASE apply_delivery")
    return result, None


def page(conn: sqlite3.Connection, after: int = 0, limit: int = 100,
         max_bytes: int | None = None) -> tuple[list[Delivery], bool]:
    """Deliveries with an id above `after`, oldest first (the relay's cursor order), and whether more follow.

    A page holds at most `limit` deliveries and, when `max_bytes` is given, stops before the bodies
    pass it (the first delivery always fits, so a page is never empty while deliveries remain). The
    sizes are read first, so no more than one page of bodies is ever loaded: 500 deliveries of 1 MB
    made a 500 MB page before.
    """
    sizes = conn.execute("SELECT id, length(body) FROM webhook_inbox WHERE id > ? ORDER BY id LIMIT ?",
                         (after, limit + 1)).fetchall()
    last, total = None, 0
    for index, (inbox_id, size) in enumerate(sizes):
        total += size
        if index == limit or (max_bytes is not None and index and total > max_bytes):
            break
        last = inbox_id
    if last is None:
        return [], False
    rows = conn.execute("SELECT * FROM webhook_inbox WHERE id > ? AND id <= ? ORDER BY id", (after, last)).fetchall()
    return [Delivery.from_row(r) for r in rows], last != sizes[-1][0]


def get(conn: sqlite3.Connection, inbox_id: int) -> Delivery | None:
    row = conn.execute("SELECT * FROM webhook_inbox WHERE id = ?", (inbox_id,)).fetchone()
    return Delivery.from_row(row) if row else None


def unapplied_summary(conn: sqlite3.Connection, latest: int = 5) -> dict[str, Any]:
    """Deliveries stored but not applied (issue 12, item 16): `{"count", "latest": [...]}`, newest first."""
    count = conn.execute("SELECT COUNT(*) FROM webhook_inbox WHERE applied_at IS NULL").fetchone()[0]
    rows = conn.execute(
        "SELECT id, provider, delivery_id, received_at, error FROM webhook_inbox WHERE applied_at IS NULL"
        " ORDER BY id DESC LIMIT ?", (latest,),
    ).fetchall()
    return {"count": count, "latest": [
        {"id": r["id"], "provider": r["provider"], "ref": r["delivery_id"] or f"inbox #{r['id']}",
         "reason": r["error"] or "not applied yet", "at": r["received_at"]} for r in rows]}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Deliveries per provider."""
    return {r[0]: r[1] for r in conn.execute("SELECT provider, COUNT(*) FROM webhook_inbox GROUP BY provider")}
