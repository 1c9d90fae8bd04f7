"""A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): the order of every door's acts.

Doors' wall clocks disagree (a 4-minute skew is inside what door authentication allows), so
ordering acts by their wall-clock time can put a re-entry before the exit it followed. A hybrid
logical clock orders by physical time where clocks agree and never puts an act before one its
door had already heard of: every door keeps the highest clock it has seen, and its next act is
stamped past it. One value is one integer: milliseconds since the epoch in the high bits, a
counter that breaks ties (and keeps counting while a door's wall clock is behind what it has
heard) in the low 16 bits, so comparing integers compares clocks and SQLite sorts them as such.

A peer's clock far in the future must not drag every door's clock along (once adopted, a clock
never goes back): a remote value more than `MAX_AHEAD_MS` past this door's wall clock is not
adopted (`observe` refuses it and says so); the row still counts, ordered by its own stamp.
"""
from __future__ import annotations

from datetime import datetime, timezone

COUNTER_BITS = 16
COUNTER_MAX = (1 << COUNTER_BITS) - 1
# Door authentication refuses a peer more than 5 min away (door_auth.WINDOW_S); two doors that
# each sit just inside it of a third are 10 min apart, and their rows reach each other by relay.
MAX_AHEAD_MS = 10 * 60 * 1000
# From here on `doors status` and the log say two doors' clocks differ: acts stay in order anyway,
# but the times people read differ, and at 5 min door authentication refuses the pulls.
CLOCK_WARN_MS = 60_000
# The largest stamp a row may carry: year 9999 (an ISO time's range), all counter bits set.
MAX_STAMP = (253_402_300_799_999 << COUNTER_BITS) | COUNTER_MAX


def pack(wall_ms: int, counter: int = 0) -> int:
    return (wall_ms << COUNTER_BITS) | counter


def wall_ms(stamp: int) -> int:
    """The physical part of a stamp: milliseconds since the epoch."""
    return stamp >> COUNTER_BITS


def counter(stamp: int) -> int:
    return stamp & COUNTER_MAX


def ms_of_iso(at: str) -> int:
    """An ISO-8601 time with a zone (`clock.utc_now()`'s form) as milliseconds since the epoch.

    Exact integer arithmetic (no float): every door derives the same value from the same text.
    """
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_iso(at: str) -> int:
    """The stamp derived for a row written before rows carried one: its wall-clock time, counter 0.

    Old rows keep the order they always had (by `at`), and every door derives the same stamp.
    """
    return pack(ms_of_iso(at))


def tick(last: int, now_ms: int) -> int:
    """The stamp of a new local act: past `last` (the highest clock seen), at `now_ms` if that is later."""
    if now_ms > wall_ms(last):
        return pack(now_ms)
    if counter(last) < COUNTER_MAX:
        return last + 1
    return pack(wall_ms(last) + 1)  # 65,536 acts in one millisecond: borrow the next one


def observe(last: int, remote: int, now_ms: int, max_ahead_ms: int | None = None) -> tuple[int, bool]:
    """The clock after hearing of a row stamped `remote`: (new clock, whether `remote` was adopted).

    A stamp more than `max_ahead_ms` (default `MAX_AHEAD_MS`) past this door's wall clock is not
    adopted (the clock stays at `last`): one door with a wrong clock would otherwise move every
    door's clock, for good.
    """
    if wall_ms(remote) - now_ms > (MAX_AHEAD_MS if max_ahead_ms is None else max_ahead_ms):
        return last, False
    return max(last, remote), True


def valid(stamp: object) -> bool:
    """Whether a value read from the network is a stamp (a whole number in range; not a bool)."""
    return isinstance(stamp, int) and not isinstance(stamp, bool) and 0 <= stamp <= MAX_STAMP


def skew_text(ms: float) -> str:
    """"4 min 2 s ahead" / "850 ms behind": a clock difference as people read it."""
    word = "ahead" if ms > 0 else "behind"
    ms = abs(ms)
    if ms < 1000:
        return f"{ms:.0f} ms {word}"
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s {word}"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s {word}"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min {word}"
