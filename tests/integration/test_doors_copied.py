"""Two laptops prepared from one data dir (issue 18, item 2): real `doors serve` processes.

Door B's data dir is a copy of Door A's, so both write under one device id. Before they meet,
each admits people the other never saw. Once both serve, one of them must take a new device id,
say so (log, `doors status`), and every admission must reach both doors, none counted twice.
"""
import json
import os
import shutil

import pytest

from checkin_app.services import doors as doors_service
from checkin_app.store import Store
from tests.helpers.cli import run_cli as cli
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll

CODES = [f"CP{n:03d}x" for n in range(8)]


def copied_venue(tmp_path, second_name: str | None = "Door B") -> DoorCluster:
    venue = DoorCluster(tmp_path, n=2, codes=CODES)
    shutil.rmtree(venue.dirs[1])
    shutil.copytree(venue.dirs[0], venue.dirs[1])  # the second laptop, prepared from the first one's data dir
    if second_name:
        with Store(venue.dirs[1]) as store:
            doors_service.set_door_name(store, second_name)
    venue.device_ids = []
    for d in venue.dirs:
        with Store(d) as store:
            venue.device_ids.append(store.device_id)
    assert venue.device_ids[0] == venue.device_ids[1]
    return venue


def admitted(venue, i) -> set[str]:
    return {r[0] for r in venue.store(i).conn.execute("SELECT code FROM tickets WHERE admitted_count = 1")}


def test_two_doors_from_one_copied_data_dir_part_ways_and_lose_no_admission(tmp_path):
    venue = copied_venue(tmp_path)
    try:
        # Apart, each writes rows #1, #2 under the shared id: the same slots, different acts.
        for code in CODES[:2]:
            assert json.loads(cli(venue.dirs[0], "scan", code, "--json").stdout)["verdict"] == "admitted"
        for code in CODES[2:5]:
            assert json.loads(cli(venue.dirs[1], "scan", code, "--json").stdout)["verdict"] == "admitted"
        venue.start_all()
        poll(lambda: admitted(venue, 0) == admitted(venue, 1) == set(CODES[:5]), timeout=30)
        ids = [venue.store(i).device_id for i in range(2)]
        assert ids[0] != ids[1] and old_id(venue) not in ids[1:], ids  # Door B no longer writes as Door A
        # Every admission once: the replay counts an act once, whichever of its rows a door holds.
        for i in range(2):
            counts = venue.store(i).conn.execute("SELECT admitted_count FROM tickets WHERE code IN ({})".format(
                ",".join("?" * 5)), CODES[:5]).fetchall()
            assert [c[0] for c in counts] == [1] * 5
            assert not [c for c in venue.conflicts(i) if c["kind"] == "double_admission"], venue.conflicts(i)
        # Said loudly: status (text and JSON) and the log of the door that took a new id.
        renamed = [i for i in range(2) if venue.store(i).device_id != old_id(venue)]
        assert renamed
        for i in renamed:
            status = json.loads(cli(venue.dirs[i], "doors", "status", "--json").stdout)
            assert any("took a new device id" in n for n in status["notices"]), status["notices"]
            assert "NOTE: This door took a new device id" in cli(venue.dirs[i], "doors", "status").stdout
            assert "THIS DOOR TOOK A NEW DEVICE ID" in (venue.dirs[i] / "logs" / "checkin.log").read_text()
        # From now on the two doors replicate like any two: a scan at B reaches A, and B refuses a copy.
        assert json.loads(cli(venue.dirs[1], "scan", CODES[6], "--json").stdout)["verdict"] == "admitted"
        poll(lambda: CODES[6] in admitted(venue, 0))
        assert json.loads(cli(venue.dirs[0], "scan", CODES[6], "--json").stdout)["verdict"] == "already_checked_in"
    finally:
        venue.stop()


def test_two_copies_that_meet_before_either_scans_part_ways_on_hello(tmp_path):
    venue = copied_venue(tmp_path)
    try:
        venue.start_all()
        poll(lambda: venue.store(0).device_id != venue.store(1).device_id, timeout=30)
        assert json.loads(cli(venue.dirs[1], "scan", CODES[7], "--json").stdout)["verdict"] == "admitted"
        poll(lambda: CODES[7] in admitted(venue, 0))
        # Exactly one door took a new id (the hello decides it the same way on both sides); the other says so too.
        kept = [i for i in range(2) if venue.store(i).device_id == old_id(venue)]
        assert len(kept) == 1
        notes = json.loads(cli(venue.dirs[kept[0]], "doors", "status", "--json").stdout)["notices"]
        assert any("was using this door's device id" in n for n in notes), notes
    finally:
        venue.stop()


def old_id(venue) -> str:
    return venue.device_ids[0]


def test_two_copies_under_one_name_find_each_other_by_multicast_dns_and_part_ways(tmp_path):
    """The copies as prepared: same door name, same device id, discovery only (no --peer). Skipped
    where this machine's loopback carries no multicast (as the cluster's discovery test)."""
    venue = copied_venue(tmp_path, second_name=None)
    try:
        assert json.loads(cli(venue.dirs[0], "scan", CODES[0], "--json").stdout)["verdict"] == "admitted"
        assert json.loads(cli(venue.dirs[1], "scan", CODES[1], "--json").stdout)["verdict"] == "admitted"
        for i in range(2):
            venue.start_discovering(i)
            assert venue.urls[i], "the door did not start"
        try:
            poll(lambda: admitted(venue, 0) == admitted(venue, 1) == set(CODES[:2]), timeout=30)
        except AssertionError:
            if os.environ.get("CI") or venue.store(0).device_id != venue.store(1).device_id:
                raise  # they found each other and still lost a row: a real failure
            pytest.skip("multicast DNS does not work on this machine's loopback")
        assert venue.store(0).device_id != venue.store(1).device_id
    finally:
        venue.stop()
