"""Check-in lists through the real store, service and command line (issue 17)."""
import json

import pytest

from checkin_app.domain import hlc
from checkin_app.domain.clock import utc_now
from checkin_app.domain.models import Batch, Event
from checkin_app.errors import CheckinError, NotFound
from checkin_app.providers.registry import pushes
from checkin_app.services import lists
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.store import checkin_lists as store_lists
from checkin_app.store.tickets import apply_batch
from tests.factories import seeded_store, ticket
from tests.helpers.cli import run_cli


@pytest.fixture
def store(tmp_path):
    s = seeded_store(tmp_path / "door")
    yield s
    s.close()


def journal_count(store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]


def test_a_list_is_a_journal_act_and_the_latest_definition_wins(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], capacity=5))
    lists.define(store, lists.ListSpec("Main", ["ev_1"], capacity=9, entries="unlimited"))
    rows = store.conn.execute("SELECT op, payload FROM journal WHERE op = 'list_defined' ORDER BY seq").fetchall()
    assert [json.loads(r["payload"])["capacity"] for r in rows] == [5, 9]
    assert lists.get(store, "Main").capacity == 9
    assert lists.get(store, "Main").events[0].remote_id == "ev_1"


def test_another_doors_definition_applies_and_an_older_one_does_not_replace_a_newer(store):
    mine = lists.define(store, lists.ListSpec("Main", ["ev_1"], capacity=5))
    newer = dict(_row("door2", 1, "2999-01-01T00:00:00.000+00:00"), payload=mine.to_json() | {"capacity": 7})
    older = dict(_row("door3", 1, "2000-01-01T00:00:00.000+00:00"), payload=mine.to_json() | {"capacity": 3})
    with store.transaction() as conn:
        report = replica.apply_rows(conn, [newer, older], own_device=store.device_id, pushes=pushes, now=utc_now())
    assert report.applied == 2 and report.quarantined == 0
    assert lists.get(store, "Main").capacity == 7


def test_a_definition_that_is_not_a_list_is_quarantined_not_enforced(store):
    bad = dict(_row("door2", 1, utc_now()), payload={"name": "Main", "events": "ev_1"})
    with store.transaction() as conn:
        report = replica.apply_rows(conn, [bad], own_device=store.device_id, pushes=pushes, now=utc_now())
    assert report.quarantined == 1 and store_lists.all_lists(store.conn) == {}


def _row(device: str, seq: int, at: str) -> dict:
    return {"device_id": device, "seq": seq, "op": "list_defined", "verdict": None, "provider": None,
            "event_remote_id": None, "ticket_remote_id": None, "code": None, "door": device, "at": at,
            "nonce": f"{device}-{seq}-{at}", "hlc": hlc.from_iso(at)}


def test_scan_on_a_list_journals_the_list_and_counts_the_holder_inside(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], capacity=2, reentry=True))
    door = CheckinService(store, door="Door 1")
    assert door.scan("al4R5", lists=["Main"]).kind.value == "admitted"
    payload = json.loads(store.conn.execute("SELECT payload FROM journal ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert payload["list"] == "Main" and payload["area"] == "Main" and payload["counted"] is True
    assert [(o.inside, o.state) for o in lists.occupancy(store)] == [(1, "ok")]
    assert door.scan("al4R5", lists=["Main"]).kind.value == "entry_limit"  # once, and still inside
    assert door.scan("al4R5", lists=["Main"], mode=door_exit()).kind.value == "exited"
    assert lists.occupancy(store)[0].inside == 0
    again = door.scan("al4R5", lists=["Main"])
    assert again.kind.value == "admitted" and again.rule == "reentry"


def door_exit():
    from checkin_app.domain.rules import Mode
    return Mode.EXIT


def test_capacity_full_then_a_supervisor_forces_and_the_forced_entry_counts(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], capacity=1))
    door = CheckinService(store, door="Door 1")
    door.scan("al4R5", lists=["Main"])
    full = door.scan("R59xesv", lists=["Main"])
    assert full.kind.value == "capacity_full" and "1 of 1" in full.message
    forced = door.force("R59xesv", "fire officer agreed", lists=["Main"])
    assert forced.kind.value == "forced"
    assert lists.occupancy(store)[0].inside == 2


def test_two_lists_sharing_an_area_count_a_person_once(store):
    lists.define(store, lists.ListSpec("GA", ["ev_1"], area="Hall", entries="unlimited"))
    lists.define(store, lists.ListSpec("Late", ["ev_1"], area="Hall", entries="unlimited"))
    door = CheckinService(store, door="Door 1")
    door.scan("al4R5", lists=["GA"])
    door.scan("al4R5", lists=["Late"])  # the same person through the other gate of the hall
    door.scan("R59xesv", lists=["GA"])
    doc = lists.occupancy_document(lists.occupancy(store))
    assert doc["areas"] == [{"area": "Hall", "inside": 2, "lists": ["GA", "Late"]}]
    assert {r["list"]: r["inside"] for r in doc["lists"]} == {"GA": 1, "Late": 1}


def test_exit_all_at_empties_the_area_without_anything_running(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], exit_all_at="03:00", entries="unlimited"))
    CheckinService(store).scan("al4R5", lists=["Main"])
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc)
    assert lists.occupancy(store, at=now)[0].inside == 1
    assert lists.occupancy(store, at=now + timedelta(days=1, minutes=1))[0].inside == 0


def test_undo_takes_the_holder_out_of_the_area(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"]))
    door = CheckinService(store)
    door.scan("al4R5", lists=["Main"])
    door.undo("al4R5")
    assert lists.occupancy(store)[0].inside == 0
    assert door.scan("al4R5", lists=["Main"]).kind.value == "admitted"  # the undone entry does not count


def test_simulating_at_a_time_writes_nothing(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], valid_from="2026-11-24T18:00:00+00:00"))
    before = journal_count(store)
    door = CheckinService(store)
    early = door.scan("al4R5", lists=["Main"], at="2026-11-24T17:00:00+00:00")
    assert early.kind.value == "outside_time" and early.rule == "valid_from"
    assert door.scan("al4R5", lists=["Main"], at="2026-11-24T18:00:00+00:00").kind.value == "admitted"
    assert journal_count(store) == before


def test_a_door_with_several_lists_decides_each_ticket_on_its_events_list(store):
    lists.define(store, lists.ListSpec("One", ["ev_1"], ticket_types=["GA"]))
    lists.define(store, lists.ListSpec("Two", ["ev_2"]))
    door = CheckinService(store)
    assert door.scan("n2only", lists=["One", "Two"]).list_outcome.list_name == "Two"
    assert door.scan("R59xesv", lists=["One", "Two"]).kind.value == "not_on_list"  # no type: not GA


def test_list_times_without_an_offset_are_read_in_the_events_offset(tmp_path):
    berlin = Event("tickettailor", "ev_b", "Berlin", starts_at="2026-03-14T19:30:00+01:00")
    with Store(tmp_path) as s:
        with s.transaction() as conn:
            apply_batch(conn, Batch(events=[berlin], tickets=[ticket("B1", berlin)]))
        lst = lists.define(s, lists.ListSpec("B", ["ev_b"], valid_from="2026-03-14T18:00"))
        assert lst.valid_from == "2026-03-14T18:00:00+01:00"
        with pytest.raises(CheckinError, match="not an ISO"):
            lists.define(s, lists.ListSpec("B", ["ev_b"], valid_until="tomorrow"))


def test_an_unknown_list_or_event_is_a_user_error(store):
    with pytest.raises(NotFound, match="no check-in list 'Nope'"):
        CheckinService(store).scan("al4R5", lists=["Nope"])
    with pytest.raises(NotFound, match="no cached event"):
        lists.define(store, lists.ListSpec("X", ["ev_404"]))


def test_the_doors_lists_are_remembered_and_used_by_its_scans(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], ticket_types=["VIP"]))
    lists.set_door_lists(store, ["Main"])
    door = CheckinService(store)
    assert door.lists == ("Main",)
    assert door.scan("al4R5").kind.value == "not_on_list"


# -- the command line -------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path):
    seeded_store(tmp_path / "cli").close()
    return tmp_path / "cli"


def test_cli_lists_create_show_scan_and_occupancy(data_dir):
    made = run_cli(data_dir, "lists", "create", "Main", "--event", "ev_1", "--entries", "daily", "--per-day", "2",
                   "--min-gap", "15", "--reentry", "--exit-all-at", "03:00", "--capacity", "100",
                   "--attention", "ticket type contains VIP", "--json", check=0)
    assert json.loads(made.stdout)["attention"] == ["ticket type contains VIP"]
    shown = json.loads(run_cli(data_dir, "lists", "--json", check=0).stdout)
    assert [r["name"] for r in shown["lists"]] == ["Main"] and shown["lists"][0]["per_day"] == 2
    assert "Main" in run_cli(data_dir, "lists", check=0).stdout
    first = json.loads(run_cli(data_dir, "scan", "al4R5", "--list", "Main", "--json", check=0).stdout)
    assert (first["list"], first["rule"], first["attention"]) == ("Main", "all_rules", [])
    soon = run_cli(data_dir, "scan", "al4R5", "--list", "Main", "--json", check=1)
    doc = json.loads(soon.stdout)
    assert doc["verdict"] == "too_soon" and doc["rule"] == "min_gap" and "may enter again at" in doc["message"]
    occupancy = json.loads(run_cli(data_dir, "occupancy", "--json", check=0).stdout)
    assert occupancy["lists"][0]["inside"] == 1 and occupancy["lists"][0]["capacity"] == 100
    assert json.loads(run_cli(data_dir, "occupancy", "--list", "Main", "--json", check=0).stdout)["areas"][0]["inside"] == 1


def test_cli_lists_create_auto_badge(data_dir):
    """`--auto-badge` reaches the stored list (the door prints on a first admission on it:
    tests/gui/test_floor_lists.py); without it a list prints nothing."""
    made = run_cli(data_dir, "lists", "create", "Badged", "--event", "ev_1", "--auto-badge", check=0)
    assert "badge on first admission" in made.stdout
    run_cli(data_dir, "lists", "create", "Plain", "--event", "ev_1", check=0)
    shown = {r["name"]: r for r in json.loads(run_cli(data_dir, "lists", "--json", check=0).stdout)["lists"]}
    assert shown["Badged"]["auto_badge"] is True and shown["Plain"]["auto_badge"] is False


def test_cli_scan_at_simulates_without_a_journal_row(data_dir):
    run_cli(data_dir, "lists", "create", "Early", "--event", "ev_1", "--from-start", "-90", check=0)
    with Store(data_dir) as s:
        before = journal_count(s)
    out = json.loads(run_cli(data_dir, "scan", "al4R5", "--list", "Early", "--at", "2026-11-24T17:29:00+00:00",
                             "--json", check=1).stdout)
    assert out["verdict"] == "outside_time" and "Tue 24 Nov 17:30" in out["message"]
    run_cli(data_dir, "scan", "al4R5", "--list", "Early", "--at", "2026-11-24T17:30", check=0)
    with Store(data_dir) as s:
        assert journal_count(s) == before


@pytest.mark.parametrize("argv, words", [
    (["lists", "create", "X", "--event", "ev_404"], "no cached event"),
    (["lists", "create", "X", "--event", "ev_1", "--exit-all-at", "25:00"], "not a time like 03:00"),
    (["lists", "create", "X", "--event", "ev_1", "--per-day", "3"], "--per-day goes with --entries daily"),
    (["lists", "create", "X", "--event", "ev_1", "--from", "soon"], "not an ISO date"),
    (["scan", "al4R5", "--list", "Nope"], "no check-in list 'Nope'"),
    (["scan", "al4R5", "--at", "2026-11-24T17:00:00+00:00"], "name one with --list"),
    (["occupancy", "--list", "Nope"], "no check-in list 'Nope'"),
])
def test_cli_bad_input_is_a_clear_error_with_exit_2(data_dir, argv, words):
    result = run_cli(data_dir, *argv, check=2)
    assert words in result.stderr and "Traceback" not in result.stderr


def test_a_guest_list_party_on_a_list_counts_as_its_people_inside(store):
    lists.define(store, lists.ListSpec("Main", ["ev_1"], capacity=10))
    door = CheckinService(store)
    verdicts = [door.scan("TEVO-1", lists=["Main"]).kind.value for _ in range(5)]
    assert verdicts == ["admitted"] * 4 + ["entry_limit"]  # a party of four
    assert lists.occupancy(store)[0].inside == 4


@pytest.mark.parametrize("bad", [
    {"events": [{"provider": "tickettailor", "remote_id": "ev_1"}]},  # no name
    {"name": "X", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}], "capacity": "5"},
    {"name": "X", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}], "exit_all_at": 300},
    {"name": "X", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}], "area": ["Hall"]},
    {"name": "X", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}], "entries": "twice"},
    {"name": "X", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}], "from_start": True},
    {"name": "X", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}], "ticket_types": [1]},
    {"name": "X", "events": [{"provider": "tickettailor"}]},
    {"name": "X" * 500, "events": [{"provider": "tickettailor", "remote_id": "ev_1"}]},
])
def test_a_hostile_definition_from_another_door_is_quarantined_and_the_next_row_still_applies(store, bad):
    good = {"name": "Good", "events": [{"provider": "tickettailor", "remote_id": "ev_1"}]}
    rows = [dict(_row("door2", 1, utc_now()), payload=bad), dict(_row("door2", 2, utc_now()), payload=good)]
    with store.transaction() as conn:
        report = replica.apply_rows(conn, rows, own_device=store.device_id, pushes=pushes, now=utc_now())
    assert report.quarantined == 1
    assert list(store_lists.all_lists(store.conn)) == ["Good"]
