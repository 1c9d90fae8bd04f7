"""Doors whose wall clocks disagree, replicating through the real row serializer and apply code.

Each door is a real Store (SQLite) with a `CheckinService`; a door's clock is the true time plus
its skew, given to the service the way a wrong system clock would (`checkin.utc_now`). Doors
exchange rows with `replica.rows_after` / `replica.apply_rows`, the code the door server and the
pull worker run, so a row goes on the wire exactly as between two laptops.
"""
from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from checkin_app.domain.rules import Mode, VerdictKind
from checkin_app.providers.registry import pushes
from checkin_app.services import checkin as checkin_module
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from tests.helpers.doors import seed

START = datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc)


@contextlib.contextmanager
def door_clock(at: datetime) -> Iterator[None]:
    """The scanning code reads this time as its wall clock for the duration."""
    saved = checkin_module.utc_now
    checkin_module.utc_now = lambda: at.isoformat(timespec="milliseconds")
    try:
        yield
    finally:
        checkin_module.utc_now = saved


@dataclass
class SkewedDoor:
    store: Store
    name: str
    skew: timedelta

    def clock(self, true_time: datetime) -> datetime:
        return true_time + self.skew

    def scan(self, code: str, true_time: datetime, mode: Mode = Mode.ENTRY):
        with door_clock(self.clock(true_time)):
            return CheckinService(self.store, door=self.name).scan(code, mode=mode)

    def pull(self, other: "SkewedDoor", true_time: datetime) -> replica.ApplyReport:
        rows = replica.rows_after(other.store.conn, replica.heads(self.store.conn), limit=1000)
        with self.store.transaction() as conn:
            return replica.apply_rows(conn, rows, own_device=self.store.device_id, pushes=pushes,
                                      now=self.clock(true_time).isoformat(timespec="milliseconds"))

    def conflicts(self) -> list[tuple]:
        return [tuple(r) for r in self.store.conn.execute("SELECT kind, detail FROM conflicts ORDER BY id")]

    def ticket(self, code: str) -> dict:
        return dict(self.store.conn.execute(
            "SELECT checked_in_door, admitted_count, inside FROM tickets WHERE code = ?", (code,)).fetchone())


def make_doors(tmp: Path, skews_s: list[float], codes: list[str]) -> list[SkewedDoor]:
    doors = []
    for i, skew in enumerate(skews_s):
        seed(tmp / f"door{i}", codes)
        doors.append(SkewedDoor(Store(tmp / f"door{i}"), f"Door {chr(65 + i)}", timedelta(seconds=skew)))
    return doors


def sync_all(doors: list[SkewedDoor], true_time: datetime) -> None:
    """Every door pulls every other (twice round, so relayed rows arrive too)."""
    for _ in range(2):
        for a in doors:
            for b in doors:
                if a is not b:
                    a.pull(b, true_time)


@dataclass
class SkewFigure:
    people: int
    acts: int
    false_conflicts: int  # conflicts recorded though every act was a genuine entry, exit or re-entry
    wrong_inside: int  # (door, ticket) pairs whose "inside" disagrees with where the person really is
    refused_genuine: int  # genuine entries/re-entries a door refused


def simulate(tmp: Path, skews_s: list[float], people: int = 60, rounds: int = 3, seed_: int = 1,
             gap_s: float = 20.0) -> SkewFigure:
    """People enter, leave and come back through random doors; every act is genuine.

    Between two acts of one person at least `gap_s` seconds pass, far less than the doors' clocks
    disagree by, and every door hears of each act before the next one (the venue's network is up). Nothing here is a double use, so
    every conflict is false, and every refusal of a genuine act is a wrong verdict.
    """
    rng = random.Random(seed_)
    codes = [f"SK{n:04d}x" for n in range(people)]
    doors = make_doors(tmp, skews_s, codes)
    try:
        now = START
        inside = {c: False for c in codes}
        acts = refused = 0
        for _ in range(rounds * 2):
            for code in rng.sample(codes, len(codes)):
                door = rng.choice(doors)
                mode = Mode.EXIT if inside[code] else Mode.ENTRY
                verdict = door.scan(code, now, mode)
                acts += 1
                if verdict.kind not in (VerdictKind.ADMITTED, VerdictKind.EXITED):
                    refused += 1
                else:
                    inside[code] = not inside[code]
                now += timedelta(seconds=gap_s / len(codes))
                for other in doors:  # the network is up: every door hears of the act at once
                    if other is not door:
                        other.pull(door, now)
            now += timedelta(seconds=gap_s)
        wrong = sum(bool(d.ticket(c)["inside"]) != inside[c] for d in doors for c in codes)
        false_conflicts = sum(len(d.conflicts()) for d in doors)
        return SkewFigure(people, acts, false_conflicts, wrong, refused)
    finally:
        for d in doors:
            d.store.close()
