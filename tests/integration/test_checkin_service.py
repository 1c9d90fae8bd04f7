import pytest

from checkin_app.domain.rules import Mode, VerdictKind
from checkin_app.errors import CheckinError, InvalidCode, NotFound
from checkin_app.services.checkin import CheckinService
from checkin_app.store import journal as J
from checkin_app.store.tickets import candidates
from tests.factories import seeded_store


@pytest.fixture
def store(tmp_path):
    with seeded_store(tmp_path) as s:
        yield s


def journal_ops(store):
    return [(r["op"], r["verdict"], r["code"]) for r in store.conn.execute("SELECT op, verdict, code FROM journal ORDER BY id")]


def test_scan_admits_once_then_refuses_and_journals_both(store):
    door1 = CheckinService(store, door="Door 1")
    assert door1.scan("al4R5\r\n").kind is VerdictKind.ADMITTED
    again = door1.scan("al4R5")
    assert again.kind is VerdictKind.ALREADY_CHECKED_IN and "Door 1" in again.message
    assert journal_ops(store) == [("scan", "admitted", "al4R5"), ("scan", "already_checked_in", "al4R5")]
    seqs = [r[0] for r in store.conn.execute("SELECT seq FROM journal ORDER BY id")]
    assert seqs == [1, 2]


def test_every_refusal_is_journalled(store):
    s = CheckinService(store)
    kinds = [s.scan(c).kind for c in ("VOIDED1", "PR:BG3IXCQIRV", "definitely-not-a-ticket")]
    assert kinds == [VerdictKind.VOID, VerdictKind.NOT_ADMISSION, VerdictKind.UNKNOWN]
    assert [v for _, v, _ in journal_ops(store)] == ["void", "not_admission", "unknown"]


def test_wrong_event_when_door_admits_only_night_two(store):
    from checkin_app.services.events import resolve, set_admitted

    set_admitted(store, resolve(store, "ev_2"))
    s = CheckinService(store)
    v = s.scan("al4R5")
    assert v.kind is VerdictKind.WRONG_EVENT and v.other_event == "Night one"
    assert s.scan("n2only").kind is VerdictKind.ADMITTED


def test_invalid_codes_are_errors_and_record_nothing(store):
    s = CheckinService(store)
    for raw in ("", "\r\n", "x" * 10_000):
        with pytest.raises(InvalidCode):
            s.scan(raw)
    assert journal_ops(store) == []


def test_sql_in_a_code_is_just_an_unknown_code(store):
    v = CheckinService(store).scan("'; DROP TABLE tickets; --")
    assert v.kind is VerdictKind.UNKNOWN
    assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 7


def test_undo_then_rescan_admits_again(store):
    s = CheckinService(store, door="Door 1")
    s.scan("R59xesv")
    s.undo("R59xesv")
    assert not candidates(store.conn, "R59xesv")[0].checked_in
    assert s.scan("R59xesv").kind is VerdictKind.ADMITTED
    with pytest.raises(CheckinError, match="not checked in"):
        s.undo("al4R5")


def test_void_locally_refuses_at_once_and_needs_a_reason(store):
    s = CheckinService(store)
    with pytest.raises(CheckinError, match="reason"):
        s.void("al4R5", "  ")
    s.void("al4R5", "chargeback")
    assert s.scan("al4R5").kind is VerdictKind.VOID
    row = J.history(store.conn, candidates(store.conn, "al4R5")[0].ticket_id)[0]
    assert row.op == "void" and row.payload == {"reason": "chargeback"}


def test_force_admit_records_the_reason(store):
    s = CheckinService(store)
    v = s.force("VOIDED1", "promoter vouched")
    assert v.kind is VerdictKind.FORCED
    assert journal_ops(store)[-1] == ("force", "forced", "VOIDED1")
    assert candidates(store.conn, "VOIDED1")[0].inside


def test_exit_and_reentry(store):
    s = CheckinService(store)
    s.scan("al4R5")
    assert s.scan("al4R5", mode=Mode.EXIT).kind is VerdictKind.EXITED
    v = s.scan("al4R5")
    assert v.kind is VerdictKind.ADMITTED and v.reentry


def test_party_check_in_counts(store):
    s = CheckinService(store)
    tid = candidates(store.conn, "TEVO-1")[0].ticket_id
    v = s.admit_party(tid, 3)
    assert v.kind is VerdictKind.ADMITTED and "3 of 4" in v.message
    assert s.scan("TEVO-1").kind is VerdictKind.ADMITTED
    assert s.scan("TEVO-1").kind is VerdictKind.ALREADY_CHECKED_IN


def test_walk_up_issue_is_scannable(store):
    from checkin_app.services.events import resolve

    s = CheckinService(store)
    result = s.issue(resolve(store, "ev_1")[0], "Walk Up", "walk@example.com")
    assert result.code.startswith("W") and len(result.code) == 8
    assert s.scan(result.code).kind is VerdictKind.ADMITTED
    from checkin_app.store.search import search

    assert [r["code"] for r in search(store.conn, "walk up")] == [result.code]  # indexed on insert
    with pytest.raises(NotFound):
        s.issue(999, "Nobody")
