"""Two real doors whose system clocks are 4 minutes apart (libfaketime: the door process and its
scanning process read a clock 4 minutes behind), replicating over loopback (issue 18, item 1)."""
import json
import shutil
import subprocess
import sys

import pytest

from tests.helpers.cli import run_cli as cli
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll
from tests.paths import ROOT

BEHIND = ["faketime", "-f", "-4m"]
pytestmark = pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime (scripts/setup installs it)")


def scan_behind(venue: DoorCluster, i: int, code: str) -> dict:
    """`checkin-app scan` at door i, run under the door's wrong clock, as its scanning would be."""
    done = subprocess.run([*BEHIND, sys.executable, "-m", "checkin_app", "--data-dir", str(venue.dirs[i]), "scan",
                           code, "--json"], cwd=ROOT, env=venue.env, capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout)


def test_a_re_entry_at_a_door_four_minutes_behind_replicates_in_order_and_status_shows_the_skew(tmp_path):
    venue = DoorCluster(tmp_path, n=2, codes=["SKEW1x", "SKEW2x"], wrap={1: BEHIND})
    try:
        venue.start_all()
        assert json.loads(cli(venue.dirs[0], "scan", "SKEW1x", "--json").stdout)["verdict"] == "admitted"
        poll(lambda: venue.ticket(1, "SKEW1x")["inside"] == 1)
        assert json.loads(cli(venue.dirs[0], "scan", "SKEW1x", "--exit", "--json").stdout)["verdict"] == "exited"
        poll(lambda: venue.ticket(1, "SKEW1x")["inside"] == 0)
        back = scan_behind(venue, 1, "SKEW1x")
        assert back["verdict"] == "admitted" and back["reentry"], back
        poll(lambda: venue.ticket(0, "SKEW1x")["admitted_count"] == 1 and venue.rows(0) == venue.rows(1))
        assert venue.ticket(0, "SKEW1x")["inside"] == 1 and venue.ticket(1, "SKEW1x")["inside"] == 1
        copy = cli(venue.dirs[0], "scan", "SKEW1x", "--json")
        assert json.loads(copy.stdout)["verdict"] == "already_checked_in"
        for i in (0, 1):
            assert venue.conflicts(i) == [], i
        status = json.loads(cli(venue.dirs[0], "doors", "status", "--json").stdout)
        (door_b,) = status["doors"]
        assert -245_000 < door_b["clock_skew_ms"] < -235_000, door_b
        assert door_b["clock"].startswith("4 min") and door_b["clock"].endswith("behind")
        assert any("Door B's clock is 4 min" in n for n in status["notices"]), status["notices"]
        text = cli(venue.dirs[0], "doors", "status").stdout
        assert "clock 4 min" in text and "NOTE: Door B's clock is 4 min" in text
        log = (venue.dirs[0] / "logs" / "checkin.log").read_text()
        assert "Door B's clock is 4 min" in log and "behind" in log, log[-2000:]
    finally:
        venue.stop()
