"""Check-in lists: which tickets a door admits, when, how often, and how many people at once. Pure.

A list names its events (by provider and provider event id, so it means the same on every door),
optionally its ticket types, and its rules. `evaluate` decides one ticket on one list from that
ticket's own movements (entries and exits from every door, as the journal holds them) and the
number of people inside the list's area; nothing else, so the same journal and the same time give
the same answer on every door, whatever order the rows reached it in.

Time, explicitly:
- Stored times are aware ISO-8601; comparisons are between instants, never wall clocks.
- A list's "day" (entries per day) and its exit-all-at clock time are read in the **ticket's event's
  own UTC offset**, as the provider gave it on the event's start time (`+01:00` in
  `2026-03-14T19:30:00+01:00`); an event without one is read in UTC. A fixed offset, not a zone
  database: every door computes the same instants whatever its own zone or tzdata version (a
  daylight-saving change during an event shifts these by an hour: the price of determinism).
- Validity windows are half-open: admitted from `valid_from` exactly, refused from `valid_until`
  exactly. Relative bounds are minutes after each event's start (negative: before).

Rules, in the order they are checked (the first that refuses decides):
1. `ticket_type`: the ticket's type is on the list (every type when the list names none).
2. `valid_from` / `valid_until`: the time window.
3. `entries` and `min_gap`: an entry *counts* unless it is a re-entry the list allows (the holder
   left the area, by an exit scan or by exit-all-at, and `reentry` is on). Counted entries are
   limited to once ever, N per day, or unlimited; a counted entry within `min_gap` minutes of the
   previous counted one is `too_soon`.
4. `capacity`: people inside the list's area; a holder already inside adds nobody and is not refused.
A supervisor may force any of these refusals, as any other.
"""
from __future__ import annotations

import enum
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from checkin_app.domain.models import TicketKind
from checkin_app.domain.rules import TicketState, VerdictKind, event_time

NAME_MAX = 80
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class Entries(str, enum.Enum):
    ONCE = "once"
    DAILY = "daily"
    UNLIMITED = "unlimited"


class Rule(str, enum.Enum):
    """The rule that decided a scan on a list (`scan --json` key `rule`)."""

    TICKET = "ticket"  # the ticket's own state (void, unknown, not an admission...): the engine's base rules
    EVENT = "event"  # the ticket's event is not on the list
    TICKET_TYPE = "ticket_type"
    VALID_FROM = "valid_from"
    VALID_UNTIL = "valid_until"
    ENTRIES = "entries"
    MIN_GAP = "min_gap"
    CAPACITY = "capacity"
    REENTRY = "reentry"  # admitted as a re-entry after an exit, not counted
    ADMITTED = "all_rules"  # every rule passed; the entry counts


@dataclass(frozen=True)
class EventRef:
    """An event as every door names it: the provider and the provider's event id."""

    provider: str
    remote_id: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.remote_id}"


@dataclass(frozen=True)
class CheckinList:
    """One check-in list. Build with `make` (checks every field); `from_json` reads a stored one."""

    name: str
    events: tuple[EventRef, ...]
    ticket_types: tuple[str, ...] = ()  # empty: every ticket type
    valid_from: str | None = None  # aware ISO-8601
    valid_until: str | None = None
    from_start: int | None = None  # minutes after each event's start (negative: before)
    until_start: int | None = None
    entries: Entries = Entries.ONCE
    per_day: int = 1  # entries per day, for Entries.DAILY
    min_gap: int | None = None  # minutes between counted entries
    reentry: bool = False  # a re-entry after an exit does not count
    exit_all_at: str | None = None  # "03:00": everyone on the list counts as exited then, daily
    capacity: int | None = None  # people inside the list's area
    warning: int | None = None  # warn from this many people inside (default 90% of capacity)
    area: str = ""  # where the people inside are counted; default the list's name
    attention: tuple[str, ...] = ()  # `--attention RULE` texts, verbatim (domain.attention reads them)
    show_answers: tuple[str, ...] = ()  # questions whose answers the verdict shows
    auto_badge: bool = False

    @property
    def warning_level(self) -> int | None:
        if self.capacity is None:
            return None
        return self.warning if self.warning is not None else max(1, math.ceil(self.capacity * 0.9))

    def covers(self, event: EventRef) -> bool:
        return event in self.events

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["events"] = [{"provider": e.provider, "remote_id": e.remote_id} for e in self.events]
        out["entries"] = self.entries.value
        for key in ("ticket_types", "attention", "show_answers"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_json(cls, data: Any) -> "CheckinList":
        """A list from its stored or replicated form. Raises ValueError for anything not a list."""
        if not isinstance(data, dict):
            raise ValueError("a list definition is a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:  # a newer door's field: fail closed rather than enforce half a list
            raise ValueError(f"unknown list field(s): {', '.join(unknown)}")
        events = data.get("events")
        if not isinstance(events, list):
            raise ValueError("events must be a list")
        refs = []
        for e in events:
            if not (isinstance(e, dict) and isinstance(e.get("provider"), str) and isinstance(e.get("remote_id"), str)):
                raise ValueError("each event is {provider, remote_id}")
            refs.append(EventRef(e["provider"], e["remote_id"]))
        fields = {k: v for k, v in data.items() if k != "events"}
        for key in ("ticket_types", "attention", "show_answers"):
            value = fields.get(key, [])
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ValueError(f"{key} must be a list of texts")
            fields[key] = tuple(value)
        try:
            fields["entries"] = Entries(fields.get("entries", Entries.ONCE.value))
        except ValueError:
            raise ValueError(f"entries {fields.get('entries')!r} is not once, daily or unlimited") from None
        return make(events=tuple(refs), **fields)


def make(*, name: str, events: Iterable[EventRef], ticket_types: Iterable[str] = (), valid_from: str | None = None,
         valid_until: str | None = None, from_start: int | None = None, until_start: int | None = None,
         entries: Entries | str = Entries.ONCE, per_day: int | None = None, min_gap: int | None = None,
         reentry: bool = False, exit_all_at: str | None = None, capacity: int | None = None,
         warning: int | None = None, area: str | None = None, attention: Iterable[str] = (),
         show_answers: Iterable[str] = (), auto_badge: bool = False) -> CheckinList:
    """A checked list. Raises ValueError with a sentence a supervisor understands."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise ValueError(f"a list needs a name of 1 to {NAME_MAX} printable characters")
    refs = tuple(dict.fromkeys(events))
    if not refs:
        raise ValueError("a list needs at least one event")
    try:
        kind = Entries(entries)
    except ValueError:
        raise ValueError(f"entries {entries!r} is not once, daily or unlimited") from None
    if valid_from is not None and from_start is not None:
        raise ValueError("give the start of the window once: an absolute time or minutes from the event's start")
    if valid_until is not None and until_start is not None:
        raise ValueError("give the end of the window once: an absolute time or minutes from the event's start")
    for label, value in (("valid from", valid_from), ("valid until", valid_until)):
        if value is not None and aware(value) is None:
            raise ValueError(f"{label} {value!r} is not a date and time with a UTC offset")
    for label, minutes in (("from-start", from_start), ("until-start", until_start)):
        if minutes is not None and not _is_int(minutes):
            raise ValueError(f"{label} must be whole minutes")
    if valid_from and valid_until and aware(valid_from) >= aware(valid_until):  # type: ignore[operator]
        raise ValueError("the window ends before it starts")
    if from_start is not None and until_start is not None and from_start >= until_start:
        raise ValueError("the window ends before it starts")
    if per_day not in (None, 1) and kind is not Entries.DAILY:
        raise ValueError("--per-day goes with --entries daily")
    per_day = 1 if per_day is None else per_day
    if not _is_int(per_day) or per_day < 1:
        raise ValueError("entries per day must be at least 1")
    if min_gap is not None and (not _is_int(min_gap) or min_gap < 1):
        raise ValueError("the minimum gap is a whole number of minutes, at least 1")
    if exit_all_at is not None and not _CLOCK.fullmatch(exit_all_at):
        raise ValueError(f"exit-all-at {exit_all_at!r} is not a time like 03:00")
    if capacity is not None and (not _is_int(capacity) or capacity < 1):
        raise ValueError("capacity is a number of people, at least 1")
    if warning is not None and (capacity is None or not _is_int(warning) or not 1 <= warning <= capacity):
        raise ValueError("the warning level is a number of people between 1 and the capacity")
    if not isinstance(reentry, bool) or not isinstance(auto_badge, bool):
        raise ValueError("reentry and auto_badge are true or false")
    return CheckinList(
        name=name, events=refs, ticket_types=tuple(dict.fromkeys(t.strip() for t in ticket_types if t.strip())),
        valid_from=valid_from, valid_until=valid_until, from_start=from_start, until_start=until_start,
        entries=kind, per_day=per_day, min_gap=min_gap, reentry=reentry, exit_all_at=exit_all_at,
        capacity=capacity, warning=warning, area=(area or "").strip() or name, attention=tuple(attention),
        show_answers=tuple(show_answers), auto_badge=auto_badge,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def aware(iso: str | None) -> datetime | None:
    """An aware datetime for an ISO text with an offset; None for anything else (fail closed)."""
    if not isinstance(iso, str):
        return None
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else None


def event_offset(starts_at: str | None) -> timezone:
    """The event's own UTC offset, as its start time gives it; UTC when it gives none."""
    dt = aware(starts_at)
    offset = dt.utcoffset() if dt is not None else None
    return timezone(offset) if offset is not None else timezone.utc


# -- a ticket's movements -------------------------------------------------------------------

@dataclass(frozen=True)
class Movement:
    """One entry or exit of a ticket, from any door's journal row.

    Args:
        at: aware time of the act.
        entry: an admission (scan or supervisor's force); False for an exit.
        list_name: the list the act was on; None for an act outside any list.
        area: the area the act was in (an exit without one leaves every area).
        counted: an entry that counts toward the list's entry limit (re-entries the list allowed do not).
        leaves_at: when exit-all-at ends this entry's stay (None: only an exit does).
    """

    at: datetime
    entry: bool
    list_name: str | None = None
    area: str | None = None
    counted: bool = True
    leaves_at: datetime | None = None


@dataclass(frozen=True)
class Stay:
    """A ticket inside an area: since when, on which list, until when at the latest, how many people
    (a guest-list party comes in one by one; any other ticket is one person)."""

    area: str
    list_name: str
    since: datetime
    leaves_at: datetime | None
    people: int = 1

    def inside_at(self, now: datetime) -> bool:
        """Still inside at `now` unless exit-all-at has passed (the entry's own time is not compared:
        another door's clock may run a little ahead)."""
        return self.leaves_at is None or now < self.leaves_at


def stays(movements: Sequence[Movement], party: int = 1) -> dict[str, Stay]:
    """Where a ticket is (per area) after its movements, given in journal order (at, device, seq).

    An entry (on a list) opens a stay in its area, replacing the one there; an exit with an area
    ends that area's stay, one without ends every stay. Exit-all-at is carried on the stay
    (`leaves_at`) and read against the time asked about, so no process has to run at 03:00.
    A guest-list ticket (`party` > 1) adds one person per entry while its stay lasts, up to `party`
    (an exit ends the party's stay: exits are not counted per person).
    """
    out: dict[str, Stay] = {}
    for m in movements:
        if m.entry:
            if m.area is not None and m.list_name is not None:
                held = out.get(m.area)
                people = min(party, held.people + 1) if held is not None and held.inside_at(m.at) else 1
                out[m.area] = Stay(m.area, m.list_name, m.at, m.leaves_at, people)
        elif m.area is None:
            out.clear()
        else:
            out.pop(m.area, None)
    return out


# -- deciding ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One rule's result, for the supervisor's "simulate" tool: which rule, passed or not, why."""

    rule: Rule
    passed: bool
    why: str


@dataclass(frozen=True)
class ListOutcome:
    """What a list says about one ticket at one time.

    `refusal` is None when the list admits; `rule` is the rule that decided. `counted`, `area` and
    `leaves_at` are journalled with an admission so that every door replays the same stays.
    """

    list_name: str
    rule: Rule
    refusal: VerdictKind | None
    message: str
    area: str
    counted: bool = True
    leaves_at: str | None = None
    warning: str | None = None  # capacity warning on an admission ("452 of 500 inside")
    checks: tuple[Check, ...] = ()

    def journal_fields(self) -> dict[str, Any]:
        """The payload fields an admission on a list carries (replicated with the row)."""
        return {"list": self.list_name, "area": self.area, "counted": self.counted, "leaves_at": self.leaves_at}


def evaluate(lst: CheckinList, ticket: TicketState, movements: Sequence[Movement], area_inside: int,
             now: datetime) -> ListOutcome:
    """Decide one ticket on one list at `now`.

    Args:
        lst: the list.
        ticket: the ticket (its ticket type and its event's start time are read).
        movements: the ticket's entries and exits from every door, in journal order.
        area_inside: people inside the list's area at `now` (the ticket included if it is inside).
        now: the time of the scan (aware).

    Returns:
        The outcome, with every rule checked up to the one that decided.
    """
    checks: list[Check] = []
    here = _Context(lst, ticket, now, event_offset(ticket.event_starts_at))
    party = party_of(ticket)
    # Every movement the journal holds counts, whatever its time: another door's clock a few
    # seconds ahead must not hide its entry from this door's entry limit.
    stay = stays(movements, party).get(lst.area)
    inside = stay is not None and stay.inside_at(now)
    adds_person = not inside or stay is None or stay.people < party  # a party member still outside
    reentry = not inside and any(m.entry and m.area == lst.area for m in movements)
    counted = not (lst.reentry and reentry)
    leaves = here.leaves_at(now)

    def outcome(rule: Rule, kind: VerdictKind | None, message: str, warning: str | None = None) -> ListOutcome:
        if kind is not None:
            checks.append(Check(rule, False, message))
        return ListOutcome(lst.name, rule, kind, message, lst.area, counted=counted,
                           leaves_at=leaves.isoformat(timespec="milliseconds") if leaves else None,
                           warning=warning, checks=tuple(checks))

    # 1. ticket type
    if lst.ticket_types and (ticket.ticket_type or "") not in lst.ticket_types:
        return outcome(Rule.TICKET_TYPE, VerdictKind.NOT_ON_LIST,
                       f"Not on list {lst.name}: ticket type {ticket.ticket_type or '(none)'} is not admitted here")
    checks.append(Check(Rule.TICKET_TYPE, True, "every ticket type" if not lst.ticket_types
                        else f"{ticket.ticket_type} is on the list"))
    # 2. time window
    for rule, bound, minutes, is_start in ((Rule.VALID_FROM, lst.valid_from, lst.from_start, True),
                                           (Rule.VALID_UNTIL, lst.valid_until, lst.until_start, False)):
        if bound is None and minutes is None:
            continue
        edge = here.bound(bound, minutes)
        if edge is None:
            return outcome(rule, VerdictKind.OUTSIDE_TIME,
                           f"Outside time: list {lst.name} counts from the event's start, which the provider did not give")
        if is_start and now < edge:
            return outcome(rule, VerdictKind.OUTSIDE_TIME, f"Not valid yet: from {here.show(edge)}")
        if not is_start and now >= edge:
            return outcome(rule, VerdictKind.OUTSIDE_TIME, f"No longer valid: until {here.show(edge)}")
        checks.append(Check(rule, True, f"{'from' if is_start else 'until'} {here.show(edge)}"))
    # 3. entries and the gap between them (a re-entry the list allows is neither)
    if counted:
        on_list = [m for m in movements if m.entry and m.counted and m.list_name == lst.name]
        limit_refusal = here.entry_limit(on_list)
        if limit_refusal is not None:
            return outcome(Rule.ENTRIES, VerdictKind.ENTRY_LIMIT, limit_refusal)
        checks.append(Check(Rule.ENTRIES, True, here.entries_left(on_list)))
        if lst.min_gap is not None and on_list and party == 1:  # a party comes in one after the other
            last = max(m.at for m in on_list)
            again = last + timedelta(minutes=lst.min_gap)
            if now < again:
                return outcome(Rule.MIN_GAP, VerdictKind.TOO_SOON,
                               f"Too soon: {lst.min_gap} min between entries; may enter again at {here.show(again)}")
            checks.append(Check(Rule.MIN_GAP, True, f"last entry {here.show(last)}"))
    else:
        checks.append(Check(Rule.REENTRY, True, "re-entry after an exit: not counted"))
    # 4. capacity: a holder already inside adds nobody
    warning = None
    if lst.capacity is not None and adds_person:
        if area_inside >= lst.capacity:
            return outcome(Rule.CAPACITY, VerdictKind.CAPACITY_FULL, f"Full: {area_inside} of {lst.capacity} inside {lst.area}")
        after = area_inside + 1
        level = lst.warning_level
        if level is not None and after >= level:
            warning = f"{after} of {lst.capacity} inside {lst.area}"
        checks.append(Check(Rule.CAPACITY, True, f"{after} of {lst.capacity} inside {lst.area} after this entry"))
    if counted:
        return outcome(Rule.ADMITTED, None, "Every rule passed", warning)
    return outcome(Rule.REENTRY, None, "Re-entry after an exit", warning)


@dataclass(frozen=True)
class _Context:
    lst: CheckinList
    ticket: TicketState
    now: datetime
    offset: timezone

    def bound(self, absolute: str | None, minutes: int | None) -> datetime | None:
        if absolute is not None:
            return aware(absolute)
        start = aware(self.ticket.event_starts_at)
        return start + timedelta(minutes=minutes or 0) if start is not None else None

    def show(self, when: datetime) -> str:
        """`Sat 14 Mar 19:30` in the event's own offset (`rules.event_time`'s form)."""
        return event_time(when.astimezone(self.offset).isoformat())

    def day(self, when: datetime) -> date:
        return when.astimezone(self.offset).date()

    def entry_limit(self, on_list: Sequence[Movement]) -> str | None:
        """Why a counted entry would pass the list's limit, or None. A guest-list party's limit is per person."""
        lst = self.lst
        party = party_of(self.ticket)
        if lst.entries is Entries.UNLIMITED:
            return None
        if lst.entries is Entries.ONCE:
            if len(on_list) < party:
                return None
            why = "" if lst.reentry else " (re-entry after an exit is off on this list)"
            return f"Entry limit: once per ticket; entered {self.show(min(m.at for m in on_list))}{why}"
        today = [m for m in on_list if self.day(m.at) == self.day(self.now)]
        if len(today) < lst.per_day * party:
            return None
        return (f"Entry limit: {lst.per_day} per day; entered {len(today)}× today, last {self.show(max(m.at for m in today))};"
                f" again from {self.show(self.next_day())}")

    def entries_left(self, on_list: Sequence[Movement]) -> str:
        lst = self.lst
        if lst.entries is Entries.UNLIMITED:
            return "unlimited entries"
        if lst.entries is Entries.ONCE:
            return "first entry"
        today = sum(1 for m in on_list if self.day(m.at) == self.day(self.now))
        return f"entry {today + 1} of {lst.per_day * party_of(self.ticket)} today"

    def next_day(self) -> datetime:
        local = self.now.astimezone(self.offset)
        return datetime.combine(local.date() + timedelta(days=1), time(0, 0), self.offset)

    def leaves_at(self, entered: datetime) -> datetime | None:
        return leaves_at(self.lst, entered, self.offset)


def leaves_at(lst: CheckinList, entered: datetime, offset: timezone) -> datetime | None:
    """When exit-all-at ends a stay that began at `entered`: the first exit-all-at time strictly
    after it, read in the event's offset; None when the list has no exit-all-at."""
    if lst.exit_all_at is None:
        return None
    hours, minutes = (int(p) for p in lst.exit_all_at.split(":"))
    local = entered.astimezone(offset)
    at = datetime.combine(local.date(), time(hours, minutes), offset)
    return at if at > local else at + timedelta(days=1)


def party_of(ticket: TicketState) -> int:
    """People one ticket admits: a guest-list entry's party, else one."""
    return max(1, ticket.party_size) if ticket.kind is TicketKind.GUEST_LIST else 1


def pick_list(lists: Sequence[CheckinList], event: EventRef) -> CheckinList | None:
    """The door's list for a ticket of `event`: the first (in the door's order) that names the event."""
    return next((lst for lst in lists if lst.covers(event)), None)


def latest(definitions: Iterable[tuple[tuple[str, str, int], CheckinList]]) -> dict[str, CheckinList]:
    """The definition that wins per name: the one whose journal key (at, device_id, seq) sorts last.

    Every door holds the same rows, so every door picks the same definition whatever order they came in.
    """
    best: dict[str, tuple[tuple[str, str, int], CheckinList]] = {}
    for key, lst in definitions:
        if lst.name not in best or key > best[lst.name][0]:
            best[lst.name] = (key, lst)
    return {name: pair[1] for name, pair in best.items()}


def definition_text(lst: CheckinList) -> str:
    return json.dumps(lst.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Occupancy:
    """People inside one list and its area at one time."""

    list_name: str
    area: str
    inside: int  # entered on this list and not left (explicitly or by exit-all-at)
    area_inside: int  # inside the area, on any list (each person once)
    capacity: int | None = None
    warning: int | None = None

    @property
    def state(self) -> str:
        """"full", "warning" or "ok": the area's people against this list's capacity."""
        if self.capacity is not None and self.area_inside >= self.capacity:
            return "full"
        if self.warning is not None and self.area_inside >= self.warning:
            return "warning"
        return "ok"


def summarise(lists: Mapping[str, CheckinList], per_list: Mapping[tuple[str, str], int]) -> list[Occupancy]:
    """Occupancy rows for every list from (list, area) counts; areas sum their lists (no person twice).

    A stay belongs to exactly one (ticket, area) and one list, so an area's count is the sum of
    its lists' counts and a person entering the same area on two lists is counted once.
    """
    areas: dict[str, int] = {}
    for (_, area), n in per_list.items():
        areas[area] = areas.get(area, 0) + n
    return [Occupancy(name, lst.area, per_list.get((name, lst.area), 0), areas.get(lst.area, 0), lst.capacity,
                      lst.warning_level) for name, lst in sorted(lists.items())]


@dataclass(frozen=True)
class DoorLists:
    """What a door's scan needs to decide on its lists, loaded by the store before `rules.decide`.

    Args:
        lists: the door's lists, in the door's order.
        events: each candidate ticket's event ref, by ticket id.
        movements: each candidate ticket's movements, by ticket id.
        area_inside: people inside each area at `now`.
        now: the time of the scan.
    """

    lists: tuple[CheckinList, ...]
    events: Mapping[int, EventRef] = field(default_factory=dict)
    movements: Mapping[int, Sequence[Movement]] = field(default_factory=dict)
    area_inside: Mapping[str, int] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def list_for(self, ticket: TicketState) -> CheckinList | None:
        ref = self.events.get(ticket.ticket_id)
        return pick_list(self.lists, ref) if ref is not None else None

    def __call__(self, ticket: TicketState) -> ListOutcome | None:
        """The list's outcome for a ticket the base rules admit; None when no list names its event."""
        lst = self.list_for(ticket)
        if lst is None:
            return None
        return evaluate(lst, ticket, self.movements.get(ticket.ticket_id, ()), self.area_inside.get(lst.area, 0),
                        self.now)

    @property
    def names(self) -> str:
        return ", ".join(lst.name for lst in self.lists)
