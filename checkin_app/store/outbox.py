"""The outbox: which journal acts still have to reach which connection.

A row is queued in the same transaction as its journal row. `pending` hands the sync engine the
rows due now, oldest first; the engine reports back done, retry-later or failed-for-good.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Callable

from checkin_app.domain.clock import utc_now
from checkin_app.store.journal import JournalRow


@dataclass(frozen=True)
class OutboxItem:
    journal: JournalRow
    connection_id: int
    attempts: int
    remote_ref: str | None


def enqueue(conn: sqlite3.Connection, journal_id: int, connection_id: int, next_try_at: str | None = None) -> bool:
    """Queue one act for one connection (once). Returns True when it was queued now."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO outbox (journal_id, connection_id, state, next_try_at, updated_at) VALUES (?, ?, 'pending', ?, ?)",
        (journal_id, connection_id, next_try_at, utc_now()),
    )
    return bool(cur.rowcount)


def enqueue_for_ticket(conn: sqlite3.Connection, journal_id: int, ticket_id: int | None, action: str,
                       pushes: Callable[[str, str], bool], next_try_at: str | None = None) -> bool:
    """Queue an act for the connection its ticket's event came through, when that provider takes it.

    Args:
        conn: a connection inside a transaction.
        journal_id: the act.
        ticket_id: its ticket (None: nothing to push).
        action: "checkin", "void" or "issue".
        pushes: `providers.registry.pushes` (the store does not know providers).
        next_try_at: not before this time (None: at once).
    """
    if ticket_id is None:
        return False
    target = conn.execute(
        "SELECT e.connection_id, c.provider FROM tickets t JOIN events e ON e.id = t.event_id"
        " JOIN connections c ON c.id = e.connection_id WHERE t.id = ?",
        (ticket_id,),
    ).fetchone()
    if target is None or not pushes(target["provider"], action):
        return False
    return enqueue(conn, journal_id, target["connection_id"], next_try_at)


def pending(conn: sqlite3.Connection, connection_id: int, now: str, limit: int = 100) -> list[OutboxItem]:
    rows = conn.execute(
        """SELECT j.*, o.connection_id, o.attempts, o.remote_ref FROM outbox o JOIN journal j ON j.id = o.journal_id
           WHERE o.connection_id = ? AND o.state = 'pending' AND (o.next_try_at IS NULL OR o.next_try_at <= ?)
           ORDER BY j.id LIMIT ?""",
        (connection_id, now, limit),
    ).fetchall()
    return [OutboxItem(JournalRow.from_row(r), r["connection_id"], r["attempts"], r["remote_ref"]) for r in rows]


def mark_done(conn: sqlite3.Connection, journal_id: int, connection_id: int, remote_ref: str | None = None) -> None:
    conn.execute(
        "UPDATE outbox SET state = 'done', attempts = attempts + 1, error = NULL, next_try_at = NULL,"
        " remote_ref = COALESCE(?, remote_ref), updated_at = ? WHERE journal_id = ? AND connection_id = ?",
        (remote_ref, utc_now(), journal_id, connection_id),
    )


def mark_retry(conn: sqlite3.Connection, journal_id: int, connection_id: int, error: str, next_try_at: str,
               remote_ref: str | None = None) -> None:
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, error = ?, next_try_at = ?, remote_ref = COALESCE(?, remote_ref),"
        " updated_at = ? WHERE journal_id = ? AND connection_id = ?",
        (error, next_try_at, remote_ref, utc_now(), journal_id, connection_id),
    )


def mark_failed(conn: sqlite3.Connection, journal_id: int, connection_id: int, error: str) -> None:
    """A permanent refusal: kept, with the provider's message, for a supervisor to see."""
    conn.execute(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error = ?, next_try_at = NULL, updated_at = ?"
        " WHERE journal_id = ? AND connection_id = ?",
        (error, utc_now(), journal_id, connection_id),
    )


def pushed_admission_refs(conn: sqlite3.Connection, connection_id: int) -> set[str]:
    """The provider's ids of the check-ins this data dir pushed through a connection (they come back
    on the next pull and are not someone else's)."""
    return {r[0] for r in conn.execute(
        "SELECT remote_ref FROM outbox o JOIN journal j ON j.id = o.journal_id WHERE o.connection_id = ?"
        " AND o.state = 'done' AND o.remote_ref IS NOT NULL AND j.op IN ('scan', 'force')", (connection_id,))}


def pending_count(conn: sqlite3.Connection, connection_id: int) -> int:
    """Acts still to push to one connection, due now or later."""
    return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE connection_id = ? AND state = 'pending'",
                            (connection_id,)).fetchone()[0])


def cancel_unsent(conn: sqlite3.Connection, journal_id: int, why: str, now: str) -> None:
    """Drop an act's pushes that were never tried (nothing upstream to take back); `why` is kept as the error."""
    conn.execute(
        "UPDATE outbox SET state = 'done', error = ?, updated_at = ? WHERE journal_id = ? AND state = 'pending' AND attempts = 0",
        (why, now, journal_id),
    )


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Outbox rows by state, e.g. {'pending': 3, 'failed': 1}."""
    return {r[0]: r[1] for r in conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")}


def failures(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        """SELECT o.journal_id, o.connection_id, o.attempts, o.error, o.updated_at, j.op, j.code, j.at, j.ticket_id
           FROM outbox o JOIN journal j ON j.id = o.journal_id WHERE o.state = 'failed' ORDER BY o.updated_at DESC"""
    ).fetchall()
    return [dict(r) for r in rows]


def release(conn: sqlite3.Connection, journal_id: int, now: str) -> None:
    """An act that was waiting (a held admission) may go now: its unsent pushes are due at once."""
    conn.execute("UPDATE outbox SET next_try_at = NULL, updated_at = ? WHERE journal_id = ? AND state = 'pending'"
                 " AND attempts = 0", (now, journal_id))
