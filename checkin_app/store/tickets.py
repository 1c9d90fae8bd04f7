"""Events and tickets: applying provider batches and finding a code's candidates.

Applying is idempotent (upserts keyed on the provider's ids) and keeps door-side facts that a
provider page must not undo: a void anywhere wins, a known name is not replaced by a masked one,
and a check-in is never cleared by a pull.
"""
from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence, cast

from checkin_app.domain.models import (UPSTREAM_DEVICE, Batch, ConflictKind, Event, RemoteCheckin, Ticket, TicketKind,
                                       TicketStatus)
from checkin_app.domain.attention import TicketDetails
from checkin_app.domain.rules import TicketState
from checkin_app.domain.clock import utc_now
from checkin_app.store import set_aside


_EVENT_UPSERT = """
INSERT INTO events (provider, remote_id, connection_id, name, starts_at, ends_at, venue, timezone, raw, cancelled,
                    unrecognised_state, admitted, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
        -- A door that chose its events does not admit one it has never seen until someone chooses it.
        (SELECT COALESCE((SELECT value FROM meta WHERE key = 'event_scope'), 'all') != 'chosen'), ?)
ON CONFLICT (provider, remote_id) DO UPDATE SET
    connection_id = COALESCE(excluded.connection_id, events.connection_id),
    -- A payload that names the event only by its id (a deletion, a placeholder) keeps the known name;
    -- so does a name that merely starts a longer one we have (Ticketsolve's bare show name against
    -- the order's "Show - 30 Nov 2022 - 20:00/Venue"): it carries less.
    name = CASE WHEN excluded.name IN (excluded.remote_id, 'Event ' || excluded.remote_id) THEN events.name
                WHEN instr(events.name, excluded.name) = 1 THEN events.name
                ELSE excluded.name END,
    starts_at = COALESCE(excluded.starts_at, events.starts_at),
    ends_at = COALESCE(excluded.ends_at, events.ends_at),
    venue = COALESCE(excluded.venue, events.venue),
    timezone = COALESCE(excluded.timezone, events.timezone),
    raw = COALESCE(excluded.raw, events.raw),
    -- Only a full event record (raw kept) speaks for the event's state; a summary inside an order
    -- or a placeholder says nothing about it.
    cancelled = CASE WHEN excluded.raw IS NULL THEN events.cancelled ELSE excluded.cancelled END,
    unrecognised_state = CASE WHEN excluded.raw IS NULL THEN events.unrecognised_state ELSE excluded.unrecognised_state END,
    updated_at = excluded.updated_at
"""


def _effective(own: str, order: tuple[str, str, str, str, str] | None) -> str:
    """SQL assignments of a ticket's effective door state, from its parts.

    Args:
        own: how the ticket's provider-side columns are named: "excluded." in an upsert (the
            incoming values), "" in an UPDATE of stored rows.
        order: SQL for the order's (status, provider_state, void_reason, voided_at, attention), or
            None when the order is not known.

    A supervisor's void (local_void_at, from the journal) wins; then a void from the provider,
    the ticket's own before its order's; then anything unrecognised (fail closed); else valid.
    The one place these rules are written: `apply_batch`, `settle_orders` and `settle` use it.
    """
    st, state, reason, voided, attention = order or ("NULL", "NULL", "NULL", "NULL", "NULL")
    ps = f"{own}provider_status"
    return f"""
    status = CASE WHEN local_void_at IS NOT NULL OR {ps} = 'void' OR {st} = 'void' THEN 'void'
                  WHEN {ps} = 'valid' AND COALESCE({st}, 'valid') = 'valid' THEN 'valid'
                  ELSE 'unrecognised' END,
    voided_at = CASE WHEN local_void_at IS NOT NULL THEN local_void_at WHEN {ps} = 'void' THEN {own}provider_voided_at
                     WHEN {st} = 'void' THEN {voided} END,
    void_reason = CASE WHEN local_void_at IS NOT NULL THEN 'voided by supervisor: ' || COALESCE(local_void_reason, '?')
                       WHEN {ps} = 'void' THEN {own}provider_void_reason WHEN {st} = 'void' THEN {reason} END,
    provider_state = CASE WHEN {ps} = 'valid' AND {st} IS NOT NULL AND {st} != 'valid' THEN {state}
                          ELSE {own}ticket_state END,
    attention = COALESCE({own}ticket_attention, {attention})"""


# Shared by both conflict targets: a ticket known by its remote id, or (for files without ids,
# and walk-ups that were pushed) by its code within the event. The provider's word on the ticket
# is taken as it comes (a provider void is not sticky: the provider may un-void); a supervisor's
# void lives in local_void_* and is never touched here.
_TICKET_UPDATE = f"""
    holder_name = COALESCE(excluded.holder_name, tickets.holder_name),
    email = COALESCE(excluded.email, tickets.email),
    ticket_type = COALESCE(excluded.ticket_type, tickets.ticket_type),
    order_ref = COALESCE(excluded.order_ref, tickets.order_ref),
    seat = COALESCE(excluded.seat, tickets.seat),
    provider_status = excluded.provider_status,
    provider_voided_at = CASE WHEN excluded.provider_status = 'void'
                              THEN COALESCE(excluded.provider_voided_at, tickets.provider_voided_at) END,
    provider_void_reason = excluded.provider_void_reason,
    ticket_state = excluded.ticket_state,
    ticket_attention = excluded.ticket_attention,
    rotating_code = excluded.rotating_code,
    {_effective("excluded.", None)},
    kind = excluded.kind,
    party_size = excluded.party_size,
    raw = COALESCE(excluded.raw, tickets.raw),
    details = excluded.details,
    order_details = COALESCE(excluded.order_details, tickets.order_details),
    checked_in_device = CASE WHEN tickets.checked_in_at IS NULL THEN excluded.checked_in_device ELSE tickets.checked_in_device END,
    checked_in_door = CASE WHEN tickets.checked_in_at IS NULL THEN excluded.checked_in_door ELSE tickets.checked_in_door END,
    admitted_count = CASE WHEN tickets.checked_in_at IS NULL THEN excluded.admitted_count ELSE tickets.admitted_count END,
    inside = CASE WHEN tickets.checked_in_at IS NULL THEN excluded.inside ELSE tickets.inside END,
    checked_in_at = COALESCE(tickets.checked_in_at, excluded.checked_in_at),
    updated_at = excluded.updated_at
"""

# A row as `_ticket_row` binds it, in order: 22 values. The effective columns start equal to the
# provider's word (settled against the order and a local void afterwards) and the check-in columns
# follow from `checked_in_at`, so SQL repeats them rather than binding them twice: binding is a
# measurable part of a bulk import (the upsert's CPU time fell from 11.9 to 10.4 us a ticket with
# 9 fewer values, 300,000 tickets, same run; a plain INSERT of 9 columns took 3 us less than 29).
_UP = "COALESCE(?21, '') != ''"
_TICKET_UPSERT = f"""
INSERT INTO tickets (event_id, provider, remote_id, code, holder_name, email, ticket_type, order_ref, seat,
                     provider_status, provider_voided_at, provider_void_reason, ticket_state, ticket_attention,
                     status, voided_at, void_reason, provider_state, attention,
                     rotating_code, kind, party_size, source, raw, details, order_details,
                     checked_in_at, checked_in_device, checked_in_door, admitted_count, inside, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
        ?10, ?11, ?12, ?13, ?14,
        ?10, ?11, ?12, ?13, ?14,
        ?15, ?16, ?17, 'remote', ?18, ?19, ?20,
        ?21, CASE WHEN {_UP} THEN '{UPSTREAM_DEVICE}' END, CASE WHEN {_UP} THEN ?2 END, {_UP}, {_UP}, ?22)
ON CONFLICT (provider, remote_id) WHERE remote_id IS NOT NULL DO UPDATE SET {_TICKET_UPDATE}
ON CONFLICT (code, event_id) DO UPDATE SET
    remote_id = COALESCE(tickets.remote_id, excluded.remote_id),
    source = CASE WHEN excluded.remote_id IS NOT NULL THEN 'remote' ELSE tickets.source END,
    {_TICKET_UPDATE}
"""

_ORDER_UPSERT = """
INSERT INTO orders (provider, remote_id, status, provider_state, void_reason, voided_at, attention, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (provider, remote_id) DO UPDATE SET
    status = excluded.status, provider_state = excluded.provider_state, void_reason = excluded.void_reason,
    voided_at = CASE WHEN excluded.status = 'void' THEN COALESCE(excluded.voided_at, orders.voided_at) END,
    attention = excluded.attention, updated_at = excluded.updated_at
"""

_ORDER_COLUMNS = cast("tuple[str, str, str, str, str]", tuple(f"(SELECT o.{c} FROM orders o WHERE o.provider = tickets.provider AND o.remote_id = tickets.order_ref)"
                       for c in ("status", "provider_state", "void_reason", "voided_at", "attention")))

# The effective state of stored tickets, from their parts and their order (when known).
_SETTLE = f"UPDATE tickets SET {_effective('', _ORDER_COLUMNS)}, updated_at = ?"

STATE_COLUMNS = """
    t.id, t.event_id, e.name AS event_name, t.code, t.kind, t.status, t.voided_at, t.holder_name,
    t.ticket_type, t.seat, t.party_size, t.admitted_count, t.inside, t.checked_in_at,
    t.checked_in_device, t.checked_in_door, t.provider, t.provider_state, t.void_reason, t.attention,
    t.rotating_code, e.cancelled AS event_cancelled, e.unrecognised_state AS event_unrecognised,
    e.starts_at AS event_starts_at, t.details, t.order_details, t.note, t.held_by
"""


@dataclass
class ApplyResult:
    events: int = 0
    tickets: int = 0
    checkins: int = 0
    set_aside: int = 0
    conflicts: list[int] = field(default_factory=list)


def apply_batch(conn: sqlite3.Connection, batch: Batch, connection_id: int | None = None) -> ApplyResult:
    """Write a mapped batch. Call inside a transaction.

    Args:
        conn: a connection inside `Database.transaction()`.
        batch: events, orders, tickets, remote check-ins and set-aside records from one payload
            or page.
        connection_id: the connection the batch came through, recorded on its events.

    Returns:
        Counts applied, and the ids of conflicts the batch raised (a void arriving for a ticket
        already admitted here).
    """
    now = utc_now()
    result = ApplyResult()
    event_ids = upsert_events(conn, batch.events, connection_id, now)
    result.events = len(batch.events)
    missing = {(t.provider, t.event_remote_id) for t in batch.tickets} - event_ids.keys()
    for provider, remote_id in sorted(missing):
        event_ids.update(_existing_or_placeholder(conn, provider, remote_id, connection_id, now))
    conn.executemany(_ORDER_UPSERT, ((o.provider, o.remote_id, o.status.value, o.provider_state, o.void_reason,
                                      o.voided_at, o.attention, now) for o in batch.orders))

    before = _admitted_rows(conn, [t for t in batch.tickets if t.status is not TicketStatus.VALID], event_ids)
    for o in batch.orders:
        if o.status is not TicketStatus.VALID:
            before.update(_admitted_of_order(conn, o.provider, o.remote_id))
    for run in runs_without_repeats(batch.tickets):
        last_id = max_ticket_id(conn)
        conn.executemany(_TICKET_UPSERT, (_ticket_row(t, event_ids, now) for t in run))
        index_new_tickets(conn, last_id)
    # Only a provider with stored order states can settle a ticket by its order: the others' order
    # references are not even gathered (most providers have none; 0.4 us a ticket at 1M).
    ordered = {p for p in {t.provider for t in batch.tickets} if _has_orders(conn, p)}
    settle_orders(conn, {(o.provider, o.remote_id) for o in batch.orders}
                  | {(t.provider, t.order_ref) for t in batch.tickets if t.order_ref and t.provider in ordered}, now)
    result.tickets = len(batch.tickets)
    for ticket_id, row in before.items():
        if conn.execute("SELECT status FROM tickets WHERE id = ?", (ticket_id,)).fetchone()[0] == "valid":
            continue
        conflict = record_conflict(
            conn,
            ConflictKind.VOID_AFTER_ADMISSION,
            ticket_id,
            detail={"admitted_at": row["checked_in_at"], "door": row["checked_in_door"], "device": row["checked_in_device"]},
        )
        if conflict:
            result.conflicts.append(conflict)
    for checkin in batch.checkins:
        if apply_remote_checkin(conn, checkin, now, result):
            result.checkins += 1
    result.set_aside = set_aside.keep(conn, batch.set_aside, now)
    return result


def settle_orders(conn: sqlite3.Connection, orders: set[tuple[str, str]], now: str) -> None:
    """Settle the tickets of these (provider, order id) pairs that have a stored order state."""
    known = []
    for provider in sorted({p for p, _ in orders}):
        # One look-up per provider, not one per order: an import of a million tickets names a
        # third of a million orders, and most providers have no order states at all.
        refs = json.dumps(sorted(ref for p, ref in orders if p == provider))
        known += [(provider, r[0]) for r in conn.execute(
            "SELECT remote_id FROM orders WHERE provider = ? AND remote_id IN (SELECT value FROM json_each(?))",
            (provider, refs))]
    conn.executemany(f"{_SETTLE} WHERE {_OF_ORDER}", ((now, order_match(ref), p, ref) for p, ref in known))


def _has_orders(conn: sqlite3.Connection, provider: str) -> bool:
    return conn.execute("SELECT 1 FROM orders WHERE provider = ? LIMIT 1", (provider,)).fetchone() is not None


# The tickets of one order: candidates from the search index (order_ref is indexed there), then the
# exact provider and order id.
_OF_ORDER = "id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?) AND provider = ? AND order_ref = ?"


def order_match(order_ref: str) -> str:
    """An FTS5 query for an order id as a phrase in the order_ref column."""
    return 'order_ref : "' + order_ref.replace('"', '""') + '"'


def settle(conn: sqlite3.Connection, ticket_id: int, now: str) -> None:
    """Recompute one ticket's effective state (after its local void changed)."""
    conn.execute(f"{_SETTLE} WHERE id = ?", (now, ticket_id))


def add_walkup(conn: sqlite3.Connection, event_id: int, provider: str, code: str, name: str, email: str | None,
               ticket_type: str, now: str) -> int:
    """Insert a ticket issued at this door (valid, one admission) and index it; returns its id. Inside a transaction."""
    last_id = max_ticket_id(conn)
    cur = conn.execute(
        "INSERT INTO tickets (event_id, provider, code, holder_name, email, ticket_type, status, kind, source,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, 'valid', 'admission', 'local', ?)",
        (event_id, provider, code, name, email, ticket_type, now),
    )
    index_new_tickets(conn, last_id)
    return int(cur.lastrowid or 0)


def code_taken(conn: sqlite3.Connection, code: str) -> bool:
    """Does any cached ticket, in any event, carry exactly this code?"""
    return conn.execute("SELECT 1 FROM tickets WHERE code = ?", (code,)).fetchone() is not None


def ticket_ids_for_code(conn: sqlite3.Connection, code: str) -> list[int]:
    """The bare code look-up (the benchmark's measure of what an index probe costs)."""
    return [int(r[0]) for r in conn.execute("SELECT id FROM tickets WHERE code = ?", (code,))]


def ticket_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])


def holder_name(conn: sqlite3.Connection, ticket_id: int) -> str | None:
    row = conn.execute("SELECT holder_name FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return row[0] if row else None


def remote_id_of(conn: sqlite3.Connection, ticket_id: int | None) -> str | None:
    """The provider's id for a cached ticket; None for a walk-up not created upstream yet."""
    row = conn.execute("SELECT remote_id FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return None if row is None else row["remote_id"]


def mark_known_upstream(conn: sqlite3.Connection, ticket_id: int | None, remote_id: str) -> None:
    """A walk-up the provider now holds as `remote_id`. Call inside a transaction."""
    conn.execute("UPDATE tickets SET remote_id = ?, source = 'remote' WHERE id = ?", (remote_id, ticket_id))


def has_nameless_with_order(conn: sqlite3.Connection, provider: str, event_remote_id: str) -> bool:
    """Whether some ticket of this event has no name but an order (whose buyer could name it)."""
    return conn.execute(
        "SELECT 1 FROM tickets t JOIN events e ON e.id = t.event_id WHERE e.provider = ?"
        " AND e.remote_id = ? AND t.holder_name IS NULL AND t.order_ref IS NOT NULL LIMIT 1",
        (provider, event_remote_id),
    ).fetchone() is not None


def max_ticket_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0])


def runs_without_repeats(tickets: list[Ticket]) -> list[list[Ticket]]:
    """The tickets in order, cut into runs in which no ticket comes twice (by either unique key).

    A ticket inserted and then updated within one `executemany` is not in the search index yet when
    the update trigger tells FTS5 to delete its old text, and FTS5 answers "database disk image is
    malformed". Cutting the batch where a key repeats, and indexing after each run, applies the
    repeats in order exactly as separate batches would. A batch without repeats is one run.
    """
    # Nearly every batch repeats nothing: when no code and no remote id comes twice (whatever the
    # provider or event), it is one run, found with two sets of strings instead of tuples of keys.
    remote_ids = [t.remote_id for t in tickets if t.remote_id is not None]
    if len({t.code for t in tickets}) == len(tickets) and len(set(remote_ids)) == len(remote_ids):
        return [tickets] if tickets else []
    runs: list[list[Ticket]] = [[]]
    seen: set[tuple[str | None, ...]] = set()
    for t in tickets:
        keys: set[tuple[str | None, ...]] = {("code", t.provider, t.event_remote_id, t.code)}
        if t.remote_id is not None:
            keys.add(("remote", t.provider, t.remote_id))
        if keys & seen:
            runs.append([])
            seen = set()
        runs[-1].append(t)
        seen |= keys
    return [run for run in runs if run]


def index_new_tickets(conn: sqlite3.Connection, after_id: int) -> None:
    """Add tickets inserted after `after_id` to the search index, in one statement.

    Every insert into `tickets` must be followed by this in the same transaction (there is no
    insert trigger: indexing in bulk makes imports about three times faster).
    """
    conn.execute(
        "INSERT INTO tickets_fts (rowid, holder_name, email, code, order_ref)"
        " SELECT id, holder_name, email, code, order_ref FROM tickets WHERE id > ?",
        (after_id,),
    )


def upsert_events(conn: sqlite3.Connection, events: Iterable[Event], connection_id: int | None, now: str) -> dict[tuple[str, str], int]:
    ids = {}
    for ev in events:
        conn.execute(
            _EVENT_UPSERT,
            (ev.provider, ev.remote_id, connection_id, ev.name, ev.starts_at, ev.ends_at, ev.venue, ev.timezone,
             _json(ev.raw), int(ev.cancelled), ev.unrecognised_state, now),
        )
        ids[(ev.provider, ev.remote_id)] = conn.execute(
            "SELECT id FROM events WHERE provider = ? AND remote_id = ?", (ev.provider, ev.remote_id)
        ).fetchone()[0]
    return ids


def event_id_or_placeholder(conn: sqlite3.Connection, provider: str, remote_id: str, now: str) -> int:
    """The local id of a provider event, creating a placeholder when it was never seen here."""
    return _existing_or_placeholder(conn, provider, remote_id, None, now)[(provider, remote_id)]


def _existing_or_placeholder(conn: sqlite3.Connection, provider: str, remote_id: str, connection_id: int | None, now: str) -> dict[tuple[str, str], int]:
    row = conn.execute("SELECT id FROM events WHERE provider = ? AND remote_id = ?", (provider, remote_id)).fetchone()
    if row is None:
        # The payload named an event we have never seen: keep its tickets scannable under a
        # placeholder that the next events pull renames.
        upsert_events(conn, [Event(provider, remote_id, f"Event {remote_id}")], connection_id, now)
        row = conn.execute("SELECT id FROM events WHERE provider = ? AND remote_id = ?", (provider, remote_id)).fetchone()
    return {(provider, remote_id): row[0]}


def _ticket_row(t: Ticket, event_ids: dict[tuple[str, str], int], now: str) -> tuple[Any, ...]:
    """The values `_TICKET_UPSERT` binds for one ticket."""
    void = t.status is TicketStatus.VOID
    return (
        event_ids[(t.provider, t.event_remote_id)], t.provider, t.remote_id, t.code, t.holder_name, t.email,
        t.ticket_type, t.order_ref, t.seat,
        t.status.value, t.voided_at if void else None, t.void_reason if void else None, t.provider_state, t.attention,
        int(t.rotating_code), t.kind.value, t.party_size, _json(t.raw),
        _json(t.details.to_json()) if t.details else None,
        None if t.order_details is None else _json(t.order_details.to_json()),
        t.checked_in_at, now,
    )


_ADMITTED_HERE = ("SELECT id, checked_in_at, checked_in_door, checked_in_device FROM tickets"
                  " WHERE status = 'valid' AND checked_in_at IS NOT NULL AND checked_in_device != ?")


def _admitted_of_order(conn: sqlite3.Connection, provider: str, order_ref: str) -> dict[int, sqlite3.Row]:
    rows = conn.execute(f"{_ADMITTED_HERE} AND {_OF_ORDER}", (UPSTREAM_DEVICE, order_match(order_ref), provider, order_ref))
    return {r["id"]: r for r in rows}


def _admitted_rows(conn: sqlite3.Connection, incoming: Sequence[Ticket], event_ids: dict[tuple[str, str], int]) -> dict[int, sqlite3.Row]:
    """Tickets valid now and admitted here that the incoming (not valid) tickets will refuse."""
    found = {}
    for t in incoming:
        if t.remote_id is not None:
            row = conn.execute(
                "SELECT id, checked_in_at, checked_in_door, checked_in_device FROM tickets "
                "WHERE provider = ? AND remote_id = ? AND status = 'valid' AND checked_in_at IS NOT NULL",
                (t.provider, t.remote_id),
            ).fetchone()
        else:
            row = conn.execute(
                "SELECT id, checked_in_at, checked_in_door, checked_in_device FROM tickets "
                "WHERE event_id = ? AND code = ? AND status = 'valid' AND checked_in_at IS NOT NULL",
                (event_ids[(t.provider, t.event_remote_id)], t.code),
            ).fetchone()
        if row is not None and row["checked_in_device"] != UPSTREAM_DEVICE:
            found[row["id"]] = row
    return found


def apply_remote_checkin(conn: sqlite3.Connection, checkin: RemoteCheckin, now: str, result: ApplyResult | None = None) -> bool:
    """Mark a ticket checked in by someone else. Returns True when it changed anything.

    A remote check-in for a ticket this door already admitted is a double admission: both
    happened, so it is recorded as a conflict rather than ignored.
    """
    row = conn.execute(
        "SELECT id, checked_in_at, checked_in_device, checked_in_door FROM tickets WHERE provider = ? AND remote_id = ?",
        (checkin.provider, checkin.ticket_remote_id),
    ).fetchone()
    if row is None:
        return False
    if row["checked_in_at"] is None:
        conn.execute(
            "UPDATE tickets SET checked_in_at = ?, checked_in_device = ?, checked_in_door = ?, inside = 1,"
            " admitted_count = MIN(party_size, admitted_count + ?), updated_at = ? WHERE id = ?",
            (checkin.at, UPSTREAM_DEVICE, checkin.provider, checkin.quantity, now, row["id"]),
        )
        return True
    if row["checked_in_device"] != UPSTREAM_DEVICE:
        conflict = record_conflict(
            conn,
            ConflictKind.DOUBLE_ADMISSION,
            row["id"],
            detail={
                "first": {"at": row["checked_in_at"], "door": row["checked_in_door"], "device": row["checked_in_device"]},
                "second": {"at": checkin.at, "door": checkin.provider, "device": UPSTREAM_DEVICE, "remote_id": checkin.remote_id},
            },
        )
        if conflict and result is not None:
            result.conflicts.append(conflict)
    return False


def record_conflict(conn: sqlite3.Connection, kind: ConflictKind, ticket_id: int | None, detail: dict[str, Any],
                    journal_a: int | None = None, journal_b: int | None = None) -> int | None:
    """Insert a conflict once; returns its id, or None when it was already recorded.

    Missing journal ids are stored as 0 so that the UNIQUE key dedupes them (NULLs never collide).
    The detail may quote what another door sent (a forged row's second version); a non-finite
    number there is written as its text, because Python's `Infinity` is not JSON and SQLite's
    `json_extract` refuses the whole detail ("malformed JSON"), which stalled every later apply.
    """
    cur = conn.execute(
        "INSERT OR IGNORE INTO conflicts (kind, ticket_id, journal_a, journal_b, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
        (kind.value, ticket_id, journal_a if journal_a is not None else 0, journal_b if journal_b is not None else 0,
         json.dumps(_finite(detail)), utc_now()),
    )
    return cur.lastrowid if cur.rowcount else None


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by its text ("inf"), at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def candidates(conn: sqlite3.Connection, code: str) -> list[TicketState]:
    """Every cached ticket carrying exactly this code (case-sensitive), in any event."""
    rows = conn.execute(
        f"SELECT {STATE_COLUMNS} FROM tickets t JOIN events e ON e.id = t.event_id WHERE t.code = ?", (code,)
    ).fetchall()
    return [state_from_row(r) for r in rows]


def state_by_id(conn: sqlite3.Connection, ticket_id: int) -> TicketState | None:
    row = conn.execute(
        f"SELECT {STATE_COLUMNS} FROM tickets t JOIN events e ON e.id = t.event_id WHERE t.id = ?", (ticket_id,)
    ).fetchone()
    return state_from_row(row) if row else None


def orders_not_valid(conn: sqlite3.Connection, provider: str, event_remote_id: str) -> list[str]:
    """Orders of an event held as pending, cancelled or unrecognised: their state may still change."""
    held = [r[0] for r in conn.execute(
        "SELECT remote_id FROM orders WHERE provider = ? AND (status != 'valid' OR attention IS NOT NULL)"
        " ORDER BY updated_at, id", (provider,))]
    return [ref for ref in held if conn.execute(
        "SELECT 1 FROM tickets t JOIN events e ON e.id = t.event_id WHERE e.remote_id = ? AND t.id IN"
        " (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?) AND t.provider = ? AND t.order_ref = ?",
        (event_remote_id, order_match(ref), provider, ref)).fetchone()]


def clear_upstream_checkins(conn: sqlite3.Connection, provider: str, event_remote_id: str, listed: set[str]) -> int:
    """Clear upstream check-ins of an event's tickets that the provider no longer lists (deleted there).

    Only check-ins that came from upstream are touched; an admission at a door of this venue is
    the journal's, and stays. Returns how many tickets were cleared.
    """
    rows = conn.execute(
        "SELECT t.id, t.remote_id FROM tickets t JOIN events e ON e.id = t.event_id WHERE e.provider = ?"
        " AND e.remote_id = ? AND t.checked_in_device = ? AND t.remote_id IS NOT NULL",
        (provider, event_remote_id, UPSTREAM_DEVICE),
    ).fetchall()
    gone = [r["id"] for r in rows if r["remote_id"] not in listed]
    now = utc_now()
    conn.executemany(
        "UPDATE tickets SET checked_in_at = NULL, checked_in_device = NULL, checked_in_door = NULL, admitted_count = 0,"
        " inside = 0, updated_at = ? WHERE id = ?", ((now, i) for i in gone))
    return len(gone)


def unrecognised_summary(conn: sqlite3.Connection, latest: int = 5) -> dict[str, Any]:
    """Tickets refused because the provider said something not on its allow-list, or whose event did."""
    # Two indexed look-ups, not an OR across the join (a full scan of a million tickets; the door's
    # status strip asks every few seconds).
    where = ("t.id IN (SELECT id FROM tickets WHERE status = 'unrecognised' UNION SELECT id FROM tickets"
             " WHERE event_id IN (SELECT id FROM events WHERE unrecognised_state IS NOT NULL))")
    count = conn.execute(f"SELECT COUNT(*) FROM tickets t JOIN events e ON e.id = t.event_id WHERE {where}").fetchone()[0]
    rows = conn.execute(
        f"SELECT t.id, t.provider, t.code, t.holder_name, t.provider_state, e.unrecognised_state, e.name AS event_name,"
        f" t.updated_at FROM tickets t JOIN events e ON e.id = t.event_id WHERE {where} ORDER BY t.updated_at DESC, t.id DESC"
        f" LIMIT ?", (latest,),
    ).fetchall()
    return {"count": count, "latest": [
        {"ticket_id": r["id"], "provider": r["provider"], "ref": r["code"], "holder_name": r["holder_name"],
         "event_name": r["event_name"], "reason": f"says '{r['provider_state'] if r['unrecognised_state'] is None else r['unrecognised_state']}'",
         "at": r["updated_at"]} for r in rows]}


def local_void(conn: sqlite3.Connection, ticket_id: int) -> tuple[str, str | None] | None:
    """(when, reason) of a supervisor's void standing on the ticket, or None."""
    row = conn.execute("SELECT local_void_at, local_void_reason FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return (row[0], row[1]) if row and row[0] else None


def state_from_row(r: sqlite3.Row) -> TicketState:
    return TicketState(
        ticket_id=r["id"], event_id=r["event_id"], event_name=r["event_name"], code=r["code"],
        kind=TicketKind(r["kind"]), status=TicketStatus(r["status"]), voided_at=r["voided_at"],
        holder_name=r["holder_name"], ticket_type=r["ticket_type"], seat=r["seat"], party_size=r["party_size"],
        admitted_count=r["admitted_count"], inside=bool(r["inside"]), checked_in_at=r["checked_in_at"],
        checked_in_device=r["checked_in_device"], checked_in_door=r["checked_in_door"],
        provider=r["provider"], provider_state=r["provider_state"], void_reason=r["void_reason"],
        attention=r["attention"], rotating_code=bool(r["rotating_code"]), event_cancelled=bool(r["event_cancelled"]),
        event_unrecognised=r["event_unrecognised"],
        event_starts_at=r["event_starts_at"],
        details=_details(r["details"], r["order_details"]),
        note=r["note"], hold_open=r["held_by"] is not None,
    )


def _details(details: str | None, order_details: str | None) -> TicketDetails:
    """The ticket's own details with its order's (`TicketDetails.with_order`)."""
    own = TicketDetails.from_json(_loaded(details))
    return own.with_order(TicketDetails.from_json(_loaded(order_details))) if order_details else own


def _loaded(text: str | None) -> Any:
    """Stored JSON, or None when there is none or it cannot be read (a scan never fails on it)."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _json(raw: Any) -> str | None:
    return None if raw is None else json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
