"""Journal replication between doors of one venue: serve rows by cursor, apply other doors' rows.

Every door holds, for each origin device, a gap-free prefix of that device's journal: rows are
served and applied in `seq` order, and a row is applied only when it is the next one expected, so
the cursor of a device is simply the highest `seq` held for it (`heads`). Applying a row twice
changes nothing ((device_id, seq) and the nonce are unique).

Local ticket ids differ per door, so a row names its ticket by (provider, ticket_remote_id) or by
(event_remote_id, code); a walk-up issued at another door creates the ticket here. The derived
door state of a ticket touched by another door is recomputed from all its journal rows in one
deterministic order (hybrid logical clock `hlc`, then device_id, then seq), so every door ends in the same state
whatever order the rows arrived in. Replaying also finds what doors that could not see each
other did twice: double admissions and admissions on either side of a void become conflicts.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, cast

from checkin_app.domain import hlc
from checkin_app.domain.models import UPSTREAM_DEVICE, ConflictKind
from checkin_app.store import checkin_lists, conflicts, device_ids, incidents, journal, outbox, tickets
from checkin_app.store.db import environmental
from checkin_app.store.journal import Op

log = logging.getLogger(__name__)

PUSHED = "pushed"  # journal op: an act (payload.act = its nonce) reached the provider from some door
FORGED_ROW = ConflictKind.FORGED_ROW  # two versions of one (device_id, seq)
ALARM = "alarm"  # journal op: this door saw two versions of a row (payload: kind, device, seq, versions)

MAX_SEQ = 2 ** 62
MAX_ROW_BYTES = 16_384  # a row's JSON; real rows are ~300 bytes (a walk-up's name and e-mail included)
MAX_KEPT_BYTES = 16_384  # a quarantined row beyond this is kept truncated (a real row is ~300 bytes)
MAX_UNSLOTTED_KEPT = 2_000  # rows kept without a slot (junk, second versions); more are only counted
DROPPED_META_KEY = "replica_quarantine_dropped"
MAX_PAGE_BYTES = 1_000_000  # one answer's rows, served; well below a client's MAX_ANSWER_BYTES
ROW_OVERHEAD = 300  # a row's text besides its payload (columns and their names)

WIRE_COLUMNS = ("device_id", "seq", "op", "verdict", "provider", "event_remote_id", "ticket_remote_id", "code",
                "door", "payload", "at", "nonce", "hlc")


@dataclass
class ApplyReport:
    applied: int = 0
    duplicates: int = 0
    gaps: int = 0  # rows held back because an earlier row of their device is missing here
    tickets: set[int] = field(default_factory=set)
    conflicts: list[int] = field(default_factory=list)
    new_acts: int = 0  # acts queued for a provider push
    quarantined: int = 0  # rows kept aside with their reason (replica_quarantine)
    alarms: int = 0  # second versions of a held (device_id, seq): forged_row conflicts
    renamed: str | None = None  # this door took this new device id (another data dir writes under its old one)
    settled: int = 0  # tickets whose conflicts between doors were resolved or removed by these rows


# -- serving ---------------------------------------------------------------------------------

def heads(conn: sqlite3.Connection) -> dict[str, int]:
    """The highest seq held for each origin device: this door's replication cursor.

    A quarantined row that owns its slot counts as held: the device's later rows still apply.
    Read from `replica_heads`, which triggers keep in the same transaction as each journal or
    quarantine-slot insert (migration 7): a few rows, not a scan of the journal.
    """
    return {r[0]: r[1] for r in conn.execute("SELECT device_id, seq FROM replica_heads")}


def heads_from_journal(conn: sqlite3.Connection) -> dict[str, int]:
    """`heads` computed the slow way, from every journal and quarantine-slot row: the truth the
    maintained table must equal (tests), and the baseline of its benchmark figure."""
    out = {r[0]: r[1] for r in conn.execute("SELECT device_id, MAX(seq) FROM journal GROUP BY device_id")}
    for device, seq in conn.execute(
            "SELECT device_id, MAX(seq) FROM replica_quarantine WHERE slot = 1 GROUP BY device_id"):
        out[device] = max(seq, out.get(device, 0))
    return out


def rows_after(conn: sqlite3.Connection, after: dict[str, int], limit: int = 500,
               max_bytes: int = MAX_PAGE_BYTES, exclude: str | None = None) -> list[dict[str, Any]]:
    """Rows this door holds beyond `after` (origin device -> seq), every origin device, `seq` order.

    Args:
        conn: any connection.
        after: the caller's heads; devices it does not name are served from their first row.
        limit: most rows in one answer (the caller asks again while there are more).
        max_bytes: stop adding rows once their text passes this (at least one row is served), so
            an answer stays far below what a client accepts (`MAX_ANSWER_BYTES`).
        exclude: the asking door's device id: its own rows are never echoed back to it (it
            wrote them, and would only skip them; issue 18).

    Returns:
        Wire rows (`WIRE_COLUMNS`, payload decoded), each device's rows contiguous and ascending.
        Quarantined rows are served in their slot as they came, so the next door holds the same
        prefix and quarantines them too.
    """
    out: list[dict[str, Any]] = []
    size = 0
    for device, head in sorted(heads(conn).items()):
        have = int(after.get(device, 0))
        if device == exclude or head <= have or len(out) >= limit or size >= max_bytes:
            continue
        want = limit - len(out)
        found = [(r["seq"], len(r["payload"]), dict(r, payload=_decoded(r["payload"]), hlc=stamp(r))) for r in conn.execute(
            f"SELECT {', '.join(WIRE_COLUMNS)} FROM journal WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (device, have, want))]
        found += [(r["seq"], len(r["raw"]), _decoded(r["raw"], {"device_id": device, "seq": r["seq"]}))
                  for r in conn.execute("SELECT seq, raw FROM replica_quarantine WHERE slot = 1 AND device_id = ?"
                                        " AND seq > ? ORDER BY seq LIMIT ?", (device, have, want))]
        found.sort(key=lambda f: f[0])
        for _, length, row in found[:want]:
            if out and size + length + ROW_OVERHEAD > max_bytes:
                break
            out.append(row)
            size += length + ROW_OVERHEAD
    return out


def stamp(r: Any) -> int:
    """A stored row's hybrid logical clock stamp; one derived from its `at` for a row stored without one
    (only a database written outside this code holds such a row: migration 6 stamped the old ones)."""
    if r["hlc"] is not None:
        return cast(int, r["hlc"])
    try:
        return hlc.from_iso(r["at"])
    except (TypeError, ValueError, OverflowError):
        return 0


def _decoded(text: str, fallback: Any = None) -> Any:
    try:
        return json.loads(text)
    except ValueError:  # a row quarantined because it was too big to keep whole
        return fallback if fallback is not None else {}


def lag(mine: dict[str, int], theirs: dict[str, int]) -> tuple[int, int]:
    """(rows they have that I lack, rows I have that they lack)."""
    behind = sum(max(0, _int(seq) - mine.get(d, 0)) for d, seq in theirs.items())
    ahead = sum(max(0, seq - _int(theirs.get(d, 0))) for d, seq in mine.items())
    return behind, ahead


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# -- checking a row before it is applied ------------------------------------------------------

_DEVICE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_OP = re.compile(r"[a-z][a-z_]{0,31}")
_TEXT_COLUMNS = {"verdict": 32, "provider": 64, "event_remote_id": 256, "ticket_remote_id": 256, "code": 512,
                 "door": 128}
# Payload fields some code reads, and the types it can read. Other fields travel as they are, so a
# newer door's ops and fields flow through (and are stored) without this door knowing them.
_PAYLOAD_TYPES: dict[str, tuple[type, ...]] = {
    "message": (str,), "mode": (str,), "reason": (str,), "reentry": (bool,), "undoes": (int, type(None)),
    "undoes_nonce": (str, type(None)), "name": (str, type(None)), "email": (str, type(None)),
    "ticket_type": (str, type(None)), "act": (str,), "remote_ref": (str, int, type(None)),
    "kind": (str,), "device": (str,), "seq": (int,), "versions": (list,), "conflict": (dict,), "reissues": (dict,),
    "text": (str, type(None)), "of": (str,), "hold": (bool,), "attention": (list,),
    # An admission or exit on a check-in list (store/checkin_lists.py replays stays from them).
    "list": (str,), "area": (str,), "counted": (bool,), "leaves_at": (str, type(None)),
}


def row_slot(row: Any) -> tuple[str, int] | None:
    """(device_id, seq) of a wire row, or None when it names none: the place it takes in its device's journal."""
    if not isinstance(row, dict):
        return None
    device, seq = row.get("device_id"), row.get("seq")
    if not (isinstance(device, str) and _DEVICE.fullmatch(device)):
        return None
    if not (isinstance(seq, int) and not isinstance(seq, bool) and 0 < seq < MAX_SEQ):
        return None
    return device, seq


def row_problem(row: dict[str, Any]) -> str | None:
    """Why a wire row (that has a slot) cannot be applied here, or None when it can."""
    op = row.get("op")
    if not (isinstance(op, str) and _OP.fullmatch(op)):
        return f"op {_show(op)} is not an operation name"
    for column, longest in _TEXT_COLUMNS.items():
        value = row.get(column)
        if value is not None and not (isinstance(value, str) and len(value) <= longest):
            return f"{column} {_show(value)} is not text of at most {longest} characters"
    at = row.get("at")
    if not (isinstance(at, str) and len(at) <= 40 and _aware(at)):
        return f"at {_show(at)} is not a time with a zone"
    if not hlc.valid(row.get("hlc")):
        return f"hlc {_show(row.get('hlc'))} is not a hybrid logical clock stamp"
    nonce = row.get("nonce")
    if not (isinstance(nonce, str) and 0 < len(nonce) <= 128 and nonce.isascii() and nonce.isprintable()):
        return f"nonce {_show(nonce)} is not a nonce"
    payload = row.get("payload")
    if payload is not None and not isinstance(payload, dict):
        return f"payload {_show(payload)} is not an object"
    for name, value in (payload or {}).items():
        kinds = _PAYLOAD_TYPES.get(name)
        if kinds and (not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)):
            return f"payload.{name} {_show(value)} has the wrong type"
    if op == PUSHED and not isinstance((payload or {}).get("act"), str):
        return "a 'pushed' row names no act"
    try:
        text = json.dumps(row, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except ValueError as exc:  # NaN/Infinity, lone surrogates (UnicodeEncodeError is a ValueError)
        return f"not storable as UTF-8 JSON ({type(exc).__name__})"
    if len(text) > MAX_ROW_BYTES:
        return f"{len(text)} bytes; a row has at most {MAX_ROW_BYTES}"
    return None


def _aware(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _canonical(row: Any) -> str:
    """A row's content as one comparable text (payload None and {} are the same row)."""
    if isinstance(row, dict):
        row = {k: (row.get(k) if k != "payload" else row.get(k) or {}) for k in WIRE_COLUMNS}
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=repr)


# -- applying --------------------------------------------------------------------------------

def act_action(op: str, verdict: str | None, payload: dict[str, Any]) -> str | None:
    """The provider action a journal act asks for ("checkin", "void", "issue"), or None."""
    if journal.admits(op, verdict) and not payload.get("reentry"):
        return "checkin"
    if op == Op.VOID:
        return "void"
    if op == Op.ISSUE:
        return "issue"
    return None


def apply_rows(conn: sqlite3.Connection, rows: list[Any], *, own_device: str, pushes: Callable[[str, str], bool],
               now: str, push_not_before: Callable[[str], str] | None = None, source: str | None = None) -> ApplyReport:
    """Apply rows from another door, one by one. Call inside a transaction.

    A row that cannot be applied (malformed, or one this code fails on) is quarantined with its
    reason and the rest of the rows still apply; a row that differs from the one already held
    for its (device_id, seq) raises a `forged_row` alarm (see `_diverging`).

    Args:
        conn: a connection inside `Database.transaction()`.
        rows: wire rows (any order, duplicates allowed, anything at all from the network).
        own_device: this door's device id (its own rows coming back by gossip are skipped).
        pushes: `registry.pushes(provider, action)`: whether an act goes to the provider.
        now: the time written on derived state and queued pushes.
        push_not_before: when this door may first push another door's act (given the act's `at`),
            leaving the origin door a moment to push it itself; None pushes at once.
        source: where the rows came from (a peer's URL), kept with quarantined rows and alarms.

    Returns:
        What was applied, quarantined and alarmed, and the conflicts the new rows revealed.

    Raises:
        sqlite3.OperationalError: the database failed (locked, full): nothing of this call stays.
    """
    report = ApplyReport()
    held = heads(conn)
    contested = device_ids.contested_ids(conn)  # this door's old ids that came in two versions
    blocked: set[str] = set()
    placed = []

    def keep(row: Any, reason: str, slot: tuple[str, int] | None = None) -> bool:
        new = _quarantine(conn, row, reason, source, now, slot)
        report.quarantined += new
        report.duplicates += 1 - new  # kept already (the same row twice)
        return bool(new)

    for row in rows if isinstance(rows, list) else [rows]:
        slot = row_slot(row)
        if slot is None:
            keep(row, "names no device_id and seq")
        else:
            placed.append((slot, row))
    for (device, seq), row in sorted(placed, key=lambda p: p[0]):
        if device == own_device or device in contested or seq <= held.get(device, 0):
            if _same_as_held(conn, device, seq, row):
                report.duplicates += 1
            elif keep(row, f"another version of {device} #{seq} is already held here"):
                if device == own_device:  # another data dir writes in this door's name: a copy of it
                    report.renamed = device_ids.take_new_id(
                        conn, f"{source or 'another door'} served row #{seq} in this door's name that this door "
                              "never wrote (its data dir was copied)", now) or report.renamed
                    own_device = report.renamed or own_device
                    contested.add(device)
                _diverging(conn, device, seq, row, own_device, source, now, report)
            continue
        if device in blocked or seq != held.get(device, 0) + 1:
            blocked.add(device)  # keep the prefix gap-free: the missing row comes first next time
            report.gaps += 1
            continue
        held[device] = seq
        problem = row_problem(row)
        if problem is None:
            taken = conn.execute("SELECT device_id, seq FROM journal WHERE nonce = ?", (row["nonce"],)).fetchone()
            if taken is not None:  # the same act under another key: never apply an act twice
                if keep(row, f"its nonce is already held by {taken[0]} #{taken[1]}", (device, seq)):
                    _diverging(conn, taken[0], taken[1], row, own_device, source, now, report, copied_nonce=True)
                continue
            problem = _guarded(conn, "replica_row",
                               lambda: _apply_one(conn, row, report, pushes, now, push_not_before, own_device))  # noqa: B023 (called at once, in this iteration)
            own_device = report.renamed or own_device  # an alarm about this door's rows: it took a new id
        if problem is not None:
            keep(row, problem, (device, seq))
    for ticket_id in sorted(report.tickets):
        report.conflicts += _recompute_guarded(conn, ticket_id, now, source, report)
    return report


def _guarded(conn: sqlite3.Connection, name: str, work: Callable[[], None]) -> str | None:
    """Run `work` inside a savepoint; on a failure that is not the machine's, undo it and say why.

    A bug or a row this code cannot handle costs that row (quarantined, logged with its
    traceback), never the page, the thread or the door's replication.
    """
    problem: Exception
    conn.execute(f"SAVEPOINT {name}")
    try:
        work()
    except sqlite3.OperationalError as exc:
        if environmental(exc):
            raise
        problem = exc
    except Exception as exc:  # noqa: BLE001 - whatever a hostile row triggers, it stays with that row
        problem = exc
    else:
        conn.execute(f"RELEASE {name}")
        return None
    conn.execute(f"ROLLBACK TO {name}")
    conn.execute(f"RELEASE {name}")
    log.error("a replicated row could not be applied", exc_info=problem)
    return f"could not be applied ({type(problem).__name__}: {str(problem)[:200]})"


def _apply_one(conn: sqlite3.Connection, row: dict[str, Any], report: ApplyReport, pushes: Callable[[str, str], bool], now: str, push_not_before: Callable[[str], str] | None,
               own_device: str) -> None:
    payload = row.get("payload") or {}
    ticket_id = resolve_ticket(conn, row.get("provider"), row.get("event_remote_id"), row.get("ticket_remote_id"),
                               row.get("code"))
    if ticket_id is None and row["op"] == Op.ISSUE and row.get("event_remote_id"):
        ticket_id = _create_walkup(conn, row, payload, now)
    cur = conn.execute(
        "INSERT INTO journal (device_id, seq, op, verdict, ticket_id, provider, event_remote_id,"
        " ticket_remote_id, code, door, payload, at, nonce, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (row["device_id"], row["seq"], row["op"], row.get("verdict"), ticket_id, row.get("provider"),
         row.get("event_remote_id"), row.get("ticket_remote_id"), row.get("code"), row.get("door"),
         json.dumps(payload, separators=(",", ":"), ensure_ascii=False), row["at"], row["nonce"], row["hlc"]),
    )
    report.applied += 1
    _observe_clock(conn, row, now)
    if row["op"] == PUSHED:
        mark_pushed(conn, payload.get("act"), payload.get("remote_ref"), now)
        return
    if row["op"] == ALARM:
        _alarm_reported(conn, row, payload, own_device, now, report)
        return
    if row["op"] == Op.LIST_DEFINED:  # venue configuration; a payload that is no list raises: quarantined
        checkin_lists.apply_row(conn, row)
        return
    if ticket_id is None:
        return
    report.tickets.add(ticket_id)
    action = act_action(row["op"], row.get("verdict"), payload)
    if action and not was_pushed(conn, row["nonce"]) and not _copy_of_known_act(conn, payload):
        when = push_not_before(row["at"]) if push_not_before else None
        if outbox.enqueue_for_ticket(conn, cast(int, cur.lastrowid), ticket_id, action, pushes,
                                     next_try_at=when if when and when > now else None):
            report.new_acts += 1


def _observe_clock(conn: sqlite3.Connection, row: dict[str, Any], now: str) -> None:
    """This door's next act is stamped past the row, unless the row's clock is too far ahead to follow.

    Such a row still counts (dropping an act could only make a door admit twice); it is ordered by
    its own stamp, and the door it came from is named in `doors status` with how far ahead it is.
    """
    if journal.observe_clock(conn, row["hlc"], now):
        return
    ahead_ms = hlc.wall_ms(row["hlc"]) - hlc.ms_of_iso(now)
    if incidents.record(conn, incidents.CLOCK_AHEAD, row["device_id"],
                        {"door": row.get("door"), "ahead_ms": ahead_ms, "seq": row["seq"]}, now):
        log.warning("door %s (%s) stamps its rows %s of this door's clock; this door's clock does not follow"
                    " (more than %d min): set that door's clock right", row.get("door") or row["device_id"],
                    row["device_id"], hlc.skew_text(ahead_ms), hlc.MAX_AHEAD_MS // 60_000)


def _copy_of_known_act(conn: sqlite3.Connection, payload: dict[str, Any]) -> bool:
    """Whether a re-issued row (`store.device_ids`) copies an act this door holds or saw pushed: its push is that act's."""
    original = payload.get("reissues")
    nonce = original.get("nonce") if isinstance(original, dict) else None
    if not isinstance(nonce, str):
        return False
    return was_pushed(conn, nonce) or conn.execute("SELECT 1 FROM journal WHERE nonce = ?", (nonce,)).fetchone() is not None


def _recompute_guarded(conn: sqlite3.Connection, ticket_id: int, now: str, source: str | None,
                       report: ApplyReport | None = None) -> list[int]:
    found: list[int] = []
    before = conflicts.replayed_state(conn, ticket_id) if report is not None else None

    def work() -> None:
        found.extend(recompute(conn, ticket_id, now))
    problem = _guarded(conn, "replica_recompute", work)
    if report is not None and conflicts.replayed_state(conn, ticket_id) - {(i, None) for i in found} != before:
        report.settled += 1  # a conflict was resolved (or removed): the Conflicts lists must re-read
    if problem is not None:  # kept where a supervisor sees it; the ticket keeps its last state
        _quarantine(conn, {"ticket_id": ticket_id}, f"ticket state not recomputed: {problem}", source, now)
    return found


def _quarantine(conn: sqlite3.Connection, row: Any, reason: str, source: str | None, now: str,
                slot: tuple[str, int] | None = None) -> int:
    """Keep a row that cannot be applied, with its reason (once per content). Returns 1 if new."""
    if not slot and conn.execute("SELECT COUNT(*) FROM replica_quarantine WHERE slot = 0").fetchone()[0] \
            >= MAX_UNSLOTTED_KEPT:
        # Full: a key holder sending junk fills no disk. Counted, and the count is shown.
        conn.execute("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE"
                     " SET value = CAST(value AS INTEGER) + 1", (DROPPED_META_KEY,))
        return 1
    raw = _canonical_raw(row)
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    if len(raw) > MAX_KEPT_BYTES:
        raw = raw[:MAX_KEPT_BYTES]  # too big to keep whole: the start says what it was
        reason += f" (kept its first {MAX_KEPT_BYTES} bytes)"
    device, seq = slot if slot else (row_slot(row) or (None, None))
    cur = conn.execute(
        "INSERT OR IGNORE INTO replica_quarantine (device_id, seq, slot, raw, content_hash, reason, source, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (device, seq, 1 if slot else 0, raw, digest, reason, source, now),
    )
    return cur.rowcount


def _canonical_raw(row: Any) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=repr)


def _same_as_held(conn: sqlite3.Connection, device: str, seq: int, row: Any) -> bool:
    """Whether `row` is the row held for (device, seq). A row in this door's own name that it
    never wrote is not (someone wrote ahead of it in its name)."""
    held = _held(conn, device, seq)
    return held is not None and _canonical(held) == _canonical(row)


def _held(conn: sqlite3.Connection, device: str, seq: int) -> Any:
    """The row this door holds for (device, seq): a journal row's wire form, or a quarantined raw row."""
    r = conn.execute(f"SELECT id, ticket_id, {', '.join(WIRE_COLUMNS)} FROM journal WHERE device_id = ? AND seq = ?",
                     (device, seq)).fetchone()
    if r is not None:
        return {k: r[k] for k in WIRE_COLUMNS} | {"payload": _decoded(r["payload"]), "hlc": stamp(r)}
    q = conn.execute("SELECT raw FROM replica_quarantine WHERE slot = 1 AND device_id = ? AND seq = ?",
                     (device, seq)).fetchone()
    return _decoded(q["raw"], {"device_id": device, "seq": seq}) if q else None


def _diverging(conn: sqlite3.Connection, device: str, seq: int, row: Any, own_device: str, source: str | None, now: str,
               report: ApplyReport, copied_nonce: bool = False) -> None:
    """A second version of a row: an alarm, both versions kept, the second one not applied.

    Only the origin door knows which version it wrote; every other door has two claims for one
    (device_id, seq) (a key holder writing in another door's name, or a data dir cloned to a
    second laptop). So the other version is quarantined (never applied or pushed), the held
    one is not pushed from here (unless this door is its origin, which pushes its own acts),
    a `forged_row` conflict shows both versions until a supervisor resolves it, and an `alarm`
    journal row tells every other door of the venue (`_alarm_reported`). The held row keeps
    counting in the ticket's state: dropping it could only make a door admit what it refused
    (fail closed), and a key holder could otherwise undo any door's admissions by serving
    another version of them.
    """
    text = _canonical_raw(row)
    other = row if len(text) <= MAX_ROW_BYTES else {"truncated": text[:1000]}
    held = _raise_alarm(conn, device, seq, other, source, own_device, now, report,
                        journal_b=-_quarantine_id(conn, row), hold_push=not copied_nonce)
    if held is None:
        return
    versions = [_brief(_held(conn, device, seq)), _brief(other)]
    venue = conn.execute("SELECT value FROM meta WHERE key = 'venue'").fetchone()
    door = json.loads(venue[0]).get("door") if venue else None
    journal.append(conn, device_id=own_device, op=ALARM, at=now, code=held.get("code"), ticket_id=held.get("ticket_id"),
                   door=door, payload={"kind": FORGED_ROW.value, "device": device, "seq": seq, "versions": versions})


def _alarm_reported(conn: sqlite3.Connection, row: dict[str, Any], payload: dict[str, Any], own_device: str, now: str,
                    report: ApplyReport) -> None:
    """Another door saw two versions of a row: the same alarm here, and the same suspension."""
    device, seq, versions = payload.get("device"), payload.get("seq"), payload.get("versions")
    if payload.get("kind") != FORGED_ROW or row_slot({"device_id": device, "seq": seq}) is None \
            or not isinstance(versions, list):
        return  # an alarm of a kind this door does not know: kept in the journal, shown in the ticket's history
    if device == own_device and report.renamed is None:  # this door's own row, in two versions: a copied data dir
        report.renamed = device_ids.take_new_id(
            conn, f"{row.get('door') or row['device_id']} saw two versions of this door's row #{seq} (its data dir "
                  "was copied)", now)
    mine = _held(conn, cast(str, device), cast(int, seq)) or {}
    other = next((v for v in versions if isinstance(v, dict) and v.get("nonce") != mine.get("nonce")),
                 versions[-1] if versions else None)
    _raise_alarm(conn, cast(str, device), cast(int, seq), other, f"reported by {row.get('door') or row['device_id']}", own_device, now,
                 report, journal_b=conn.execute("SELECT id FROM journal WHERE nonce = ?", (row["nonce"],)).fetchone()[0])


def _raise_alarm(conn: sqlite3.Connection, device: str, seq: int, other: Any, other_from: str | None, own_device: str,
                 now: str, report: ApplyReport, journal_b: int, hold_push: bool = True) -> dict[str, Any] | None:
    """Record a forged_row conflict for (device, seq) once; unless the held row is this door's
    own (or `hold_push` is False: a copy of its nonce came later, so the held row is the
    original), its push from here is cancelled. Returns the held row (`{}` when none) if the
    alarm is new, else None."""
    if conn.execute("SELECT 1 FROM conflicts WHERE kind = ? AND resolved_at IS NULL AND json_extract(detail, '$.device') = ?"
                    " AND json_extract(detail, '$.seq') = ?", (FORGED_ROW.value, device, seq)).fetchone():
        return None
    held = conn.execute("SELECT id, ticket_id, device_id, seq, at, door, code, nonce, hlc FROM journal"
                        " WHERE device_id = ? AND seq = ?",
                        (device, seq)).fetchone()
    # A door pushes its own acts, those under the ids it had before too (`store.device_ids`).
    push_held = hold_push and held is not None and held["device_id"] != own_device \
        and held["device_id"] not in device_ids.retired_ids(conn)
    other_who = {"device": device, "seq": seq} | ({k: other.get(k) for k in ("at", "door")} if isinstance(other, dict) else {})
    detail = {"device": device, "seq": seq, "held": _held(conn, device, seq), "other": other, "other_from": other_from,
              "push_held": push_held, "first": _who(held) if held else {"device": device, "seq": seq},
              "second": other_who}
    conflict = tickets.record_conflict(conn, FORGED_ROW, held["ticket_id"] if held else None, detail,
                                       journal_a=held["id"] if held else 0, journal_b=journal_b)
    if conflict is None:
        return None
    report.alarms += 1
    report.conflicts.append(conflict)
    if push_held:
        conn.execute("UPDATE outbox SET state = 'done', error = ?, updated_at = ? WHERE journal_id = ? AND state != 'done'",
                     ("not sent: another door served a different version of this row (forged_row alarm)", now, held["id"]))
    return dict(held) if held is not None else {}


def _quarantine_id(conn: sqlite3.Connection, row: Any) -> int:
    found = conn.execute("SELECT id FROM replica_quarantine WHERE content_hash = ?",
                         (hashlib.sha256(_canonical_raw(row).encode("utf-8")).hexdigest(),)).fetchone()
    return found[0] if found else 0


def _brief(row: Any) -> dict[str, Any] | None:
    """What an alarm tells other doors about one version of a row (small: it travels as a journal row)."""
    if not isinstance(row, dict):
        return None
    return {k: (cast(str, row.get(k))[:128] if isinstance(row.get(k), str) else row.get(k))
            for k in ("op", "verdict", "code", "door", "at", "nonce")} | {"hash": hashlib.sha256(
                _canonical(row).encode("utf-8")).hexdigest()[:16]}


def resolve_ticket(conn: sqlite3.Connection, provider: str | None, event_remote_id: str | None,
                   ticket_remote_id: str | None, code: str | None) -> int | None:
    """This door's ticket id for another door's reference, or None when it is not known here."""
    if provider and ticket_remote_id:
        row = conn.execute("SELECT id FROM tickets WHERE provider = ? AND remote_id = ?",
                           (provider, ticket_remote_id)).fetchone()
        if row:
            return cast(int, row[0])
    if event_remote_id and code:
        row = conn.execute(
            "SELECT t.id FROM tickets t JOIN events e ON e.id = t.event_id WHERE e.remote_id = ?"
            " AND (? IS NULL OR e.provider = ?) AND t.code = ?",
            (event_remote_id, provider, provider, code),
        ).fetchone()
        if row:
            return cast(int, row[0])
    return None


def _create_walkup(conn: sqlite3.Connection, row: dict[str, Any], payload: dict[str, Any], now: str) -> int:
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
    return cast(int, cur.lastrowid)


def has_orphans(conn: sqlite3.Connection) -> bool:
    """Whether any row waits for its ticket (`link_orphans` has work): a read of a partial index."""
    return conn.execute("SELECT 1 FROM journal WHERE ticket_id IS NULL AND event_remote_id IS NOT NULL"
                        " LIMIT 1").fetchone() is not None


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
        found += _recompute_guarded(conn, ticket_id, now, None)
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


def _payload(r: Any) -> dict[str, Any]:
    """A stored row's payload; {} for anything but an object (rows stored before rows were checked)."""
    payload = _decoded(r["payload"])
    return payload if isinstance(payload, dict) else {}


def _who(r: Any) -> dict[str, Any]:
    return {"at": r["at"], "door": r["door"], "device": r["device_id"], "seq": r["seq"], "nonce": r["nonce"],
            "hlc": stamp(r)}


def recompute(conn: sqlite3.Connection, ticket_id: int, now: str) -> list[int]:
    """Rebuild a ticket's door state from its journal rows, ordered by (hlc, device_id, seq).

    The starting point is what the provider said (an upstream check-in, an upstream void); the
    journal's acts are replayed on top with the same rules as `journal.mark_*`. Admissions that
    an undo took back lose their pending push here too. The conflicts the replay finds replace
    the ticket's stored ones (`store.conflicts.replace_replayed`): the same rows give the same
    conflicts, named by the rows' nonces, on every door, whatever order the rows arrived in; a
    conflict a later row settled (an undo, an un-void, a supervisor's `resolve`) is resolved.

    Returns:
        Ids of conflicts recorded for the first time.
    """
    t = conn.execute(
        "SELECT kind, party_size, checked_in_at, checked_in_device, checked_in_door, admitted_count,"
        " inside FROM tickets WHERE id = ?", (ticket_id,),
    ).fetchone()
    if t is None:
        return []
    upstream = t["checked_in_device"] == UPSTREAM_DEVICE
    count = t["admitted_count"] if upstream else 0
    inside = t["inside"] if upstream else 0
    first = (t["checked_in_at"], t["checked_in_device"], t["checked_in_door"]) if upstream else None
    cap = t["party_size"] if t["kind"] == "guest_list" else 1
    # A supervisor's void is the replay of void and un-void rows; the provider's word is kept apart.
    local_void_at = local_void_reason = None
    admissions: list[Any] = []  # admissions not taken back, newest last (what an undo cancels)
    cancelled: list[int] = []
    void_row = None
    note: str | None = None  # the supervisor's note: the latest `note` row's text
    held_by: str | None = None  # the admission waiting for staff to confirm or deny
    found: list[conflicts.Replayed] = []
    rows = _acts(sorted(conn.execute("SELECT * FROM journal WHERE ticket_id = ?", (ticket_id,)),
                        key=lambda r: (stamp(r), r["device_id"], r["seq"])))
    for r in rows:
        if journal.admits(r["op"], r["verdict"]):
            previous = admissions[-1] if admissions else None
            full = count >= cap if t["kind"] == "guest_list" else bool(inside)
            if full and previous is not None and previous["device_id"] != r["device_id"] and r["op"] == Op.SCAN:
                found.append(conflicts.Replayed(ConflictKind.DOUBLE_ADMISSION, previous, r))
            if void_row is not None and void_row["device_id"] != r["device_id"] and r["op"] == Op.SCAN:
                found.append(conflicts.Replayed(ConflictKind.ADMISSION_AFTER_VOID, void_row, r))
            if count == 0:
                first = (r["at"], r["device_id"], r["door"])
            count = min(cap, count + 1)
            inside = 1
            admissions.append(r)
            held_by = r["nonce"] if _payload(r).get("hold") is True else None
        elif r["op"] == Op.NOTE:
            text = _payload(r).get("text")
            note = text if isinstance(text, str) and text.strip() else None
        elif r["op"] == Op.CONFIRM:
            if _payload(r).get("of") == held_by:
                held_by = None
        elif r["op"] == Op.EXIT:
            inside = 0
        elif r["op"] in journal.TAKES_BACK:
            # The admission the undo names (by nonce) wherever it sorts, else the latest one. A deny
            # (staff refused a held guest) takes back the admission it names the same way.
            named = _payload(r).get("undoes_nonce")
            target = next((a for a in admissions if named in _names(a)), admissions[-1] if admissions else None)
            if target is not None and target["nonce"] == held_by:
                held_by = None
            if target is not None:
                admissions.remove(target)
                cancelled.append(target["id"])
                _settles(found, r, involving=target)
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
                        found.append(conflicts.Replayed(ConflictKind.VOID_AFTER_ADMISSION, a, r))
            if local_void_at is None:
                local_void_at = r["at"]
            local_void_reason = json.loads(r["payload"]).get("reason")
        elif r["op"] == Op.UNVOID:
            if void_row is not None:
                _settles(found, r, involving=void_row)
            void_row, local_void_at, local_void_reason = None, None, None
        elif r["op"] == Op.RESOLVE:
            named = _payload(r).get("conflict") or {}
            _settles(found, r, named=named)
    at, device, door = first if first else (None, None, None)
    conn.execute(
        "UPDATE tickets SET local_void_at = ?, local_void_reason = ?, checked_in_at = ?, checked_in_device = ?,"
        " checked_in_door = ?, admitted_count = ?, inside = ?, note = ?, held_by = ?, updated_at = ? WHERE id = ?",
        (local_void_at, local_void_reason, at, device, door, count, inside, note, held_by, now, ticket_id),
    )
    tickets.settle(conn, ticket_id, now)
    checkin_lists.recompute(conn, ticket_id)  # who is inside where, from the same rows
    if cancelled:
        marks = ",".join("?" * len(cancelled))
        conn.execute(
            f"UPDATE outbox SET state = 'done', error = 'cancelled by undo before it was sent', updated_at = ?"
            f" WHERE journal_id IN ({marks}) AND state = 'pending' AND attempts = 0", (now, *cancelled),
        )
    return conflicts.replace_replayed(conn, ticket_id, found, _who)


def _settles(found: list[conflicts.Replayed], row: Any, involving: Any = None, named: Any = None) -> None:
    """`row` settles the open conflicts found so far that involve the row `involving` (an undone
    admission, an un-voided void) or that a `resolve` row's payload names (the first row to do so
    is named)."""
    for i, c in enumerate(found):
        if c.resolved_by is None and (c.names(named) if involving is None else involving in (c.first, c.second)):
            found[i] = c._replace(resolved_by=row)


def _names(row: Any) -> set[str]:
    """The nonces a row answers to: its own, and the one of the act it re-issues (a copied data dir's)."""
    reissues = _payload(row).get("reissues")
    return {row["nonce"]} | ({reissues["nonce"]} if isinstance(reissues, dict) and isinstance(reissues.get("nonce"), str)
                             else set())


def _acts(rows: list[Any]) -> list[Any]:
    """The rows in replay order, each act once: of an act's rows (its first, and copies a door that
    took a new device id re-issued, `store.device_ids`), the first row if held here, else the copy
    of the lowest (device_id, seq): the same choice on every door that holds the same rows."""
    chosen: dict[str, Any] = {}
    for r in rows:
        act = _act(r)
        best = chosen.get(act)
        if best is None or _preference(r, act) < _preference(best, act):
            chosen[act] = r
    keep = {id(r) for r in chosen.values()}
    return [r for r in rows if id(r) in keep]


def _preference(row: Any, act: str) -> tuple[bool, str, int]:
    return row["nonce"] != act, row["device_id"], row["seq"]


def _act(row: Any) -> str:
    """The nonce of the act a row records: its own, or, for a re-issued copy, the first row's."""
    return next(iter(_names(row) - {row["nonce"]}), row["nonce"])
