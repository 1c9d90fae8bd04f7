"""Issue 16 §3: one definition of an admission and of the events a door admits, typed conflict rows."""
import itertools
import sqlite3

from checkin_app.domain import hlc
from checkin_app.domain.clock import utc_now
from checkin_app.domain.models import ConflictKind
from checkin_app.domain.rules import VerdictKind
from checkin_app.providers.registry import pushes
from checkin_app.services import stats, supervisor
from checkin_app.services.status import door_status
from checkin_app.store import events, journal, replica
from checkin_app.store.journal import Op
from tests.factories import seeded_store


def test_the_admitted_act_in_sql_and_in_python_are_the_same_rule():
    ops = [v for k, v in vars(Op).items() if k.isupper()] + [replica.PUSHED, replica.ALARM, None]
    verdicts = [v.value for v in VerdictKind] + [None]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE journal (op TEXT, verdict TEXT)")
    conn.executemany("INSERT INTO journal VALUES (?, ?)", itertools.product(ops, verdicts))
    in_sql = set(conn.execute(f"SELECT op, verdict FROM journal j WHERE {journal.admitted_act('j')}"))
    assert in_sql == {(op, v) for op, v in itertools.product(ops, verdicts) if journal.admits(op, v)}
    assert in_sql == {("scan", "admitted"), ("force", "forced")}


def test_a_replicated_scan_claiming_forced_is_no_admission_anywhere(tmp_path):
    """A row from another door that pairs a scan with the supervisor's verdict (no door writes that).

    The replay never counted it; the counts, the undo and the push once did (`op IN (scan, force)
    AND verdict IN (admitted, forced)`), so the door showed an arrival for a ticket not checked in.
    """
    store = seeded_store(tmp_path / "door")
    row = {"device_id": "dev-other", "seq": 1, "op": "scan", "verdict": "forced", "provider": "tickettailor",
           "event_remote_id": "ev_1", "ticket_remote_id": "it_al4R5", "code": "al4R5", "door": "Door X",
           "payload": {"message": "?"}, "at": utc_now(), "nonce": "f" * 32}
    row["hlc"] = hlc.from_iso(row["at"])
    with store.transaction() as conn:
        report = replica.apply_rows(conn, [row], own_device=store.device_id, pushes=pushes, now=utc_now())
    assert report.applied == 1 and report.quarantined == 0
    assert store.conn.execute("SELECT checked_in_at FROM tickets WHERE code = 'al4R5'").fetchone()[0] is None
    assert stats.per_door(store) == [] and stats.rate_per_minute(store) == 0
    assert sum(b["total"] for b in stats.arrivals(store, 5, 1.0)) == 0
    assert store.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0  # nothing to push
    store.close()


def test_the_events_a_door_admits_are_one_answer_for_every_reader(tmp_path):
    store = seeded_store(tmp_path / "door")
    ids = sorted(r["id"] for r in events.admitted_events(store.conn))
    with store.transaction() as conn:
        events.set_chosen(conn, ids[:1])
    assert events.admitted_ids(store.conn) == frozenset(ids[:1])
    assert [r["id"] for r in events.admitted_events(store.conn)] == ids[:1]
    assert [item.event_id for item in door_status(store).lists] == ids[:1]
    assert events.admitted_providers(store.conn) == {"tickettailor"}
    store.close()


def test_a_conflict_kind_this_build_does_not_know_is_shown_with_its_own_words(tmp_path):
    store = seeded_store(tmp_path / "door")
    with store.transaction() as conn:  # as a newer build would have stored it
        conn.execute("INSERT INTO conflicts (kind, ticket_id, journal_a, journal_b, detail, at)"
                     " VALUES ('tripled_admission', NULL, 0, 0, '{\"doors\": 3}', ?)", (utc_now(),))
    [row] = supervisor.conflicts(store)
    assert row.kind is ConflictKind.OTHER and row.kind_text == "tripled_admission" and row.ids
    assert "tripled_admission" in row.summary and "doors: 3" in row.summary
    assert row.to_dict()["kind"] == "tripled_admission" and row.to_dict()["summary"] == row.summary
    supervisor.resolve_conflict(store, row.ids)
    assert supervisor.conflicts(store) == []
    store.close()
