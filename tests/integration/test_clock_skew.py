"""Doors whose clocks disagree by minutes order acts by the hybrid logical clock (issue 18, item 1)."""
import sqlite3
from datetime import timedelta

from checkin_app.domain import hlc
from checkin_app.domain.rules import Mode, VerdictKind
from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, journal, replica
from checkin_app.store.db import DB_NAME
from checkin_app.store.schema import MIGRATIONS
from tests.helpers.skewed_doors import START, make_doors, simulate


def test_a_re_entry_at_a_door_four_minutes_behind_is_a_re_entry_and_a_second_person_is_refused(tmp_path):
    """The issue's scenario: Door B's clock is 4 minutes behind Door A's (inside the 5 minutes door
    authentication allows). Ordered by wall clocks, B's genuine re-entry sorted before the admission
    it followed: a false double admission, and the ticket read as "outside", so a second person with
    a copy of the ticket got in at Door A as a "re-entry"."""
    a, b = make_doors(tmp_path, [0, -240], ["SKEW1x"])
    try:
        t = START
        assert a.scan("SKEW1x", t).kind is VerdictKind.ADMITTED
        b.pull(a, t + timedelta(seconds=1))
        assert a.scan("SKEW1x", t + timedelta(seconds=60), Mode.EXIT).kind is VerdictKind.EXITED
        b.pull(a, t + timedelta(seconds=61))
        back = b.scan("SKEW1x", t + timedelta(seconds=120))
        assert back.kind is VerdictKind.ADMITTED and back.reentry
        for x, y in ((a, b), (b, a)):
            x.pull(y, t + timedelta(seconds=121))
        for door in (a, b):
            assert door.conflicts() == [], door.name
            assert door.ticket("SKEW1x")["inside"] == 1, door.name
        copy = a.scan("SKEW1x", t + timedelta(seconds=180))
        assert copy.kind is VerdictKind.ALREADY_CHECKED_IN, copy.message
    finally:
        for door in (a, b):
            door.store.close()


def test_four_minutes_of_skew_either_way_gives_no_false_conflicts(tmp_path):
    """Three doors at -4, 0 and +4 minutes; 40 people entering, leaving and coming back through
    random doors, 20 s apart. Every act is genuine: no conflict, no refusal, every door right
    about who is inside."""
    figure = simulate(tmp_path, [-240, 0, 240], people=40, rounds=2)
    assert figure.acts == 160
    assert (figure.false_conflicts, figure.wrong_inside, figure.refused_genuine) == (0, 0, 0), figure


def test_rows_from_a_door_an_hour_ahead_count_but_do_not_drag_this_door_s_clock(tmp_path):
    """A peer's far-future clock is not adopted (it would move every door's clock for good): its
    admission still counts, this door's clock stays near its own wall time, and status says why."""
    a, far = make_doors(tmp_path, [0, 3600], ["SKEW2x", "SKEW3x"])
    try:
        assert far.scan("SKEW2x", START).kind is VerdictKind.ADMITTED
        a.pull(far, START)
        assert a.ticket("SKEW2x")["admitted_count"] == 1  # counted
        assert hlc.wall_ms(journal.clock(a.store.conn)) <= START.timestamp() * 1000 + 1000  # not dragged an hour ahead
        later = a.scan("SKEW3x", START + timedelta(seconds=5))
        assert later.kind is VerdictKind.ADMITTED
        stamps = dict(a.store.conn.execute("SELECT code, hlc >> 16 FROM journal"))
        assert stamps["SKEW3x"] - int(START.timestamp() * 1000) == 5000  # at its own wall time
        notes = doors_service.status(a.store).notices
        assert any("were stamped 1 h 0 min ahead of this door's clock" in n and "set that door's clock right" in n
                   for n in notes), notes
    finally:
        for door in (a, far):
            door.store.close()


def test_an_old_data_dir_gets_stamps_derived_from_its_rows_times_and_keeps_working(tmp_path):
    """A data dir from before the hybrid logical clock (migrations 1-4): its rows are stamped from
    their `at`, the same on every door, the door's clock starts past them, and scans go on."""
    db = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    for script in MIGRATIONS[:4]:
        script(db) if callable(script) else db.executescript(script)
    db.execute("PRAGMA user_version = 4")
    db.execute("INSERT INTO events (provider, remote_id, name, updated_at) VALUES ('tickettailor', 'ev_1', 'N', 'x')")
    db.execute("INSERT INTO tickets (event_id, provider, remote_id, code, updated_at, checked_in_at, admitted_count,"
               " inside) VALUES (1, 'tickettailor', 'it_1', 'OLD1', 'x', '2026-11-24T20:00:00.000+00:00', 1, 0)")
    for seq, op, verdict, at in ((1, "scan", "admitted", "2026-11-24T20:00:00.000+00:00"),
                                 (2, "exit", "exited", "2026-11-24T20:30:00.250+00:00")):
        db.execute("INSERT INTO journal (device_id, seq, op, verdict, ticket_id, provider, event_remote_id,"
                   " ticket_remote_id, code, door, payload, at, nonce) VALUES ('old', ?, ?, ?, 1, 'tickettailor',"
                   " 'ev_1', 'it_1', 'OLD1', 'Door Old', '{}', ?, ?)", (seq, op, verdict, at, f"n{seq}"))
    db.close()
    with Store(tmp_path) as store:
        stamps = [tuple(r) for r in store.conn.execute("SELECT seq, hlc FROM journal ORDER BY seq")]
        assert stamps == [(1, hlc.from_iso("2026-11-24T20:00:00.000+00:00")),
                          (2, hlc.from_iso("2026-11-24T20:30:00.250+00:00"))]
        assert journal.clock(store.conn) == stamps[-1][1]
        assert [r["hlc"] for r in replica.rows_after(store.conn, {})] == [s for _, s in stamps]  # on the wire
        back = CheckinService(store, door="Door Old").scan("OLD1")
        assert back.kind is VerdictKind.ADMITTED and back.reentry
        assert store.conn.execute("SELECT MAX(hlc) FROM journal").fetchone()[0] > stamps[-1][1]
