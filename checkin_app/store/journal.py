"""The journal: an append-only log of every local act, and the derived ticket state it drives.

Callers append a row and update the derived state inside one `Database.transaction()`, so a
crash leaves either both or neither. Rows are keyed by (device_id, seq) for replication between
doors and carry a nonce that pushes use as their idempotency key.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any, cast

from checkin_app.domain import hlc
from checkin_app.domain.rules import VerdictKind
from checkin_app.store import tickets


class Op:
    """Journal operations. Strings, because they are stored and replicated."""

    SCAN = "scan"  # a scan attempt, admitted or refused: the verdict says which
    FORCE = "force"  # supervisor admit despite a refusal, with a reason
    EXIT = "exit"
    UNDO = "undo"  # cancels the latest admission of a ticket
    VOID = "void"  # a supervisor's void, with a reason; stays until a supervisor un-voids
    UNVOID = "unvoid"  # a supervisor takes back the local void, with a reason (the provider's own void stays)
    ISSUE = "issue"  # walk-up ticket created at this door
    LIST_DEFINED = "list_defined"  # a check-in list created or changed (payload: the list); venue configuration
    # Attention at the door (issue 17; docs/architecture.md, "Attention at the door").
    NOTE = "note"  # a supervisor's note on the attendee: payload.text, None clears it
    CONFIRM = "confirm"  # staff looked and let the held guest in: payload.of = the admission's nonce
    DENY = "deny"  # staff refused a held guest: takes back the admission (payload.undoes_nonce); no void
    # A supervisor settles a conflict found between doors (payload.conflict = {"kind", "rows": its
    # rows' nonces}): replicated, so it reads as resolved on every door (store.conflicts).
    RESOLVE = "resolve"


#: The acts that let someone in: a scan the rules admitted, or a supervisor's admit-anyway. The one
#: definition of "an admission" for every count, undo, replay and push (`admits`, `admitted_act`).
ADMITTING: tuple[tuple[str, str], ...] = ((Op.SCAN, VerdictKind.ADMITTED.value), (Op.FORCE, VerdictKind.FORCED.value))


#: Acts that take back an admission (named by `payload.undoes_nonce`): a supervisor's undo, and staff
#: denying a held guest. Every replay (ticket state, stays on lists) treats them alike.
TAKES_BACK: tuple[str, str] = (Op.UNDO, Op.DENY)


def admits(op: str | None, verdict: str | None) -> bool:
    """Did this journal act let someone in (see `ADMITTING`)?"""
    return (op, verdict) in ADMITTING


def admitted_act(alias: str = "") -> str:
    """`ADMITTING` as a SQL condition on the journal row called `alias` ("j" for `j.op`; "" unqualified)."""
    col = f"{alias}." if alias else ""
    return "(" + " OR ".join(f"({col}op = '{op}' AND {col}verdict = '{verdict}')" for op, verdict in ADMITTING) + ")"


@dataclass(frozen=True)
class JournalRow:
    id: int
    device_id: str
    seq: int
    op: str
    verdict: str | None
    ticket_id: int | None
    provider: str | None
    event_remote_id: str | None
    ticket_remote_id: str | None
    code: str | None
    door: str | None
    payload: dict[str, Any]
    at: str
    nonce: str
    hlc: int = 0  # the hybrid logical clock stamp: the row's place in every door's replay (domain/hlc.py)

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> "JournalRow":
        return cls(
            id=r["id"], device_id=r["device_id"], seq=r["seq"], op=r["op"], verdict=r["verdict"],
            ticket_id=r["ticket_id"], provider=r["provider"], event_remote_id=r["event_remote_id"],
            ticket_remote_id=r["ticket_remote_id"], code=r["code"], door=r["door"],
            payload=json.loads(r["payload"]), at=r["at"], nonce=r["nonce"], hlc=r["hlc"] or 0,
        )


def append(
    conn: sqlite3.Connection,
    *,
    device_id: str,
    op: str,
    at: str,
    code: str | None = None,
    ticket_id: int | None = None,
    verdict: str | None = None,
    door: str | None = None,
    payload: dict[str, Any] | None = None,
) -> JournalRow:
    """Append one act. Call inside a transaction (the seq is taken under the write lock).

    Args:
        conn: a connection inside `Database.transaction()`.
        device_id: this data dir's device id.
        op: one of `Op`.
        at: ISO-8601 UTC time of the act.
        code: the normalised code scanned or acted on.
        ticket_id: the local ticket, when there is one.
        verdict: the verdict's kind for scans.
        door: the door label the act happened at.
        payload: anything else worth keeping (reason, count, message).

    Returns:
        The stored row.
    """
    ref = None
    if ticket_id is not None:
        ref = conn.execute(
            "SELECT t.provider, e.remote_id AS event_remote_id, t.remote_id FROM tickets t JOIN events e ON e.id = t.event_id WHERE t.id = ?",
            (ticket_id,),
        ).fetchone()
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM journal WHERE device_id = ?", (device_id,)).fetchone()[0]
    nonce = uuid.uuid4().hex
    body = json.dumps(payload or {}, separators=(",", ":"), ensure_ascii=False)
    # Past every act this door has written or heard of, whatever its wall clock says (`at`).
    stamp = hlc.tick(clock(conn), hlc.ms_of_iso(at))
    set_clock(conn, stamp)
    cur = conn.execute(
        "INSERT INTO journal (device_id, seq, op, verdict, ticket_id, provider, event_remote_id, ticket_remote_id,"
        " code, door, payload, at, nonce, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (device_id, seq, op, verdict, ticket_id, ref["provider"] if ref else None,
         ref["event_remote_id"] if ref else None, ref["remote_id"] if ref else None, code, door, body, at, nonce, stamp),
    )
    return JournalRow(cast(int, cur.lastrowid), device_id, seq, op, verdict, ticket_id,
                      ref["provider"] if ref else None, ref["event_remote_id"] if ref else None,
                      ref["remote_id"] if ref else None, code, door, payload or {}, at, nonce, stamp)


CLOCK_META_KEY = "hlc"


def clock(conn: sqlite3.Connection) -> int:
    """This door's hybrid logical clock: the highest stamp it wrote or adopted from another door."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (CLOCK_META_KEY,)).fetchone()
    return int(row[0]) if row else 0


def set_clock(conn: sqlite3.Connection, stamp: int) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (CLOCK_META_KEY, str(stamp)))


def observe_clock(conn: sqlite3.Connection, stamp: int, now: str) -> bool:
    """Hear of another door's row stamped `stamp`: this door's next act is stamped past it.

    Returns:
        False when the stamp is too far ahead of this door's wall clock to adopt (`hlc.observe`).
    """
    last = clock(conn)
    new, adopted = hlc.observe(last, stamp, hlc.ms_of_iso(now))
    if new != last:
        set_clock(conn, new)
    return adopted


def latest_admission(conn: sqlite3.Connection, ticket_id: int) -> tuple[int, str] | None:
    """(journal id, nonce) of the ticket's latest admission in replay order (the one an undo takes back), or None."""
    # A copy a door re-issued under a new device id (store.device_ids) is named by its act's first row.
    row = conn.execute(f"SELECT id, COALESCE(json_extract(payload, '$.reissues.nonce'), nonce) FROM journal"
                       f" WHERE ticket_id = ? AND {admitted_act()}"
                       " ORDER BY hlc DESC, device_id DESC, seq DESC LIMIT 1",
                       (ticket_id,)).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def history(conn: sqlite3.Connection, ticket_id: int) -> list[JournalRow]:
    """Every act on one ticket, oldest first (the supervisor's scan history)."""
    rows = conn.execute("SELECT * FROM journal WHERE ticket_id = ? ORDER BY hlc, device_id, seq", (ticket_id,)).fetchall()
    return [JournalRow.from_row(r) for r in rows]


def recent(conn: sqlite3.Connection, limit: int = 20, ops: tuple[str, ...] = (Op.SCAN, Op.FORCE, Op.EXIT)) -> list[JournalRow]:
    marks = ",".join("?" * len(ops))
    rows = conn.execute(f"SELECT * FROM journal WHERE op IN ({marks}) ORDER BY id DESC LIMIT ?", (*ops, limit)).fetchall()
    return [JournalRow.from_row(r) for r in rows]


# Derived state. Each runs in the same transaction as the journal row that justifies it.

def mark_admitted(conn: sqlite3.Connection, ticket_id: int, at: str, device: str, door: str | None, count: int = 1) -> None:
    conn.execute(
        """UPDATE tickets SET
             checked_in_device = CASE WHEN checked_in_at IS NULL THEN ? ELSE checked_in_device END,
             checked_in_door = CASE WHEN checked_in_at IS NULL THEN ? ELSE checked_in_door END,
             checked_in_at = COALESCE(checked_in_at, ?),
             admitted_count = CASE WHEN kind = 'guest_list' THEN MIN(party_size, admitted_count + ?) ELSE 1 END,
             inside = 1,
             updated_at = ?
           WHERE id = ?""",
        (device, door, at, count, at, ticket_id),
    )


def mark_exited(conn: sqlite3.Connection, ticket_id: int, at: str) -> None:
    conn.execute("UPDATE tickets SET inside = 0, updated_at = ? WHERE id = ?", (at, ticket_id))


def mark_undone(conn: sqlite3.Connection, ticket_id: int, at: str) -> None:
    """Take back one admission; the ticket reads as never checked in once none is left."""
    conn.execute(
        """UPDATE tickets SET
             admitted_count = MAX(0, admitted_count - 1),
             inside = CASE WHEN admitted_count - 1 > 0 THEN inside ELSE 0 END,
             checked_in_at = CASE WHEN admitted_count - 1 > 0 THEN checked_in_at END,
             checked_in_device = CASE WHEN admitted_count - 1 > 0 THEN checked_in_device END,
             checked_in_door = CASE WHEN admitted_count - 1 > 0 THEN checked_in_door END,
             updated_at = ?
           WHERE id = ?""",
        (at, ticket_id),
    )


def mark_note(conn: sqlite3.Connection, ticket_id: int, text: str | None, at: str) -> None:
    conn.execute("UPDATE tickets SET note = ?, updated_at = ? WHERE id = ?", (text, at, ticket_id))


def mark_held(conn: sqlite3.Connection, ticket_id: int, nonce: str | None, at: str) -> None:
    """An admission waiting for staff (its nonce), or None once confirmed or denied."""
    conn.execute("UPDATE tickets SET held_by = ?, updated_at = ? WHERE id = ?", (nonce, at, ticket_id))


def held_admission(conn: sqlite3.Connection, ticket_id: int) -> JournalRow | None:
    """The admission of this ticket that waits for staff to confirm or deny, or None."""
    row = conn.execute("SELECT j.* FROM tickets t JOIN journal j ON j.nonce = t.held_by WHERE t.id = ?",
                       (ticket_id,)).fetchone()
    return JournalRow.from_row(row) if row else None


def mark_void(conn: sqlite3.Connection, ticket_id: int, at: str, reason: str | None) -> None:
    """A supervisor's void: kept apart from the provider's word (see `store.tickets._effective`)."""
    conn.execute("UPDATE tickets SET local_void_at = COALESCE(local_void_at, ?), local_void_reason = ? WHERE id = ?",
                 (at, reason, ticket_id))
    tickets.settle(conn, ticket_id, at)


def mark_unvoid(conn: sqlite3.Connection, ticket_id: int, at: str) -> None:
    """Take back a supervisor's void; the ticket is what the provider says it is."""
    conn.execute("UPDATE tickets SET local_void_at = NULL, local_void_reason = NULL WHERE id = ?", (ticket_id,))
    tickets.settle(conn, ticket_id, at)


def acts_pushed_as(conn: sqlite3.Connection, remote_refs: list[str]) -> dict[str, dict[str, Any]]:
    """The local acts that reached the provider as these remote records (a check-in's id), by ref.

    A door's own check-in comes back on the next pull as the provider's record; this says which
    door's act it was (from the replicated 'pushed' markers).
    """
    if not remote_refs:
        return {}
    marks = ",".join("?" * len(remote_refs))
    rows = conn.execute(
        "SELECT json_extract(p.payload, '$.remote_ref') AS ref, a.at, a.door, a.device_id, a.seq FROM journal p"
        f" JOIN journal a ON a.nonce = json_extract(p.payload, '$.act')"
        f" WHERE p.op = 'pushed' AND json_extract(p.payload, '$.remote_ref') IN ({marks})", remote_refs,
    ).fetchall()
    return {r["ref"]: {"at": r["at"], "door": r["door"], "device": r["device_id"], "seq": r["seq"]} for r in rows}
