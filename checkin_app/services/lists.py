"""Check-in lists: defining them (a replicated journal act), listing them, choosing a door's, occupancy.

A list is venue configuration: `define` writes a `list_defined` journal row, so the list reaches
every door of the venue by replication and the latest definition of a name wins on all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

from checkin_app.domain.attention import parse_rule
from checkin_app.domain import checkin_lists as domain
from checkin_app.domain.checkin_lists import CheckinList, EventRef, Occupancy
from checkin_app.domain.clock import utc_now
from checkin_app.errors import CheckinError, NotFound
from checkin_app.store import Store
from checkin_app.store import checkin_lists as store_lists
from checkin_app.store import journal


@dataclass(frozen=True)
class ListSpec:
    """A list as the user wrote it (`lists create` or the GUI); `define` resolves and checks it."""

    name: str
    events: Sequence[str]  # provider event ids (or our numeric ids), as `--event` takes them
    ticket_types: Sequence[str] = ()
    valid_from: str | None = None  # ISO; without an offset it is read in the list's event's offset
    valid_until: str | None = None
    from_start: int | None = None
    until_start: int | None = None
    entries: str = domain.Entries.ONCE.value
    per_day: int | None = None
    min_gap: int | None = None
    reentry: bool = False
    exit_all_at: str | None = None
    capacity: int | None = None
    warning: int | None = None
    area: str | None = None
    attention: Sequence[str] = ()
    show_answers: Sequence[str] = ()
    auto_badge: bool = False


def define(store: Store, spec: ListSpec, door: str | None = None) -> CheckinList:
    """Create or replace a list (journalled, replicated). Raises CheckinError / NotFound for bad input."""
    with store.transaction() as conn:
        refs: list[EventRef] = []
        for ref in spec.events:
            found = store_lists.refs_for(conn, ref)
            if not found:
                raise NotFound(f"no cached event {ref!r} (see `checkin-app events`)")
            refs += found
        offset = _list_offset(conn, refs)
        try:
            for text in spec.attention:  # refused with its sentence here, never stored unreadable
                parse_rule(text)
            lst = domain.make(
                name=spec.name, events=refs, ticket_types=spec.ticket_types,
                valid_from=_with_offset(spec.valid_from, offset, "--from"),
                valid_until=_with_offset(spec.valid_until, offset, "--until"),
                from_start=spec.from_start, until_start=spec.until_start, entries=spec.entries, per_day=spec.per_day,
                min_gap=spec.min_gap, reentry=spec.reentry, exit_all_at=spec.exit_all_at, capacity=spec.capacity,
                warning=spec.warning, area=spec.area, attention=spec.attention, show_answers=spec.show_answers,
                auto_badge=spec.auto_badge)
        except ValueError as exc:
            raise CheckinError(str(exc)) from None
        at = utc_now()
        row = journal.append(conn, device_id=store.device_id, op=journal.Op.LIST_DEFINED, at=at, door=door,
                             payload=lst.to_json())
        store_lists.define(conn, lst, at, store.device_id, row.seq)
    return lst


def _list_offset(conn: Any, refs: list[EventRef]) -> timezone | None:
    """The UTC offset of the first of the list's events that gives one on its start time."""
    for starts_at in store_lists.start_times(conn, refs):
        if domain.aware(starts_at) is not None:
            return domain.event_offset(starts_at)
    return None


def _with_offset(text: str | None, offset: timezone | None, flag: str) -> str | None:
    """An ISO time as an aware text: one without an offset is read in the list's event's offset."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CheckinError(f"{flag} {text!r} is not an ISO date and time (e.g. 2026-03-14T18:30+01:00)") from None
    if when.tzinfo is None:
        if offset is None:
            raise CheckinError(f"{flag} {text!r} has no UTC offset and the list's events give none; add one (e.g. +01:00)")
        when = when.replace(tzinfo=offset)
    return when.isoformat()


def simulate_time(store: Store, text: str, names: Sequence[str]) -> str:
    """`scan --at`: an aware ISO time; one without an offset is read in the offset of the lists' events."""
    lists = [get(store, n) for n in names]
    offset = _list_offset(store.conn, [ref for lst in lists for ref in lst.events])
    return _with_offset(text, offset, "--at") or text


def rules_in_words(r: dict[str, Any]) -> str:
    """One line of a list's rules in words (`lists`, `lists create`, the GUI's list editor), from `to_json`."""
    parts = [", ".join(f"{e['remote_id']}" for e in r["events"])]
    if r["ticket_types"]:
        parts.append("types " + ", ".join(r["ticket_types"]))
    entries = {"once": "once", "unlimited": "unlimited entries"}.get(r["entries"], f"{r['per_day']}/day")
    parts.append(entries + (f", {r['min_gap']} min apart" if r["min_gap"] else ""))
    if r["reentry"]:
        parts.append("re-entry after exit")
    if r["exit_all_at"]:
        parts.append(f"exit all at {r['exit_all_at']}")
    if r["capacity"]:
        parts.append(f"capacity {r['capacity']} in {r['area']}")
    if r.get("auto_badge"):
        parts.append("badge on first admission")
    return "; ".join(parts)


def all_lists(store: Store) -> dict[str, CheckinList]:
    return store_lists.all_lists(store.conn)


def get(store: Store, name: str) -> CheckinList:
    try:
        lst = store_lists.get(store.conn, name)
    except ValueError as exc:  # stored by a newer build: shown, never enforced half
        raise CheckinError(f"list {name!r} cannot be read by this version: {exc}") from None
    if lst is None:
        raise NotFound(f"no check-in list {name!r} (see `checkin-app lists`)")
    return lst


def describe(store: Store) -> list[dict[str, Any]]:
    """Every list as `lists --json` shows it: the definition, who defined it and when, and who is inside."""
    lists = all_lists(store)
    when = store_lists.defined_at(store.conn)
    people = {o.list_name: o for o in occupancy(store)}
    return [lst.to_json() | {"defined": when.get(name), "inside": people[name].inside,
                             "area_inside": people[name].area_inside} for name, lst in lists.items()]


def occupancy(store: Store, name: str | None = None, at: datetime | None = None) -> list[Occupancy]:
    """People inside each list (or the one named) and its area, at `at` (default now)."""
    lists = all_lists(store)
    if name is not None:
        lists = {name: get(store, name)}
    counts = store_lists.inside_counts(store.conn, at or datetime.now(timezone.utc))
    return domain.summarise(lists, counts)


def occupancy_document(rows: list[Occupancy]) -> dict[str, Any]:
    """`occupancy --json`: per list, and per area (each person once, whichever list let them in)."""
    areas: dict[str, dict[str, Any]] = {}
    for o in rows:
        a = areas.setdefault(o.area, {"area": o.area, "inside": o.area_inside, "lists": []})
        a["lists"].append(o.list_name)
    return {
        "lists": [{"list": o.list_name, "area": o.area, "inside": o.inside, "area_inside": o.area_inside,
                   "capacity": o.capacity, "warning": o.warning, "state": o.state} for o in rows],
        "areas": list(areas.values()),
    }


def door_lists(store: Store) -> list[str]:
    return store_lists.door_lists(store.conn)


def set_door_lists(store: Store, names: Sequence[str]) -> list[str]:
    """The lists this door scans against from now on, in order (none: no list rules)."""
    chosen = list(dict.fromkeys(n for n in names if n))
    for n in chosen:
        get(store, n)
    with store.transaction() as conn:
        store_lists.set_door_lists(conn, chosen)
    return chosen
