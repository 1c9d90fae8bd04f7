"""Set-aside records: what a provider sent that a mapper could not map, kept with the reason.

One unmappable record must not poison its page or its sync (issue 12, item 13): the mapper puts it
in `Batch.set_aside`, `store.tickets.apply_batch` keeps it here, and `status` and the supervisor's
Problems list show the count and the latest reasons. The same record set aside again (every sync
pulls it again until the provider fixes it) stays one row whose `times` and `last_seen_at` move.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any, Iterable

from checkin_app.domain.models import SetAside

# The raw record is kept for a supervisor to read, not to replay: bound it so that one huge record
# cannot bloat the database (a Ticket Evolution order is a few kB).
MAX_RAW_CHARS = 64_000


def _raw_text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else json.dumps(raw, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= MAX_RAW_CHARS else text[:MAX_RAW_CHARS] + "…(cut)"


def keep(conn: sqlite3.Connection, records: Iterable[SetAside], now: str) -> int:
    """Store set-aside records (call inside a transaction). Returns how many were given."""
    n = 0
    for rec in records:
        raw = _raw_text(rec.raw)
        key = f"id:{rec.remote_id}" if rec.remote_id else "sha256:" + hashlib.sha256((raw or "").encode()).hexdigest()
        conn.execute(
            "INSERT INTO set_aside_records (provider, record_kind, remote_id, reason, raw, dedupe_key, first_seen_at,"
            " last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (provider, record_kind, dedupe_key) DO UPDATE SET reason = excluded.reason,"
            " raw = excluded.raw, last_seen_at = excluded.last_seen_at, times = set_aside_records.times + 1",
            (rec.provider, rec.record_kind, rec.remote_id, rec.reason, raw, key, now, now),
        )
        n += 1
    return n


def summary(conn: sqlite3.Connection, latest: int = 5) -> dict[str, Any]:
    """`{"count": N, "latest": [{provider, record_kind, remote_id, reason, at, times}, ...]}`, newest first."""
    count = conn.execute("SELECT COUNT(*) FROM set_aside_records").fetchone()[0]
    rows = conn.execute(
        "SELECT id, provider, record_kind, remote_id, reason, last_seen_at, times FROM set_aside_records"
        " ORDER BY last_seen_at DESC, id DESC LIMIT ?", (latest,),
    ).fetchall()
    return {"count": count, "latest": [
        {"id": r["id"], "provider": r["provider"], "record_kind": r["record_kind"], "remote_id": r["remote_id"],
         "ref": f"{r['record_kind']} {r['remote_id'] or '(no id)'}", "reason": r["reason"], "at": r["last_seen_at"],
         "times": r["times"]} for r in rows]}


def get_raw(conn: sqlite3.Connection, record_id: int) -> str | None:
    row = conn.execute("SELECT raw FROM set_aside_records WHERE id = ?", (record_id,)).fetchone()
    return row[0] if row else None
