"""Live numbers for the door and the supervisor: in / expected, arrivals over time, per door."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from checkin_app.store import Store
from checkin_app.store import stats as counts
from checkin_app.store.stats import People, TypeCount


@dataclass(frozen=True)
class Counters:
    """People expected, arrived (`admitted`) and inside now, in total and per ticket type (products excluded).

    Expected counts valid admissions by party size: the one denominator every view shows. Inside
    is arrived minus those scanned out since (an exit takes a ticket's people out).
    """

    admitted: int = 0
    inside: int = 0
    expected: int = 0
    per_type: tuple[TypeCount, ...] = ()  # most expected first

    @property
    def no_shows_so_far(self) -> int:
        return max(0, self.expected - self.admitted)

    def moved(self, ticket_type: str, inside: int, arrived: int) -> "Counters":
        """The counters after a verdict moved `inside` people in (or out, negative), `arrived` of them new.

        What the door shows at once, before it reads the counts again.
        """
        def step(p: People) -> People:
            return People(p.expected, p.admitted + arrived, max(0, p.inside + inside))
        rows = list(self.per_type)
        for i, row in enumerate(rows):
            if row.ticket_type == ticket_type:
                rows[i] = replace(row, people=step(row.people))
                break
        return Counters(self.admitted + arrived, max(0, self.inside + inside), self.expected, tuple(rows))

    def to_dict(self) -> dict[str, Any]:
        return {"admitted": self.admitted, "inside": self.inside, "expected": self.expected,
                "no_shows_so_far": self.no_shows_so_far,
                "per_type": [{"ticket_type": t.ticket_type, **asdict(t.people)} for t in self.per_type]}


def per_event(store: Store) -> dict[int, dict]:
    """{event id: {"expected", "admitted", "inside"}} for every cached event (products excluded)."""
    return {event_id: asdict(p) for event_id, p in counts.people_per_event(store.conn).items()}


def counters(store: Store, event_ids: list[int] | None = None) -> Counters:
    """The door's counters for these events (None: those this door admits)."""
    per_type = tuple(counts.people_per_type(store.conn, event_ids))
    return Counters(sum(t.people.admitted for t in per_type), sum(t.people.inside for t in per_type),
                    sum(t.people.expected for t in per_type), per_type)


def _per_bucket(rows: list[tuple[str, str]], since: datetime, now: datetime, bucket_minutes: int) -> list[dict]:
    """(at, door) rows counted per bucket from `since` to `now`, oldest first (empty buckets included)."""
    width = timedelta(minutes=bucket_minutes)
    n_buckets = int((now - since) / width) + 1
    start = now - width * n_buckets
    starts = [(start + width * (i + 1)).isoformat(timespec="minutes") for i in range(n_buckets)]
    totals = [0] * n_buckets
    doors: list[dict[str, int]] = [{} for _ in range(n_buckets)]
    for at, door in rows:
        index = min(n_buckets - 1, int((datetime.fromisoformat(at) - start) / width))
        totals[index] += 1
        doors[index][door] = doors[index].get(door, 0) + 1
    return [{"start": s, "total": t, "doors": d} for s, t, d in zip(starts, totals, doors)]


def _series(rows_since, store: Store, bucket_minutes: int, hours: float, event_ids: list[int] | None,
            now: datetime | None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(hours=hours)
    return _per_bucket(rows_since(store.conn, since.isoformat(timespec="milliseconds"), event_ids), since, now,
                       bucket_minutes)


def arrivals(store: Store, bucket_minutes: int = 5, hours: float = 6.0, event_ids: list[int] | None = None,
             now: datetime | None = None) -> list[dict]:
    """Admissions per bucket over the last `hours`, per door, oldest first (empty buckets included)."""
    return _series(counts.admissions_since, store, bucket_minutes, hours, event_ids, now)


def exits(store: Store, bucket_minutes: int = 5, hours: float = 6.0, event_ids: list[int] | None = None,
          now: datetime | None = None) -> list[dict]:
    """Exits per bucket over the last `hours`, per door, oldest first: the same buckets as `arrivals`."""
    return _series(counts.exits_since, store, bucket_minutes, hours, event_ids, now)


def rate_per_minute(store: Store, minutes: int = 15, event_ids: list[int] | None = None, now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    since = (now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
    return counts.admission_count_since(store.conn, since, event_ids) / minutes


def exit_rate_per_minute(store: Store, minutes: int = 15, event_ids: list[int] | None = None,
                         now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    since = (now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
    return len(counts.exits_since(store.conn, since, event_ids)) / minutes


def per_door(store: Store, event_ids: list[int] | None = None) -> list[dict]:
    return [asdict(d) for d in counts.admissions_per_door(store.conn, event_ids)]


def live(store: Store, bucket_minutes: int = 5, event_ids: list[int] | None = None, now: datetime | None = None) -> dict:
    """Everything the live-stats view shows, read in one go.

    Returns:
        counters (see `counters`), arrivals and exits per bucket over the last 3 h (5-minute
        buckets) or 6 h (15-minute buckets), the admission and exit rates per minute over the
        last 15 minutes, the no-shows so far, and admissions per door.
    """
    now = now or datetime.now(timezone.utc)
    hours = 3.0 if bucket_minutes <= 5 else 6.0
    c = counters(store, event_ids)
    return {"counters": c.to_dict(), "bucket_minutes": bucket_minutes,
            "arrivals": arrivals(store, bucket_minutes, hours, event_ids, now),
            "exits": exits(store, bucket_minutes, hours, event_ids, now),
            "rate_per_minute": rate_per_minute(store, 15, event_ids, now),
            "exit_rate_per_minute": exit_rate_per_minute(store, 15, event_ids, now), "no_shows": c.no_shows_so_far,
            "per_door": per_door(store, event_ids)}
