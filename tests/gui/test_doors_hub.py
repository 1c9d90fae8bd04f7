"""The Doors tab's hub switches (issue 18 §6): one window runs the venue's hub (a real nats-server)
and replicates through it; another replicates through it by address, with no peer address and no
discovery, so a check-in can only travel through the hub. Both switches come back at the next start."""
import psutil

from checkin_app.gui.settings import Settings
from checkin_app.services import doors
from checkin_app.sync import door_auth
from tests.factories import seeded_store
from tests.gui.test_doors_panel import scan, recent_text


def test_run_the_hub_here_and_replicate_through_it_from_two_windows(qtbot, windows, tmp_path, monkeypatch):
    monkeypatch.setenv("VENUE_KEY", door_auth.key_text(door_auth.new_key()))
    a, b = tmp_path / "a", tmp_path / "b"
    for data_dir, name in ((a, "Door A"), (b, "Door B")):
        seeded_store(data_dir).close()
        doors.join_venue_at(data_dir, None, name, "VENUE_KEY")
        s = Settings(data_dir)
        s.door_host, s.door_port, s.door_peers, s.door_discovery = "127.0.0.1", 0, "", False
        s.qs.sync()
    wa, wb = windows(a), windows(b)
    hub_a = wa.doors.hub_box
    hub_a.port.setValue(0)
    with qtbot.waitSignal(hub_a.run_switch.switchedOn, timeout=20_000) as on:
        hub_a.run_switch.button.click()
    server = on.args[0]
    assert psutil.pid_exists(server.pid()) and not hub_a.port.isEnabled()
    hub_a.use_hub.setChecked(True)  # no address: this laptop's hub
    wb.doors.hub_box.use_hub.setChecked(True)
    wb.doors.hub_box.address.setText(f"127.0.0.1:{server.port}")
    for w in (wa, wb):
        with qtbot.waitSignal(w.doors.switched, timeout=15_000, check_params_cb=bool):
            w.doors.flip(True)
        assert "through the hub" in w.doors.run_outcome.text()
        qtbot.waitUntil(lambda w=w: "connected since" in w.doors.hub_box.link.text(), timeout=15_000)
    assert scan(qtbot, wa, "al4R5")["verdict"] == "admitted"
    qtbot.waitUntil(lambda: "Ada Lovelace" in recent_text(wb), timeout=10_000)
    assert scan(qtbot, wb, "al4R5")["verdict"] != "admitted"

    saved = Settings(a)
    assert saved.hub_run and saved.hub_use and saved.hub_address == ""
    assert Settings(b).hub_use and Settings(b).hub_address == f"127.0.0.1:{server.port}"


def test_replicating_through_a_hub_needs_an_address_or_a_hub_here(qtbot, windows, tmp_path, monkeypatch):
    monkeypatch.setenv("VENUE_KEY", door_auth.key_text(door_auth.new_key()))
    seeded_store(tmp_path / "c").close()
    doors.join_venue_at(tmp_path / "c", None, "Door C", "VENUE_KEY")
    w = windows(tmp_path / "c")
    w.doors.hub_box.use_hub.setChecked(True)
    with qtbot.waitSignal(w.doors.failed, timeout=10_000) as refused:
        w.doors.flip(True)
    assert "hub's address" in refused.args[0] and not w.doors.on
    w.doors.hub_box.address.setText("nats://hub.local:99999")
    with qtbot.waitSignal(w.doors.failed, timeout=10_000) as refused:
        w.doors.flip(True)
    assert "not a hub address" in refused.args[0]


def test_both_switches_come_back_on_at_the_next_start(qtbot, windows, tmp_path, monkeypatch):
    monkeypatch.setenv("VENUE_KEY", door_auth.key_text(door_auth.new_key()))
    seeded_store(tmp_path / "d").close()
    doors.join_venue_at(tmp_path / "d", None, "Door D", "VENUE_KEY")
    s = Settings(tmp_path / "d")  # as the last run left them
    s.door_host, s.door_port, s.door_peers, s.door_discovery = "127.0.0.1", 0, "", False
    s.hub_run, s.hub_port, s.hub_use, s.hub_address, s.replicate = True, 0, True, "", True
    s.qs.sync()
    w = windows(tmp_path / "d")
    qtbot.waitUntil(lambda: w.doors.hub_box.run_switch.on and w.doors.on, timeout=20_000)
    assert w.doors.runner.hub.url == w.doors.hub_box.run_switch.server.url
    qtbot.waitUntil(lambda: "connected since" in w.doors.hub_box.link.text(), timeout=15_000)
