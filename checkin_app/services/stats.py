"""Live numbers for the door and the supervisor: in / expected, arrivals over time, per door."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from checkin_app.store import Store


def _scope(event_ids: list[int] | None, alias: str = "t") -> tuple[str, tuple]:
    if not event_ids:
        return f"{alias}.event_id IN (SELECT id FROM events WHERE admitted = 1)", ()
    return f"{alias}.event_id IN ({','.join('?' * len(event_ids))})", tuple(event_ids)


# The one definition of expected, arrived ("admitted") and inside people, for every view that counts.
_PEOPLE = """SUM(CASE WHEN status = 'valid' THEN party_size ELSE 0 END) AS expected,
             SUM(admitted_count) AS admitted,
             SUM(CASE WHEN inside = 1 THEN admitted_count ELSE 0 END) AS inside"""


def per_event(store: Store) -> dict[int, dict]:
    """{event id: {"expected", "admitted", "inside"}} for every cached event (products excluded)."""
    rows = store.conn.execute(f"SELECT event_id, {_PEOPLE} FROM tickets WHERE kind != 'product' GROUP BY event_id")
    return {r["event_id"]: {k: r[k] or 0 for k in ("expected", "admitted", "inside")} for r in rows}


def counters(store: Store, event_ids: list[int] | None = None) -> dict:
    """People expected, arrived (`admitted`) and inside now, in total and per ticket type (products excluded).

    Expected counts valid admissions by party size: the one denominator every view shows. Inside
    is arrived minus those scanned out since (an exit takes a ticket's people out).
    """
    where, params = _scope(event_ids)
    rows = store.conn.execute(
        f"""SELECT COALESCE(ticket_type, 'Ticket') AS ticket_type, {_PEOPLE}
            FROM tickets t WHERE {where} AND kind != 'product' GROUP BY 1 ORDER BY 2 DESC""",
        params,
    ).fetchall()
    per_type = [{"ticket_type": r["ticket_type"], "expected": r["expected"] or 0, "admitted": r["admitted"] or 0,
                 "inside": r["inside"] or 0} for r in rows]
    expected = sum(r["expected"] for r in per_type)
    admitted = sum(r["admitted"] for r in per_type)
    inside = sum(r["inside"] for r in per_type)
    return {"admitted": admitted, "inside": inside, "expected": expected,
            "no_shows_so_far": max(0, expected - admitted), "per_type": per_type}


def arrivals(store: Store, bucket_minutes: int = 5, hours: float = 6.0, event_ids: list[int] | None = None,
             now: datetime | None = None) -> list[dict]:
    """Admissions per bucket over the last `hours`, per door, oldest first (empty buckets included)."""
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(hours=hours)
    where, params = _scope(event_ids)
    rows = store.conn.execute(
        f"""SELECT j.at, COALESCE(j.door, j.device_id) AS door FROM journal j JOIN tickets t ON t.id = j.ticket_id
            WHERE j.op IN ('scan', 'force') AND j.verdict IN ('admitted', 'forced') AND j.at >= ? AND {where}""",
        (since.isoformat(timespec="milliseconds"), *params),
    ).fetchall()
    width = timedelta(minutes=bucket_minutes)
    n_buckets = int((now - since) / width) + 1
    start = now - width * n_buckets
    buckets = [{"start": (start + width * (i + 1)).isoformat(timespec="minutes"), "total": 0, "doors": {}} for i in range(n_buckets)]
    for r in rows:
        index = min(n_buckets - 1, int((datetime.fromisoformat(r["at"]) - start) / width))
        b = buckets[index]
        b["total"] += 1
        b["doors"][r["door"]] = b["doors"].get(r["door"], 0) + 1
    return buckets


def rate_per_minute(store: Store, minutes: int = 15, event_ids: list[int] | None = None, now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    where, params = _scope(event_ids)
    n = store.conn.execute(
        f"""SELECT COUNT(*) FROM journal j JOIN tickets t ON t.id = j.ticket_id
            WHERE j.op IN ('scan', 'force') AND j.verdict IN ('admitted', 'forced') AND j.at >= ? AND {where}""",
        ((now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds"), *params),
    ).fetchone()[0]
    return n / minutes


def per_door(store: Store, event_ids: list[int] | None = None) -> list[dict]:
    where, params = _scope(event_ids)
    rows = store.conn.execute(
        f"""SELECT COALESCE(j.door, j.device_id) AS door, COUNT(*) AS admitted, MAX(j.at) AS last_at
            FROM journal j JOIN tickets t ON t.id = j.ticket_id
            WHERE j.op IN ('scan', 'force') AND j.verdict IN ('admitted', 'forced') AND {where}
            GROUP BY 1 ORDER BY 2 DESC""",
        params,
    ).fetchall()
    return [dict(r) for r in rows]


def live(store: Store, bucket_minutes: int = 5, event_ids: list[int] | None = None, now: datetime | None = None) -> dict:
    """Everything the live-stats view shows, read in one go.

    Returns:
        counters (see `counters`), arrivals per bucket over the last 3 h (5-minute buckets) or
        6 h (15-minute buckets), the admission rate per minute over the last 15 minutes, the
        no-shows so far, and admissions per door.
    """
    now = now or datetime.now(timezone.utc)
    hours = 3.0 if bucket_minutes <= 5 else 6.0
    c = counters(store, event_ids)
    return {"counters": c, "bucket_minutes": bucket_minutes,
            "arrivals": arrivals(store, bucket_minutes, hours, event_ids, now),
            "rate_per_minute": rate_per_minute(store, 15, event_ids, now), "no_shows": c["no_shows_so_far"],
            "per_door": per_door(store, event_ids)}
