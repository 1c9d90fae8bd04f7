"""Cached events: listing them, resolving a user's `--event`, choosing what this door admits."""
from __future__ import annotations

from checkin_app.domain.rules import event_time
from checkin_app.errors import NotFound
from checkin_app.services import stats
from checkin_app.store import Store
from checkin_app.store import events as scope


def list_events(store: Store) -> list[dict]:
    rows = scope.listing(store.conn)
    people = stats.per_event(store)  # expected / arrived: the same figures as the door's counters
    empty = {"expected": 0, "admitted": 0}
    return [dict(r, admitted=bool(r["admitted"]), cancelled=bool(r["cancelled"]),
                 when=event_time(r["starts_at"]) if r["starts_at"] else None,
                 expected=people.get(r["id"], empty)["expected"],
                 arrived=people.get(r["id"], empty)["admitted"]) for r in rows]


def resolve(store: Store, ref: str | None) -> list[int] | None:
    """`--event` as the user wrote it: the provider's event id (e.g. ev_4467889) or our numeric id."""
    if ref is None:
        return None
    ids = scope.ids_for_ref(store.conn, ref)
    if not ids:
        raise NotFound(f"no cached event {ref!r} (see `checkin-app events`)")
    return ids


def set_admitted(store: Store, event_ids: list[int]) -> None:
    """This door admits exactly these events; an event first seen later waits to be chosen."""
    with store.transaction() as conn:
        scope.set_chosen(conn, event_ids)


def admit_remote(store: Store, remote_ids: list[str]) -> list[dict]:
    """`events --admit ID ...`: the door admits exactly these provider events from now on.

    Raises:
        NotFound: an id is not a cached event (nothing is changed).
    """
    with store.transaction() as conn:
        found = scope.ids_for_remote(conn, remote_ids)
        missing = [ref for ref, ids in found.items() if not ids]
        if missing:
            raise NotFound(f"no cached event {', '.join(map(repr, missing))} (see `checkin-app events`)")
        scope.set_chosen(conn, sorted({i for ids in found.values() for i in ids}))
    return door_scope(store)["events"]


def admit_all(store: Store) -> None:
    """`events --admit-all`: the door admits every cached event, and every new one, as if it never chose."""
    with store.transaction() as conn:
        scope.set_all(conn)


def door_scope(store: Store) -> dict:
    """What this door admits, for the Door tab's "Admitting: …" line and `scan --json`.

    Returns:
        `{"scope": "all" | "chosen", "events": [{id, provider, remote_id, name, starts_at, when,
        timezone, cancelled}]}`: "all" when the door never chose (every cached event admits, and
        says so); `when` is the start in the event's own zone ("Sat 14 Mar 19:30").
    """
    conn = store.conn
    return {"scope": scope.scope_mode(conn), "events": [
        {"id": r["id"], "provider": r["provider"], "remote_id": r["remote_id"], "name": r["name"],
         "starts_at": r["starts_at"], "when": event_time(r["starts_at"]) if r["starts_at"] else None,
         "timezone": r["timezone"], "cancelled": bool(r["cancelled"])}
        for r in scope.admitted_events(conn)]}
