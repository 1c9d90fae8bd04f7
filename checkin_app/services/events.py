"""Cached events: listing them, resolving a user's `--event`, choosing what this door admits."""
from __future__ import annotations

from checkin_app.errors import NotFound
from checkin_app.services import stats
from checkin_app.store import Store


def list_events(store: Store) -> list[dict]:
    rows = store.conn.execute(
        """SELECT e.id, e.provider, e.remote_id, e.name, e.starts_at, e.ends_at, e.venue, e.admitted, e.updated_at,
                  c.name AS connection,
                  (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.kind != 'product') AS tickets,
                  (SELECT COUNT(*) FROM tickets t WHERE t.event_id = e.id AND t.checked_in_at IS NOT NULL) AS checked_in
           FROM events e LEFT JOIN connections c ON c.id = e.connection_id ORDER BY e.starts_at, e.id"""
    ).fetchall()
    people = stats.per_event(store)  # expected / arrived: the same figures as the door's counters
    empty = {"expected": 0, "admitted": 0}
    return [dict(r, admitted=bool(r["admitted"]), expected=people.get(r["id"], empty)["expected"],
                 arrived=people.get(r["id"], empty)["admitted"]) for r in rows]


def resolve(store: Store, ref: str | None) -> list[int] | None:
    """`--event` as the user wrote it: the provider's event id (e.g. ev_4467889) or our numeric id."""
    if ref is None:
        return None
    rows = store.conn.execute("SELECT id FROM events WHERE remote_id = ?", (ref,)).fetchall()
    if not rows and ref.isdigit():
        rows = store.conn.execute("SELECT id FROM events WHERE id = ?", (int(ref),)).fetchall()
    if not rows:
        raise NotFound(f"no cached event {ref!r} (see `checkin-app events`)")
    return [r[0] for r in rows]


def set_admitted(store: Store, event_ids: list[int]) -> None:
    """This door admits exactly these events."""
    with store.transaction() as conn:
        conn.execute("UPDATE events SET admitted = 0")
        conn.executemany("UPDATE events SET admitted = 1 WHERE id = ?", [(i,) for i in event_ids])
