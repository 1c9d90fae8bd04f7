"""Attention at the door through the check-in service, real SQLite, two and three replicating doors:
the hold counts at scan time, confirm and deny are journalled and replicate, deny takes the
admission back without voiding, and the supervisor's note reaches every door."""
import json

import pytest

from checkin_app.domain.attention import AttentionSetting
from checkin_app.domain.rules import VerdictKind
from checkin_app.errors import CheckinError
from checkin_app.services import attention as attention_service
from checkin_app.store import Store
from tests.helpers.cli import run_cli
from tests.integration import test_door_replica as replica_tests
from tests.integration.test_door_replica import next_ms, send, service

doors = replica_tests.doors  # three doors with the same cached tickets under different local ids (a fixture)

VIP = AttentionSetting.from_texts(["vip: ticket type is GA -> VIP: wristband"])


def journal(store, code="al4R5"):
    return [(r["op"], r["verdict"], json.loads(r["payload"])) for r in store.conn.execute(
        "SELECT op, verdict, payload FROM journal WHERE code = ? ORDER BY id", (code,))]


def held_by(store, code="al4R5"):
    return store.conn.execute("SELECT held_by FROM tickets WHERE code = ?", (code,)).fetchone()[0]


def test_a_held_admission_counts_at_scan_time_and_confirm_is_journalled(doors):
    a, b, _ = doors
    v = service(a, 0).scan("al4R5", attention=VIP)
    assert v.kind is VerdictKind.ADMITTED and v.held and [n.text for n in v.attention] == ["VIP: wristband"]
    (scan,) = journal(a)
    assert scan[:2] == ("scan", "admitted") and scan[2]["hold"] is True and scan[2]["attention"] == ["VIP: wristband"]
    assert held_by(a) is not None
    # The hold is open on Door A: Door B is not fooled by the same ticket.
    send(a, b)
    again = service(b, 1).scan("al4R5", attention=VIP)
    assert again.kind is VerdictKind.ALREADY_CHECKED_IN and "held there for a staff check now" in again.message
    result = service(a, 0).confirm("al4R5")
    assert "Confirmed" in result.message and held_by(a) is None
    assert journal(a)[-1][0] == "confirm" and journal(a)[-1][2]["of"] == a.conn.execute(
        "SELECT nonce FROM journal WHERE code = 'al4R5' AND op = 'scan'").fetchone()[0]
    send(a, b)
    assert held_by(b) is None
    assert "held there" not in service(b, 1).scan("al4R5").message
    with pytest.raises(CheckinError, match="waits for a check"):
        service(a, 0).confirm("al4R5")


def test_deny_takes_the_admission_back_without_voiding_and_replicates(doors):
    a, b, _ = doors
    service(a, 0).scan("al4R5", attention=VIP)
    send(a, b)
    result = service(a, 0).deny("al4R5", "no ID")
    assert "not admitted (ticket still valid)" in result.message
    op, _, payload = journal(a)[-1]
    assert op == "deny" and payload["reason"] == "no ID" and payload["undoes_nonce"]
    row = a.conn.execute("SELECT status, checked_in_at, admitted_count, held_by FROM tickets WHERE code = 'al4R5'").fetchone()
    assert tuple(row) == ("valid", None, 0, None)
    send(a, b)
    assert tuple(b.conn.execute("SELECT status, checked_in_at, admitted_count, held_by FROM tickets"
                                " WHERE code = 'al4R5'").fetchone()) == ("valid", None, 0, None)
    # The guest comes back with ID: Door B admits (and holds) again.
    assert service(b, 1).scan("al4R5", attention=VIP).held


def test_the_supervisors_note_replicates_holds_and_clears_everywhere(doors):
    a, b, c = doors
    service(a, 0).set_note("R59xesv", "Wheelchair: use the side door")
    send(a, b)
    send(b, c)  # by gossip, through Door B
    for store, i in ((b, 1), (c, 2)):
        v = service(store, i).scan("R59xesv")
        assert v.held and [(n.kind.value, n.text) for n in v.attention] == [("supervisor_note", "Wheelchair: use the side door")]
        service(store, i).deny("R59xesv")
    service(c, 2).set_note("R59xesv", None)
    send(c, a)
    assert a.conn.execute("SELECT note FROM tickets WHERE code = 'R59xesv'").fetchone()[0] is None
    v = service(a, 0).scan("R59xesv")
    assert v.kind is VerdictKind.ADMITTED and not v.held
    with pytest.raises(CheckinError, match="no note to clear"):
        service(a, 0).set_note("R59xesv", " ")


def test_the_latest_note_wins_on_every_door_whatever_order_rows_arrive_in(doors):
    a, b, _ = doors
    service(a, 0).set_note("al4R5", "first")
    next_ms()
    service(b, 1).set_note("al4R5", "second")
    send(b, a)
    send(a, b)
    notes = {s.conn.execute("SELECT note FROM tickets WHERE code = 'al4R5'").fetchone()[0] for s in (a, b)}
    assert notes == {"second"}


def test_the_door_setting_is_used_when_no_list_is_given(tmp_path):
    from tests.factories import seeded_store

    with seeded_store(tmp_path / "d") as store:
        with pytest.raises(CheckinError, match="not a kind of attention"):
            attention_service.set_door_rules(store, ["vipp: ticket type is GA"], [])
        attention_service.set_door_rules(store, ["id: ticket type is GA -> Check ID"], ["Age"])
        from checkin_app.services.checkin import CheckinService

        v = CheckinService(store, door="Door A").scan("al4R5")
        assert v.held and v.attention[0].text == "Check ID" and v.answers == (("Age", "(no answer)"),)


def test_the_command_line_sets_notes_holds_confirms_and_denies(tmp_path):
    from tests.factories import seeded_store

    data = tmp_path / "d"
    seeded_store(data).close()
    assert run_cli(data, "attention", "--rule", "vip: ticket type is GA", "--show-answer", "Age").returncode == 0
    note = run_cli(data, "note", "R59xesv", "Under 18: no bar", "--json")
    assert note.returncode == 0 and "Under 18" in json.loads(note.stdout)["message"]
    scan = run_cli(data, "scan", "R59xesv", "--json")
    got = json.loads(scan.stdout)
    assert scan.returncode == 0 and got["held"] is True
    assert [n["text"] for n in got["attention"]] == ["Under 18: no bar"] and got["ticket"]["seat"] == "Stalls A 1"
    assert run_cli(data, "confirm", "R59xesv").returncode == 0
    ga = json.loads(run_cli(data, "scan", "al4R5", "--json").stdout)
    assert ga["attention"][0]["kind"] == "vip" and ga["answers"] == [{"question": "Age", "answer": "(no answer)"}]
    denied = run_cli(data, "deny", "al4R5", "--reason", "not on the VIP list")
    assert denied.returncode == 0 and "ticket still valid" in denied.stdout
    assert run_cli(data, "confirm", "al4R5").returncode == 2  # nothing waits any more
    assert run_cli(data, "note", "R59xesv", "--clear").returncode == 0
    assert json.loads(run_cli(data, "scan", "R59xesv", "--json").stdout)["attention"] == []
    bad = run_cli(data, "attention", "--rule", "ticket type resembles VIP")
    assert bad.returncode == 2 and "say how to compare" in bad.stderr
    with Store(data) as store:
        ops = [r[0] for r in store.conn.execute("SELECT op FROM journal ORDER BY id")]
    assert ops == ["note", "scan", "confirm", "scan", "deny", "note", "scan"]


def test_a_lists_rules_and_shown_answers_decide_attention_on_its_tickets(tmp_path):
    from tests.factories import seeded_store

    data = tmp_path / "d"
    seeded_store(data).close()
    # The door's own rule applies to tickets no list names; the list's rules replace it on the list.
    run_cli(data, "attention", "--rule", "ticket type is not VIP -> door rule", check=0)
    run_cli(data, "lists", "create", "VIP door", "--event", "ev_1", "--attention",
            "vip: ticket type is GA -> Wristband", "--show-answer", "Age", check=0)
    got = json.loads(run_cli(data, "scan", "al4R5", "--list", "VIP door", "--json", check=0).stdout)
    assert got["list"] == "VIP door" and got["held"] is True
    assert [(n["kind"], n["text"], n["rule"]) for n in got["attention"]] == [
        ("vip", "Wristband", "vip: ticket type is GA -> Wristband")]
    assert got["answers"] == [{"question": "Age", "answer": "(no answer)"}]
    other = json.loads(run_cli(data, "scan", "n2only", "--json", check=0).stdout)  # no list: the door's rule
    assert [n["text"] for n in other["attention"]] == ["door rule"]
    bad = run_cli(data, "lists", "create", "Bad", "--event", "ev_1", "--attention", "ticket type resembles VIP")
    assert bad.returncode == 2 and "say how to compare" in bad.stderr


def test_the_scan_text_names_each_note_and_how_to_end_the_hold(tmp_path):
    from tests.factories import seeded_store

    data = tmp_path / "d"
    seeded_store(data).close()
    run_cli(data, "note", "al4R5", "Side door", check=0)
    out = run_cli(data, "scan", "al4R5", check=0).stdout
    assert "Supervisor note: Side door" in out and "HELD: checkin-app confirm al4R5  or  checkin-app deny al4R5" in out


def test_a_held_admissions_push_waits_for_the_staff_and_a_deny_drops_it(doors):
    from checkin_app.domain.clock import utc_now
    from checkin_app.store import outbox
    from tests.integration.test_door_rows_hostile import with_connection

    a, _, _ = doors
    with_connection(a)
    cid = a.conn.execute("SELECT id FROM connections").fetchone()[0]
    service(a, 0).scan("al4R5", attention=VIP)  # held
    service(a, 0).scan("R59xesv")  # not held: due at once
    due = [i.journal.code for i in outbox.pending(a.conn, cid, utc_now())]
    assert due == ["R59xesv"]
    service(a, 0).confirm("al4R5")
    assert sorted(i.journal.code for i in outbox.pending(a.conn, cid, utc_now())) == ["R59xesv", "al4R5"]
    service(a, 0).set_note("n2only", "Check the name")
    service(a, 0).scan("n2only")
    service(a, 0).deny("n2only", "no ID")
    (row,) = a.conn.execute("SELECT o.state, o.error FROM outbox o JOIN journal j ON j.id = o.journal_id"
                            " WHERE j.code = 'n2only'").fetchall()
    assert tuple(row) == ("done", "cancelled: staff denied the held admission before it was sent")
