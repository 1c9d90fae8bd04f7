"""The venue hub (issue 18 §6): three real door processes replicating through a real nats-server
that `checkin-app doors hub` starts and supervises; the hub killed and brought back.

Every link between the doors goes through a fault-injecting proxy (tests.helpers.doors), so a test
can make the hub the only way rows travel, or take the hub away and leave the doors only each other.
"""
import json
import os
import signal

import psutil
import pytest

from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.sync import door_auth, hub_wire
from tests.helpers.cli import run_cli as cli
from tests.helpers.doors import KEY_ENV, DoorCluster
from tests.helpers.hub import HubProcess
from tests.helpers.poll import poll

CODES = [f"H{n:03d}xk" for n in range(40)]


@pytest.fixture
def venue(tmp_path):
    cluster = DoorCluster(tmp_path, n=3, codes=CODES)
    hub = HubProcess(tmp_path / "hub", cluster.key_text, KEY_ENV, cluster.env).start()
    cluster.serve_args = ["--hub", hub.url]
    try:
        cluster.start_all()
        yield cluster, hub
    finally:
        cluster.stop()
        hub.stop()


def scan(cluster, i, code):
    return CheckinService(cluster.store(i), door=cluster.names[i]).scan(code).kind.value


def hub_state(cluster, i):
    hub = doors_service.status(cluster.store(i)).hub
    return hub and hub["state"]


def test_rows_travel_through_the_hub_alone(venue):
    cluster, hub = venue
    cluster.partition({0}, {1}, {2})  # no door can reach another: only the hub carries rows
    poll(lambda: all(hub_state(cluster, i) == "connected" for i in range(3)))
    for i in range(3):
        assert scan(cluster, i, CODES[i]) == "admitted"
    poll(cluster.converged, timeout=20)
    assert sorted(r[0] for r in cluster.rows(0)) == sorted(cluster.device_ids)
    assert cli(cluster.dirs[2], "scan", CODES[0], "--json").returncode == 1  # admitted at Door A: refused at C
    status = json.loads(cli(cluster.dirs[1], "doors", "status", "--json").stdout)
    assert status["hub"]["state"] == "connected" and status["hub"]["url"] == hub.url
    text = cli(cluster.dirs[1], "doors", "status").stdout
    assert f"hub {hub.url}: connected since" in text


def test_a_killed_nats_server_is_restarted_and_the_doors_reconnect(venue):
    cluster, hub = venue
    cluster.partition({0}, {1}, {2})
    poll(lambda: hub.server_pid() is not None)
    first = hub.server_pid()
    os.kill(first, signal.SIGKILL)
    poll(lambda: hub.server_pid() not in (None, first), timeout=20)
    assert scan(cluster, 0, CODES[5]) == "admitted"
    poll(lambda: cluster.ticket(2, CODES[5])["checked_in_door"] == "Door A", timeout=20)


def test_doors_fall_back_to_each_other_while_the_hub_is_down_and_catch_up_when_it_is_back(venue):
    cluster, hub = venue
    poll(lambda: all(hub_state(cluster, i) == "connected" for i in range(3)))
    server = hub.server_pid()
    hub.stop()  # SIGTERM to `doors hub`: it stops its nats-server too
    assert not psutil.pid_exists(server)
    poll(lambda: all(hub_state(cluster, i) == "down" for i in range(3)), timeout=20)
    assert "DOWN since" in cli(cluster.dirs[0], "doors", "status").stdout
    cluster.partition({0, 1}, {2})  # a and b still see each other; c is alone
    for i, code in ((0, CODES[10]), (1, CODES[11]), (2, CODES[12])):
        assert scan(cluster, i, code) == "admitted"  # every door keeps admitting with the hub down
    poll(lambda: cluster.ticket(1, CODES[10])["checked_in_door"] == "Door A")  # by the peers
    poll(lambda: cluster.ticket(0, CODES[11])["checked_in_door"] == "Door B")
    assert cluster.ticket(0, CODES[12])["checked_in_at"] is None  # c is cut off from both
    hub.start()  # same port, same JetStream store
    poll(cluster.converged, timeout=30)  # c's rows reach a and b, theirs reach c: only through the hub
    poll(lambda: all(hub_state(cluster, i) == "connected" for i in range(3)))
    assert all(len(cluster.rows(i)) == 3 for i in range(3))


def test_the_hub_box_holds_sealed_rows_and_no_secret(venue, tmp_path):
    cluster, hub = venue
    cluster.partition({0}, {1}, {2})
    poll(lambda: all(hub_state(cluster, i) == "connected" for i in range(3)))
    assert scan(cluster, 0, CODES[20]) == "admitted"
    poll(lambda: cluster.ticket(1, CODES[20])["checked_in_door"] == "Door A")
    nats_dir = tmp_path / "hub" / "hub"
    stored = b"".join(p.read_bytes() for p in nats_dir.rglob("*") if p.is_file())
    assert b"checkin." in stored  # the JetStream store holds the row's message...
    assert CODES[20].encode() not in stored and b"Door A" not in stored  # ...sealed: no code, no door name
    seed = hub_wire.nkey_seed(door_auth.parse_key(cluster.key_text)).encode()
    assert seed not in stored and cluster.key_text.encode() not in stored
    assert not (nats_dir / "nats.conf").exists()  # the config (public nkey only) is deleted once read
    assert oct(nats_dir.stat().st_mode & 0o777) == "0o700"
    cmdline = " ".join(psutil.Process(hub.server_pid()).cmdline())
    assert cluster.key_text not in cmdline and seed.decode() not in cmdline


def test_a_mistyped_hub_address_is_refused_in_one_line(tmp_path):
    cluster = DoorCluster(tmp_path, n=1)
    got = cli(cluster.dirs[0], "doors", "serve", "--no-discovery", "--port", "0", "--hub", "http://hub:4222",
              env={KEY_ENV: cluster.key_text})
    assert got.returncode != 0 and "is not a hub address: write nats://HOST:PORT" in got.stderr
    assert "Traceback" not in got.stderr
