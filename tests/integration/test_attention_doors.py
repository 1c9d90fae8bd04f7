"""Two real doors (`doors serve` processes on loopback): a list's attention rule made on one door,
a supervisor's note made on the other, a hold opened at one door refusing the same ticket at the
other, and the deny that reaches both."""
import json

import pytest

from tests.helpers.cli import run_cli as cli
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll

CODES = ["H001xk", "H002xk"]


@pytest.fixture
def doors(tmp_path):
    venue = DoorCluster(tmp_path, n=2, codes=CODES)
    try:
        yield venue.start_all()
    finally:
        venue.stop()


def scan(venue, i, code, *more):
    return json.loads(cli(venue.dirs[i], "scan", code, "--json", *more).stdout)


def reached(venue, src, dst) -> bool:
    device = venue.device_ids[src]
    last = venue.store(src).conn.execute("SELECT MAX(seq) FROM journal WHERE device_id = ?", (device,)).fetchone()[0]
    return venue.store(dst).conn.execute("SELECT 1 FROM journal WHERE device_id = ? AND seq = ?",
                                         (device, last)).fetchone() is not None


def test_notes_holds_and_denies_travel_between_real_doors(doors):
    cli(doors.dirs[1], "note", "H001xk", "Age check: under 18 wristband", check=0)
    poll(lambda: reached(doors, 1, 0))
    held = scan(doors, 0, "H001xk")
    assert held["held"] and held["attention"][0]["text"] == "Age check: under 18 wristband"
    poll(lambda: reached(doors, 0, 1))
    other = scan(doors, 1, "H001xk")  # the same ticket at the other door while the hold is open
    assert other["verdict"] == "already_checked_in" and "held there for a staff check now" in other["message"]
    cli(doors.dirs[1], "deny", "H001xk", "--reason", "no ID", check=0)  # a supervisor at door B turns them away
    poll(lambda: reached(doors, 1, 0))
    assert "no admission" in cli(doors.dirs[0], "confirm", "H001xk").stderr  # nothing waits at door A any more
    again = scan(doors, 0, "H001xk")  # back with ID: admitted (and held) again, the ticket still valid
    assert again["verdict"] == "admitted" and again["held"]


def test_a_lists_attention_rule_made_on_one_door_holds_at_the_other(doors):
    cli(doors.dirs[0], "lists", "create", "Main", "--event", "ev_1", "--attention",
        "id: ticket type is not VIP -> Check photo ID", "--show-answer", "Date of birth", check=0)
    poll(lambda: json.loads(cli(doors.dirs[1], "lists", "--json").stdout)["lists"] != [])
    got = scan(doors, 1, "H002xk", "--list", "Main")
    assert got["list"] == "Main" and got["held"]
    assert [(n["kind"], n["text"]) for n in got["attention"]] == [("id_check", "Check photo ID")]
    assert got["answers"] == [{"question": "Date of birth", "answer": "(no answer)"}]
