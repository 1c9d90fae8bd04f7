"""Six real doors (`checkin-app doors serve` processes) on loopback, each pulling only two others
(`--topology gossip --fanout 2`): rows reach every door by relay, each side of a partition
keeps sharing within itself, and after healing every door holds every row, each applied once (issue 18: real processes for up to 6 doors)."""
import json

import pytest

from checkin_app.services.checkin import CheckinService
from tests.helpers.cli import run_cli as cli
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll

CODES = [f"S{n:03d}xk" for n in range(30)]


@pytest.mark.slow
def test_six_doors_in_gossip_converge_by_relay_after_a_partition(tmp_path):
    venue = DoorCluster(tmp_path, n=6, codes=CODES, serve_args=["--topology", "gossip", "--fanout", "2"])
    try:
        venue.start_all()
        venue.partition({0, 1, 2}, {3, 4, 5})
        for i in range(6):
            assert CheckinService(venue.store(i), door=venue.names[i]).scan(CODES[i]).kind.value == "admitted"
        assert CheckinService(venue.store(0), door=venue.names[0]).scan(CODES[10]).kind.value == "admitted"
        assert CheckinService(venue.store(4), door=venue.names[4]).scan(CODES[10]).kind.value == "admitted"
        # Each side keeps sharing within itself: a door whose picks are across the cut picks again.
        for side in ({0, 1, 2}, {3, 4, 5}):
            poll(lambda: all(venue.rows(i) == venue.rows(min(side)) for i in side)  # noqa: B023
                 and len(venue.rows(min(side))) == 4, timeout=60, every=0.1)  # noqa: B023
        venue.heal()
        poll(venue.converged, timeout=60, every=0.1)
        assert len(venue.rows(0)) == 8  # every act once, at every door
        for i in range(6):
            poll(lambda: venue.store(i).conn.execute(  # noqa: B023 - called at once
                "SELECT 1 FROM meta WHERE key = 'replication_topology'").fetchone(), timeout=10)
            assert [c["code"] for c in venue.conflicts(i) if c["kind"] == "double_admission"] == [CODES[10]], i
            status = json.loads(cli(venue.dirs[i], "doors", "status", "--json").stdout)
            assert status["topology"]["mode"] == "gossip" and len(status["topology"]["pulling"]) == 2
            assert sum(d["rows_pulled"] for d in status["doors"]) == 8 - (2 if i in (0, 4) else 1)
    finally:
        venue.stop()
