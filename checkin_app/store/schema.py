"""Schema migrations, applied in order; `PRAGMA user_version` records how far a database got.

Never edit a migration that has shipped: add the next one. Each runs in one transaction.

A change SQLite can only make by rebuilding a table (a column's type, a constraint on an existing
column, dropping a column that is indexed) is a function migration calling sqlite-utils'
`Table.transform()` on this connection, inside the migration's transaction. Dropping the old table
drops its triggers: a rebuild of `tickets` re-creates `tickets_fts_delete` and `tickets_fts_update`
(sqlite-utils 4.2.1, tried on a store: rows, their ids, which the search index points at, and the
CHECK constraints are kept; the triggers are gone). None has been needed yet.
"""
from __future__ import annotations

import sqlite3
from typing import Callable, Union

from checkin_app.domain import hlc

# A migration is a script, or a function for the steps SQL alone cannot say (it runs inside the
# migration's transaction, like a script).
Migration = Union[str, Callable[[sqlite3.Connection], None]]

_OLD_STATUS_CHECK = "CHECK (status IN ('valid', 'void'))"
_NEW_STATUS_CHECK = "CHECK (status IN ('valid', 'void', 'unrecognised'))"


def _door_truth(conn: sqlite3.Connection) -> None:
    """3: fail closed on what a provider says that we do not recognise (issue 12).

    `tickets.status` gains 'unrecognised'. SQLite cannot alter a CHECK constraint; rebuilding the
    table would rewrite every ticket and its search index (and journal rows reference it), so the
    constraint is widened in place, the documented way (sqlite.org/lang_altertable.html, "making
    other kinds of table schema changes": relaxing a CHECK leaves the stored rows valid as they are).
    """
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'tickets'",
            (_OLD_STATUS_CHECK, _NEW_STATUS_CHECK),
        )
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    for statement in _DOOR_TRUTH_SQL:
        conn.execute(statement)


_DOOR_TRUTH_SQL = [
    # What the provider said about the ticket itself, kept apart from its order's state and from
    # what this door's supervisors did, so that the provider saying "valid" again un-voids its own
    # void but never a supervisor's, nor a cancelled order's (issue 12, item 14). `status`,
    # `voided_at`, `void_reason`, `provider_state` and `attention` are the effective values every
    # reader uses, settled from these by `store.tickets.settle`.
    # valid | void | unrecognised; walk-ups issued here are valid until a supervisor voids them.
    "ALTER TABLE tickets ADD COLUMN provider_status TEXT NOT NULL DEFAULT 'valid'",
    "ALTER TABLE tickets ADD COLUMN provider_voided_at TEXT",
    "ALTER TABLE tickets ADD COLUMN provider_void_reason TEXT",
    "ALTER TABLE tickets ADD COLUMN ticket_state TEXT",  # the raw value behind provider_status, verbatim
    "ALTER TABLE tickets ADD COLUMN ticket_attention TEXT",
    "ALTER TABLE tickets ADD COLUMN local_void_at TEXT",  # a supervisor's void, derived from the journal
    "ALTER TABLE tickets ADD COLUMN local_void_reason TEXT",
    "ALTER TABLE tickets ADD COLUMN provider_state TEXT",  # effective: the raw value that decided `status`
    "ALTER TABLE tickets ADD COLUMN void_reason TEXT",
    "ALTER TABLE tickets ADD COLUMN attention TEXT",
    "ALTER TABLE tickets ADD COLUMN rotating_code INTEGER NOT NULL DEFAULT 0",
    "UPDATE tickets SET provider_status = status, provider_voided_at = voided_at",
    """UPDATE tickets SET local_void_at = (SELECT MIN(j.at) FROM journal j WHERE j.ticket_id = tickets.id AND j.op = 'void'),
           local_void_reason = (SELECT json_extract(j.payload, '$.reason') FROM journal j
                                WHERE j.ticket_id = tickets.id AND j.op = 'void' ORDER BY j.at LIMIT 1)
       WHERE id IN (SELECT ticket_id FROM journal WHERE op = 'void' AND ticket_id IS NOT NULL)""",
    "CREATE INDEX tickets_unrecognised ON tickets (id) WHERE status = 'unrecognised'",
    # No index on order_ref: an order's tickets are found through the search index, which every
    # ticket is in already (an extra B-tree made a 100,000-ticket import about 30% slower).
    # An order's own state (Ticket Tailor orders: completed / pending / cancelled) applies to every
    # ticket of the order, whatever the ticket's own status says.
    """CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('valid', 'void', 'unrecognised')),
        provider_state TEXT,
        void_reason TEXT,
        voided_at TEXT,
        attention TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (provider, remote_id)
    )""",
    "ALTER TABLE events ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE events ADD COLUMN unrecognised_state TEXT",  # an event state we do not know: its tickets wait
    # A door that already narrowed its events had chosen them: from now on a new event waits to be chosen.
    "INSERT OR IGNORE INTO meta (key, value) SELECT 'event_scope', 'chosen' WHERE EXISTS (SELECT 1 FROM events WHERE admitted = 0)",
    # Records a mapper could not map (issue 12, item 13): kept with the reason, shown to supervisors.
    """CREATE TABLE set_aside_records (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        record_kind TEXT NOT NULL,
        remote_id TEXT,
        reason TEXT NOT NULL,
        raw TEXT,
        -- The same record set aside again is one row: 'id:<remote id>', or 'sha256:<raw>' without an id.
        dedupe_key TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        UNIQUE (provider, record_kind, dedupe_key)
    )""",
    "CREATE INDEX set_aside_latest ON set_aside_records (last_seen_at)",
    "CREATE INDEX inbox_unapplied ON webhook_inbox (id) WHERE applied_at IS NULL",
]


def _hybrid_clock(conn: sqlite3.Connection) -> None:
    """6: order acts by a hybrid logical clock, not wall clocks (issue 18, items 1-3).

    Rows written before a row carried a stamp get one derived from their `at` (the order they
    always had), the same on every door: old data dirs keep working and agree with each other.
    """
    def derived(at: str) -> int:
        try:
            return hlc.from_iso(at)
        except (TypeError, ValueError, OverflowError):  # never written so; such a row sorts first
            return 0
    conn.create_function("hlc_from_iso", 1, derived, deterministic=True)
    for statement in _HYBRID_CLOCK_SQL:
        conn.execute(statement)


_HYBRID_CLOCK_SQL = [
    # The row's hybrid logical clock stamp (domain/hlc.py): replay order is (hlc, device_id, seq).
    "ALTER TABLE journal ADD COLUMN hlc INTEGER",
    "UPDATE journal SET hlc = hlc_from_iso(at)",
    """CREATE TRIGGER journal_hlc_once BEFORE UPDATE OF hlc ON journal WHEN old.hlc IS NOT NULL BEGIN
        SELECT RAISE(ABORT, 'journal is append-only');
    END""",
    # This door's clock: the highest stamp it wrote or adopted (a far-future one is not adopted).
    "INSERT OR IGNORE INTO meta (key, value) SELECT 'hlc', CAST(COALESCE(MAX(hlc), 0) AS TEXT) FROM journal",
    # Each other door's clock as measured at the last contact (its time minus ours, in ms).
    "ALTER TABLE peers ADD COLUMN clock_skew_ms INTEGER",
    "ALTER TABLE peers ADD COLUMN clock_skew_at TEXT",
    # Conflicts found by replaying rows are named by the rows' nonces (the same on every door);
    # `resolved_by` is the nonce of the row that resolved it (an undo, an un-void, a supervisor's word).
    "ALTER TABLE conflicts ADD COLUMN rows_key TEXT",
    "ALTER TABLE conflicts ADD COLUMN resolved_by TEXT",
    "CREATE UNIQUE INDEX conflicts_rows_key ON conflicts (kind, rows_key) WHERE rows_key IS NOT NULL",
    # What replication noticed about doors (not about tickets): a clock far ahead, a device id two
    # data dirs share. One row per kind and device, updated in place; shown by `doors status`.
    """CREATE TABLE door_incidents (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        device_id TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        UNIQUE (kind, device_id)
    )""",
]


# 10 (issue 19, import speed): the search index rebuilt with only the options that earn their place.
# Measured at 1,000,000 tickets (scripts/bench/fts_options_bench.py, one run, load average 4-12 on
# 2 cores; CPU time of indexing per ticket, search p99 in CPU time): as migration 1 made it, 7.5 us;
# `columnsize=0` -1.1 us: it drops the `tickets_fts_docsize` row each ticket cost, read only by
# bm25/xColumnSize, and search ranks by tiers, never by bm25; `automerge=8` (default 4) -1.3 us:
# segments merge 8 at a level, so each entry is rewritten fewer times and a query probes a few more
# segments; the 3-letter prefix index dropped -1.3 us: it sped up exactly-3-letter prefixes only
# ("Ada Abb": 1.0 -> 3.7 ms p99), a 4-letter one costs 3.1-3.7 ms with or without it. The 2-letter
# prefix index stays: without it an email fragment ("silva37@ex") costs 31 ms p99. `detail` stays
# full: search quotes each word as a phrase ("smith@exa" is the phrase smith exa*), which
# `detail=column` and `detail=none` cannot answer. Search answers stay identical
# (tests/integration/test_search_index_migration.py). Rebuilding a million tickets' index here
# takes under 6 s of CPU, once (5.8 s measured with the 3-letter index still in).
_SEARCH_INDEX_SQL = [
    "DROP TABLE IF EXISTS tickets_fts",
    """CREATE VIRTUAL TABLE tickets_fts USING fts5 (
        holder_name, email, code, order_ref,
        content = 'tickets', content_rowid = 'id',
        tokenize = "unicode61 remove_diacritics 2",
        prefix = '2',
        columnsize = 0
    )""",
    "INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('automerge', 8)",
    "INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild')",
]


def _search_index(conn: sqlite3.Connection) -> None:
    """10: re-create the search index (see `_SEARCH_INDEX_SQL`); the triggers on `tickets` name it and stay."""
    for statement in _SEARCH_INDEX_SQL:
        conn.execute(statement)


def _checkin_lists(conn: sqlite3.Connection) -> None:
    """5: check-in lists and who is inside where (issue 17). Checks nothing but its own objects, so
    it applies on a data dir that has any of the other third-wave migrations (6-9) or none."""
    for statement in _CHECKIN_LISTS_SQL:
        conn.execute(statement)


_CHECKIN_LISTS_SQL = [
    # The definition in force per list name: the `list_defined` journal row whose (at, device_id,
    # seq) sorts last, so every door keeps the same one whatever order the rows came in.
    """CREATE TABLE IF NOT EXISTS checkin_lists (
        name TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        at TEXT NOT NULL,
        device_id TEXT NOT NULL,
        seq INTEGER NOT NULL
    )""",
    # Who is inside where: one row per (ticket, area), replayed from the ticket's journal rows
    # (`store.checkin_lists.recompute`). `leaves_at` is when exit-all-at ends the stay (UTC ISO,
    # '' for never): read against the time asked about, so nothing has to run at 03:00.
    """CREATE TABLE IF NOT EXISTS list_presence (
        ticket_id INTEGER NOT NULL,
        area TEXT NOT NULL,
        list_name TEXT NOT NULL,
        since TEXT NOT NULL,
        leaves_at TEXT NOT NULL DEFAULT '',
        people INTEGER NOT NULL DEFAULT 1,     -- a guest-list party comes in one by one
        PRIMARY KEY (ticket_id, area)
    ) WITHOUT ROWID""",
    # `list_presence` counted per (list, area, leaves_at), kept in step with it: "inside now" is a
    # sum over a few rows (one per exit-all instant) instead of a count over a million stays.
    """CREATE TABLE IF NOT EXISTS list_occupancy (
        list_name TEXT NOT NULL,
        area TEXT NOT NULL,
        leaves_at TEXT NOT NULL DEFAULT '',
        people INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (list_name, area, leaves_at)
    ) WITHOUT ROWID""",
]


def _attention(conn: sqlite3.Connection) -> None:
    """8: attention at the door (issue 17; docs/architecture.md, "Attention at the door").

    `tickets.details`: what the provider says beyond admission (answers to custom questions,
    metadata; JSON of `domain.attention.TicketDetails`); `tickets.order_details`: what its order says
    (the buyer's answers, the order's add-ons; the same JSON), kept when a record without its order
    arrives. `tickets.note`: the supervisor's note,
    derived from the journal's `note` rows. `tickets.held_by`: the nonce of an admission that
    waits for staff to confirm or deny (derived from the journal too). Checks only its own
    columns, so it applies whichever of the other slots a data dir already has.
    """
    have = {r[1] for r in conn.execute("PRAGMA table_info(tickets)")}
    for column in ("details", "order_details", "note", "held_by"):
        if column not in have:
            conn.execute(f"ALTER TABLE tickets ADD COLUMN {column} TEXT")


MIGRATIONS: list[Migration] = [
    # 1: the foundation (DESIGN.md, "Data model").
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    -- Secrets are never stored here: settings name a keyring entry or an environment variable.
    CREATE TABLE connections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        provider TEXT NOT NULL,
        base_url TEXT,
        settings TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        connection_id INTEGER REFERENCES connections(id) ON DELETE SET NULL,
        name TEXT NOT NULL,
        starts_at TEXT,
        ends_at TEXT,
        venue TEXT,
        timezone TEXT,
        raw TEXT,
        admitted INTEGER NOT NULL DEFAULT 1,   -- does this door admit the event
        updated_at TEXT NOT NULL,
        UNIQUE (provider, remote_id)
    );

    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES events(id),
        provider TEXT NOT NULL,
        remote_id TEXT,
        code TEXT NOT NULL,                    -- exactly as issued; case matters
        holder_name TEXT,
        email TEXT,
        ticket_type TEXT,
        order_ref TEXT,
        seat TEXT,
        status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'void')),
        voided_at TEXT,
        kind TEXT NOT NULL DEFAULT 'admission' CHECK (kind IN ('admission', 'product', 'guest_list')),
        party_size INTEGER NOT NULL DEFAULT 1,
        source TEXT NOT NULL DEFAULT 'remote' CHECK (source IN ('remote', 'local')),
        raw TEXT,
        -- Derived door state, written in the same transaction as the journal row that caused it.
        checked_in_at TEXT,
        checked_in_device TEXT,
        checked_in_door TEXT,
        admitted_count INTEGER NOT NULL DEFAULT 0,
        inside INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        UNIQUE (code, event_id)                -- also the scan look-up index (code first)
    );
    CREATE UNIQUE INDEX tickets_remote ON tickets (provider, remote_id) WHERE remote_id IS NOT NULL;
    CREATE INDEX tickets_event_checked_in ON tickets (event_id, checked_in_at);

    -- External content, kept in step by the store: new rows are indexed in bulk by
    -- `store.tickets.index_new_tickets` (a per-row insert trigger made imports three times
    -- slower); changes to indexed columns and deletes by the triggers below, which fire only when
    -- an indexed value really changes, so check-ins and re-syncs never touch the index.
    CREATE VIRTUAL TABLE tickets_fts USING fts5 (
        holder_name, email, code, order_ref,
        content = 'tickets', content_rowid = 'id',
        tokenize = "unicode61 remove_diacritics 2",
        prefix = '2 3'                         -- short prefixes ("jo", "ex") stay fast at 1M rows
    );
    CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
        INSERT INTO tickets_fts (tickets_fts, rowid, holder_name, email, code, order_ref)
        VALUES ('delete', old.id, old.holder_name, old.email, old.code, old.order_ref);
    END;
    CREATE TRIGGER tickets_fts_update AFTER UPDATE OF holder_name, email, code, order_ref ON tickets
    WHEN old.holder_name IS NOT new.holder_name OR old.email IS NOT new.email OR old.code IS NOT new.code
         OR old.order_ref IS NOT new.order_ref
    BEGIN
        INSERT INTO tickets_fts (tickets_fts, rowid, holder_name, email, code, order_ref)
        VALUES ('delete', old.id, old.holder_name, old.email, old.code, old.order_ref);
        INSERT INTO tickets_fts (rowid, holder_name, email, code, order_ref)
        VALUES (new.id, new.holder_name, new.email, new.code, new.order_ref);
    END;

    -- Append-only: every local act, refused scans included. (device_id, seq) is the replication
    -- key; nonce is the idempotency key sent with pushes.
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        op TEXT NOT NULL,
        verdict TEXT,
        ticket_id INTEGER REFERENCES tickets(id),
        provider TEXT,
        event_remote_id TEXT,
        ticket_remote_id TEXT,
        code TEXT,
        door TEXT,
        payload TEXT NOT NULL DEFAULT '{}',
        at TEXT NOT NULL,
        nonce TEXT NOT NULL UNIQUE,
        UNIQUE (device_id, seq)
    );
    CREATE INDEX journal_ticket ON journal (ticket_id);
    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN
        SELECT RAISE(ABORT, 'journal is append-only');
    END;
    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN
        SELECT RAISE(ABORT, 'journal is append-only');
    END;

    -- The outbox: push state per journal row and connection.
    CREATE TABLE outbox (
        journal_id INTEGER NOT NULL REFERENCES journal(id),
        connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT,
        error TEXT,
        remote_ref TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (journal_id, connection_id)
    );
    CREATE INDEX outbox_state ON outbox (state, next_try_at);

    CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,                    -- double_admission | void_after_admission
        ticket_id INTEGER REFERENCES tickets(id),
        journal_a INTEGER,
        journal_b INTEGER,
        detail TEXT NOT NULL DEFAULT '{}',
        at TEXT NOT NULL,
        resolved_at TEXT,
        UNIQUE (kind, ticket_id, journal_a, journal_b)
    );

    CREATE TABLE sync_state (
        connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        scope TEXT NOT NULL,                   -- e.g. 'events', 'event:ev_123:tickets'
        cursor TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        last_attempt_at TEXT,
        last_success_at TEXT,
        last_error TEXT,
        PRIMARY KEY (connection_id, scope)
    );

    CREATE TABLE webhook_inbox (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        delivery_id TEXT,
        content_hash TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'local',  -- 'local' or 'relay:<connection name>'
        received_at TEXT NOT NULL,
        headers TEXT NOT NULL DEFAULT '{}',
        body BLOB NOT NULL,
        applied_at TEXT,
        error TEXT
    );
    CREATE UNIQUE INDEX inbox_delivery ON webhook_inbox (provider, delivery_id) WHERE delivery_id IS NOT NULL;
    CREATE UNIQUE INDEX inbox_content ON webhook_inbox (provider, content_hash);
    """,
    # Doors of one venue replicate their journals (sync/peer_*.py, docs/door-replication.md).
    """
    -- A row that arrived from another door before its ticket was known here gets its local
    -- ticket filled in once, later; nothing else about a journal row may ever change.
    DROP TRIGGER journal_no_update;
    CREATE TRIGGER journal_no_update BEFORE UPDATE OF id, device_id, seq, op, verdict, provider, event_remote_id,
        ticket_remote_id, code, door, payload, at, nonce ON journal BEGIN
        SELECT RAISE(ABORT, 'journal is append-only');
    END;
    CREATE TRIGGER journal_link_once BEFORE UPDATE OF ticket_id ON journal WHEN old.ticket_id IS NOT NULL BEGIN
        SELECT RAISE(ABORT, 'journal is append-only');
    END;
    CREATE INDEX journal_orphans ON journal (event_remote_id) WHERE ticket_id IS NULL AND event_remote_id IS NOT NULL;
    -- 'pushed' rows say which act (by nonce) reached the provider, from whichever door sent it.
    CREATE INDEX journal_pushed_act ON journal (json_extract(payload, '$.act')) WHERE op = 'pushed';

    -- Other doors of the venue as this door last saw them (the "doors" status).
    CREATE TABLE peers (
        url TEXT PRIMARY KEY,
        device_id TEXT,
        door TEXT,
        source TEXT NOT NULL DEFAULT 'manual',  -- manual | mdns
        last_contact_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        behind INTEGER NOT NULL DEFAULT 0,      -- rows the peer has that this door has not applied yet
        ahead INTEGER NOT NULL DEFAULT 0,       -- rows this door has that the peer lacks
        rows_pulled INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );
    """,
    _door_truth,
    # Hardening door replication (issue 14): rows that cannot be applied are kept, never dropped.
    """
    -- A row another door served that could not be applied here (malformed, or a second version
    -- of a (device_id, seq) already held), kept as it came with the reason. A row that owns its
    -- (device_id, seq) slot (`slot` = 1) advances this door's cursor for that device and is served
    -- on as it came, so every door holds the same prefix and quarantines the same rows.
    CREATE TABLE replica_quarantine (
        id INTEGER PRIMARY KEY,
        device_id TEXT,
        seq INTEGER,
        slot INTEGER NOT NULL DEFAULT 0,
        raw TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        reason TEXT NOT NULL,
        source TEXT,
        received_at TEXT NOT NULL,
        UNIQUE (content_hash)
    );
    CREATE UNIQUE INDEX replica_quarantine_slot ON replica_quarantine (device_id, seq) WHERE slot = 1;

    -- A pull worker that crashed and was restarted: how often, and why the last time.
    ALTER TABLE peers ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE peers ADD COLUMN last_crash TEXT;
    ALTER TABLE peers ADD COLUMN last_crash_at TEXT;
    """,
    # 5: check-in lists (issue 17); `store/checkin_lists.py` holds its SQL.
    _checkin_lists,
    # 6 (issue 18): hybrid logical clock, skew, door incidents, conflict keys.
    _hybrid_clock,
    # 7 (issue 18, cost): each origin device's highest seq held, kept by triggers in the same
    # transaction as the journal (or quarantine-slot) insert, so a door's replication cursor is a
    # read of a few rows instead of `MAX(seq) GROUP BY device_id` over the whole journal (scripts/
    # bench/doors_sim.py: heads figure). A migration that rebuilds `journal` or
    # `replica_quarantine` must re-create these triggers (a rebuild drops them).
    """
    CREATE TABLE IF NOT EXISTS replica_heads (
        device_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TRIGGER IF NOT EXISTS replica_heads_journal AFTER INSERT ON journal BEGIN
        INSERT INTO replica_heads (device_id, seq) VALUES (new.device_id, new.seq)
            ON CONFLICT (device_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
    END;
    CREATE TRIGGER IF NOT EXISTS replica_heads_quarantine AFTER INSERT ON replica_quarantine WHEN new.slot = 1 BEGIN
        INSERT INTO replica_heads (device_id, seq) VALUES (new.device_id, new.seq)
            ON CONFLICT (device_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
    END;
    INSERT INTO replica_heads (device_id, seq)
        SELECT device_id, MAX(seq) FROM (SELECT device_id, seq FROM journal
                                         UNION ALL SELECT device_id, seq FROM replica_quarantine WHERE slot = 1)
        GROUP BY device_id
        ON CONFLICT (device_id) DO UPDATE SET seq = MAX(seq, excluded.seq);
    """,
    # 8: attention notes (issue 17).
    _attention,
    # 9: none. It was set aside for the venue hub, which keeps its read mark in `meta` instead;
    # kept empty so that every later migration keeps its number.
    "",
    # 10: the search index, rebuilt for bulk loads (issue 19).
    _search_index,
]
