"""Journal replication between doors of one venue: serve rows by cursor, apply other doors' rows.

Every door holds, for each origin device, a gap-free prefix of that device's journal: rows are
served and applied in `seq` order, and a row is applied only when it is the next one expected, so
the cursor of a device is simply the highest `seq` held for it (`heads`). Applying a row twice
changes nothing ((device_id, seq) and the nonce are unique).

Local ticket ids differ per door, so a row names its ticket by (provider, ticket_remote_id) or by
(event_remote_id, code); a walk-up issued at another door creates the ticket here. The derived
door state of a ticket touched by another door is recomputed from all its journal rows in one
deterministic order (`at`, then device_id, then seq), so every door ends in the same state
whatever order the rows arrived in. Replaying also finds what doors that could not see each
other did twice: double admissions and admissions on either side of a void become conflicts.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Callable

from checkin_app.store import outbox, tickets
from checkin_app.store.journal import Op

PUSHED = "pushed"  # journal op: an act (payload.act = its nonce) reached the provider from some door

WIRE_COLUMNS = ("device_id", "seq", "op", "verdict", "provider", "event_remote_id", "ticket_remote_id", "code",
                "door", "payload", "at", "nonce")


@dataclass
class ApplyReport:
    applied: int = 0
    duplicates: int = 0
    gaps: int = 0  # rows held back because an earlier row of their device is missing here
    tickets: set[int] = field(default_factory=set)
    conflicts: list[int] = field(default_factory=list)
    new_acts: int = 0  # acts queued for a provider push


# -- serving ---------------------------------------------------------------------------------

def heads(conn: sqlite3.Connection) -> dict[str, int]:
    """The highest seq held for each origin device: this door's replication cursor."""
    return {r[0]: r[1] for r in conn.execute("SELECT device_id, MAX(seq) FROM journal GROUP BY device_id")}


def rows_after(conn: sqlite3.Connection, after: dict[str, int], limit: int = 500) -> list[dict]:
    """Rows this door holds beyond `after` (origin device -> seq), every origin device, `seq` order.

    Args:
        conn: any connection.
        after: the caller's heads; devices it does not name are served from their first row.
        limit: most rows in one answer (the caller asks again while there are more).

    Returns:
        Wire rows (`WIRE_COLUMNS`, payload decoded), each device's rows contiguous and ascending.
    """
    out: list[dict] = []
    for device, head in sorted(heads(conn).items()):
        have = int(after.get(device, 0))
        if head <= have or len(out) >= limit:
            continue
        rows = conn.execute(
            f"SELECT {', '.join(WIRE_COLUMNS)} FROM journal WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (device, have, limit - len(out)),
        ).fetchall()
        out.extend(dict(r, payload=json.loads(r["payload"])) for r in rows)
    return out


def lag(mine: dict[str, int], theirs: dict[str, int]) -> tuple[int, int]:
    """(rows they have that I lack, rows I have that they lack)."""
    behind = sum(max(0, seq - mine.get(d, 0)) for d, seq in theirs.items())
    ahead = sum(max(0, seq - theirs.get(d, 0)) for d, seq in mine.items())
    return behind, ahead


# -- applying --------------------------------------------------------------------------------

def act_action(op: str, verdict: str | None, payload: dict) -> str | None:
    """The provider action a journal act asks for ("checkin", "void", "issue"), or None."""
    if op in (Op.SCAN, Op.FORCE) and verdict in ("admitted", "forced") and not payload.get("reentry"):
        return "checkin"
    if op == Op.VOID:
        return "void"
    if op == Op.ISSUE:
        return "issue"
    return None


def apply_rows(conn: sqlite3.Connection, rows: list[dict], *, own_device: str, pushes: Callable[[str, str], bool],
               now: str, push_not_before: Callable[[str], str] | None = None) -> ApplyReport:
    """Apply rows from another door. Call inside a transaction.

    Args:
        conn: a connection inside `Database.transaction()`.
        rows: wire rows (any order, duplicates allowed).
        own_device: this door's device id (its own rows coming back by gossip are skipped).
        pushes: `registry.pushes(provider, action)`: whether an act goes to the provider.
        now: the time written on derived state and queued pushes.
        push_not_before: when this door may first push another door's act (given the act's `at`),
            leaving the origin door a moment to push it itself; None pushes at once.

    Returns:
        What was applied, and the conflicts the new rows revealed.
    """
    report = ApplyReport()
    held = heads(conn)
    blocked: set[str] = set()
    for row in sorted(rows, key=lambda r: (r["device_id"], int(r["seq"]))):
        device, seq = row["device_id"], int(row["seq"])
        if device == own_device or seq <= held.get(device, 0):
            report.duplicates += 1
            continue
        if device in blocked or seq != held.get(device, 0) + 1:
            blocked.add(device)  # keep the prefix gap-free: the missing row comes first next time
            report.gaps += 1
            continue
        payload = row.get("payload") or {}
        ticket_id = resolve_ticket(conn, row["provider"], row["event_remote_id"], row["ticket_remote_id"], row["code"])
        if ticket_id is None and row["op"] == Op.ISSUE and row["event_remote_id"]:
            ticket_id = _create_walkup(conn, row, payload, now)
        cur = conn.execute(
            "INSERT OR IGNORE INTO journal (device_id, seq, op, verdict, ticket_id, provider, event_remote_id,"
            " ticket_remote_id, code, door, payload, at, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (device, seq, row["op"], row["verdict"], ticket_id, row["provider"], row["event_remote_id"],
             row["ticket_remote_id"], row["code"], row["door"], json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
             row["at"], row["nonce"]),
        )
        held[device] = seq
        if not cur.rowcount:  # the same nonce under another key: never apply an act twice
            report.duplicates += 1
            continue
        report.applied += 1
        if row["op"] == PUSHED:
            mark_pushed(conn, payload.get("act"), payload.get("remote_ref"), now)
            continue
        if ticket_id is None:
            continue
        report.tickets.add(ticket_id)
        action = act_action(row["op"], row["verdict"], payload)
        if action and not was_pushed(conn, row["nonce"]):
            when = push_not_before(row["at"]) if push_not_before else None
            if outbox.enqueue_for_ticket(conn, cur.lastrowid, ticket_id, action, pushes,
                                         next_try_at=when if when and when > now else None):
                report.new_acts += 1
    for ticket_id in sorted(report.tickets):
        report.conflicts += recompute(conn, ticket_id, now)
    return report


def resolve_ticket(conn: sqlite3.Connection, provider: str | None, event_remote_id: str | None,
                   ticket_remote_id: str | None, code: str | None) -> int | None:
    """This door's ticket id for another door's reference, or None when it is not known here."""
    if provider and ticket_remote_id:
        row = conn.execute("SELECT id FROM tickets WHERE provider = ? AND remote_id = ?",
                           (provider, ticket_remote_id)).fetchone()
        if row:
            return row[0]
    if event_remote_id and code:
        row = conn.execute(
            "SELECT t.id FROM tickets t JOIN events e ON e.id = t.event_id WHERE e.remote_id = ?"
            " AND (? IS NULL OR e.provider = ?) AND t.code = ?",
            (event_remote_id, provider, provider, code),
        ).fetchone()
        if row:
            return row[0]
    return None


def _create_walkup(conn: sqlite3.Connection, row: dict, payload: dict, now: str) -> int:
    provider = row["provider"] or "local"
    event_id = tickets.event_id_or_placeholder(conn, provider, row["event_remote_id"], now)
    last_id = tickets.max_ticket_id(conn)
    cur = conn.execute(
        "INSERT INTO tickets (event_id, provider, code, holder_name, email, ticket_type, status, kind, source, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'valid', 'admission', 'local', ?)",
        (event_id, provider, row["code"], payload.get("name"), payload.get("email"),
         payload.get("ticket_type") or "Walk-up", now),
    )
    tickets.index_new_tickets(conn, last_id)
    return cur.lastrowid


def link_orphans(conn: sqlite3.Connection, now: str) -> list[int]:
    """Link rows that arrived before their ticket was known here; recompute those tickets.

    Returns:
        Conflicts the newly linked rows revealed.
    """
    found: list[int] = []
    orphans = conn.execute(
        "SELECT id, provider, event_remote_id, ticket_remote_id, code FROM journal"
        " WHERE ticket_id IS NULL AND event_remote_id IS NOT NULL"
    ).fetchall()
    touched = set()
    for r in orphans:
        ticket_id = resolve_ticket(conn, r["provider"], r["event_remote_id"], r["ticket_remote_id"], r["code"])
        if ticket_id is not None:
            conn.execute("UPDATE journal SET ticket_id = ? WHERE id = ?", (ticket_id, r["id"]))
            touched.add(ticket_id)
    for ticket_id in sorted(touched):
        found += recompute(conn, ticket_id, now)
    return found


# -- pushes done by any door -----------------------------------------------------------------

def was_pushed(conn: sqlite3.Connection, nonce: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM journal WHERE op = 'pushed' AND json_extract(payload, '$.act') = ?", (nonce,)
    ).fetchone() is not None


def mark_pushed(conn: sqlite3.Connection, nonce: str | None, remote_ref: str | None, now: str) -> None:
    """Another door pushed this act: this door's outbox row for it is done too."""
    if not nonce:
        return
    conn.execute(
        "UPDATE outbox SET state = 'done', error = NULL, next_try_at = NULL, remote_ref = COALESCE(?, remote_ref),"
        " updated_at = ? WHERE state != 'done' AND journal_id = (SELECT id FROM journal WHERE nonce = ?)",
        (remote_ref, now, nonce),
    )


# -- derived state ---------------------------------------------------------------------------

def has_foreign_rows(conn: sqlite3.Connection, ticket_id: int, own_device: str) -> bool:
    return conn.execute("SELECT 1 FROM journal WHERE ticket_id = ? AND device_id != ? LIMIT 1",
                        (ticket_id, own_device)).fetchone() is not None


def _admits(r) -> bool:
    return (r["op"] == Op.SCAN and r["verdict"] == "admitted") or (r["op"] == Op.FORCE and r["verdict"] == "forced")


def _who(r) -> dict:
    return {"at": r["at"], "door": r["door"], "device": r["device_id"], "seq": r["seq"]}


def recompute(conn: sqlite3.Connection, ticket_id: int, now: str) -> list[int]:
    """Rebuild a ticket's door state from its journal rows, ordered by (at, device_id, seq).

    The starting point is what the provider said (an upstream check-in, an upstream void); the
    journal's acts are replayed on top with the same rules as `journal.mark_*`. Admissions that
    an undo took back lose their pending push here too.

    Returns:
        Ids of conflicts recorded for the first time.
    """
    t = conn.execute(
        "SELECT kind, party_size, checked_in_at, checked_in_device, checked_in_door, admitted_count,"
        " inside FROM tickets WHERE id = ?", (ticket_id,),
    ).fetchone()
    if t is None:
        return []
    upstream = t["checked_in_device"] == tickets.UPSTREAM_DEVICE
    count = t["admitted_count"] if upstream else 0
    inside = t["inside"] if upstream else 0
    first = (t["checked_in_at"], t["checked_in_device"], t["checked_in_door"]) if upstream else None
    cap = t["party_size"] if t["kind"] == "guest_list" else 1
    # A supervisor's void is the replay of void and un-void rows; the provider's word is kept apart.
    local_void_at = local_void_reason = None
    admissions: list = []  # admissions not taken back, newest last (what an undo cancels)
    cancelled: list[int] = []
    void_row = None
    found: list[int] = []
    rows = conn.execute("SELECT * FROM journal WHERE ticket_id = ? ORDER BY at, device_id, seq", (ticket_id,)).fetchall()
    for r in rows:
        if _admits(r):
            previous = admissions[-1] if admissions else None
            full = count >= cap if t["kind"] == "guest_list" else bool(inside)
            if full and previous is not None and previous["device_id"] != r["device_id"] and r["op"] == Op.SCAN:
                found += _conflict(conn, "double_admission", ticket_id, previous, r)
            if void_row is not None and void_row["device_id"] != r["device_id"] and r["op"] == Op.SCAN:
                found += _conflict(conn, "admission_after_void", ticket_id, void_row, r)
            if count == 0:
                first = (r["at"], r["device_id"], r["door"])
            count = min(cap, count + 1)
            inside = 1
            admissions.append(r)
        elif r["op"] == Op.EXIT:
            inside = 0
        elif r["op"] == Op.UNDO:
            # The admission the undo names (by nonce) wherever it sorts, else the latest one.
            named = json.loads(r["payload"]).get("undoes_nonce")
            target = next((a for a in admissions if a["nonce"] == named), admissions[-1] if admissions else None)
            if target is not None:
                admissions.remove(target)
                cancelled.append(target["id"])
            # An admission ticket stays checked in while another door's admission stands.
            count = max(0, count - 1) if t["kind"] == "guest_list" else (1 if admissions else 0)
            if count == 0:
                inside, first = 0, None
            elif target is not None and first and (target["at"], target["device_id"]) == first[:2] and admissions:
                first = (admissions[0]["at"], admissions[0]["device_id"], admissions[0]["door"])
        elif r["op"] == Op.VOID:
            if void_row is None:
                void_row = r
                for a in admissions:
                    if a["device_id"] != r["device_id"]:
                        found += _conflict(conn, "void_after_admission", ticket_id, a, r)
            if local_void_at is None:
                local_void_at = r["at"]
            local_void_reason = json.loads(r["payload"]).get("reason")
        elif r["op"] == Op.UNVOID:
            void_row, local_void_at, local_void_reason = None, None, None
    at, device, door = first if first else (None, None, None)
    conn.execute(
        "UPDATE tickets SET local_void_at = ?, local_void_reason = ?, checked_in_at = ?, checked_in_device = ?,"
        " checked_in_door = ?, admitted_count = ?, inside = ?, updated_at = ? WHERE id = ?",
        (local_void_at, local_void_reason, at, device, door, count, inside, now, ticket_id),
    )
    tickets.settle(conn, ticket_id, now)
    if cancelled:
        marks = ",".join("?" * len(cancelled))
        conn.execute(
            f"UPDATE outbox SET state = 'done', error = 'cancelled by undo before it was sent', updated_at = ?"
            f" WHERE journal_id IN ({marks}) AND state = 'pending' AND attempts = 0", (now, *cancelled),
        )
    return found


def _conflict(conn: sqlite3.Connection, kind: str, ticket_id: int, first, second) -> list[int]:
    conflict = tickets.record_conflict(conn, kind, ticket_id, {"first": _who(first), "second": _who(second)},
                                       journal_a=first["id"], journal_b=second["id"])
    return [conflict] if conflict else []

