"""Two real doors (`doors serve` processes on loopback) sharing one check-in list's entry limit."""
import json

import pytest

from tests.helpers.cli import run_cli as cli
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll

CODES = ["L001xk", "L002xk"]


@pytest.fixture
def doors(tmp_path):
    venue = DoorCluster(tmp_path, n=2, codes=CODES)
    try:
        yield venue.start_all()
    finally:
        venue.stop()


def scan(venue, i, code, *more):
    return json.loads(cli(venue.dirs[i], "scan", code, "--list", "Main", "--json", *more).stdout)


def reached(venue, src, dst) -> bool:
    """Door `dst` holds every journal row door `src` wrote so far."""
    device = venue.device_ids[src]
    last = venue.store(src).conn.execute("SELECT MAX(seq) FROM journal WHERE device_id = ?", (device,)).fetchone()[0]
    return venue.store(dst).conn.execute("SELECT 1 FROM journal WHERE device_id = ? AND seq = ?",
                                         (device, last)).fetchone() is not None


def test_a_list_made_on_one_door_is_enforced_on_the_other_with_one_shared_entry_count(doors):
    cli(doors.dirs[0], "lists", "create", "Main", "--event", "ev_1", "--entries", "daily", "--per-day", "2",
        "--capacity", "1", "--json", check=0)
    poll(lambda: json.loads(cli(doors.dirs[1], "lists", "--json").stdout)["lists"] != [])
    on_b = json.loads(cli(doors.dirs[1], "lists", "--json").stdout)["lists"][0]
    assert (on_b["per_day"], on_b["capacity"], on_b["defined"]["device_id"]) == (2, 1, doors.device_ids[0])

    first = scan(doors, 0, "L001xk")
    assert first["verdict"] == "admitted"
    poll(lambda: reached(doors, 0, 1))  # the entry reached door B
    # B counts A's entry: the area is full for a second person, and the holder's second entry today is B's.
    assert scan(doors, 1, "L002xk")["verdict"] == "capacity_full"
    second = scan(doors, 1, "L001xk")
    assert second["verdict"] == "admitted" and second["checks"][1]["why"] == "entry 2 of 2 today"
    poll(lambda: reached(doors, 1, 0))  # and B's entry reached A
    third = scan(doors, 0, "L001xk")
    assert third["verdict"] == "entry_limit" and third["rule"] == "entries" and "2 per day" in third["message"]
    occupancy = [json.loads(cli(d, "occupancy", "--json").stdout)["lists"][0]["inside"] for d in doors.dirs]
    assert occupancy == [1, 1]  # one person inside, on both doors, though admitted twice
