"""The door floor on check-in lists (issue 17): capacity warnings on the door, inside now per list
and area and exits per minute on Live stats, the supervisor's "simulate this ticket at a time",
badges on admission per list, and the kiosk deciding on a list. Lists are defined through the
list service (a journal act, as `checkin-app lists create` does)."""
from pathlib import Path

from checkin_app.domain.changes import SCAN
from checkin_app.domain.rules import Mode
from checkin_app.gui.kiosk import KioskWindow
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.stats_view import StatsView
from checkin_app.services import lists, supervisor
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from tests.helpers import pdf

PIN = "4321"


def _define(door_dir, door_lists=(), **spec):
    store = Store(door_dir)
    try:
        lists.define(store, lists.ListSpec(events=["ev_1"], **spec))
        if door_lists:
            lists.set_door_lists(store, list(door_lists))
    finally:
        store.close()


def _run(qtbot, tasks, op):
    done = []
    tasks.db(op, done.append, lambda exc: done.append(exc))
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert not isinstance(done[0], BaseException), done[0]
    return done[0]


def _scan(qtbot, door, code, inside):
    """Scan at the door; the band re-reads after a scan on a list: wait for the area's new count."""
    with qtbot.waitSignal(door.capacity.shown, timeout=10_000,
                          check_params_cb=lambda rows: any(r["area_inside"] == inside for r in rows)):
        with qtbot.waitSignal(door.verdictShown, timeout=10_000) as shown:
            door.submit(code)
    return shown.args[0]


def test_the_door_warns_at_the_lists_warning_level_and_at_full(qtbot, windows, door_dir):
    _define(door_dir, ["Hall"], name="Hall", capacity=2, warning=1)
    w = windows(door_dir)
    door = w.door
    assert not door.capacity.isVisibleTo(door)
    assert _scan(qtbot, door, "al4R5", 1)["verdict"] == "admitted"
    assert door.capacity.isVisibleTo(door) and door.capacity.state == "warning"
    assert door.capacity.text() == "NEARLY FULL · Hall: 1 of 2 inside (warning at 1)"
    assert _scan(qtbot, door, "R59xesv", 2)["verdict"] == "admitted"
    assert door.capacity.state == "full" and door.capacity.text() == "FULL · Hall: 2 of 2 inside"
    refused = _scan(qtbot, door, "AL4R5", 2)
    assert refused["verdict"] == "capacity_full" and door.verdict.headline.text() == "FULL · WAIT FOR SPACE"
    door.set_mode(door.mode.EXIT)
    assert _scan(qtbot, door, "al4R5", 1)["verdict"] == "exited"
    assert door.capacity.state == "warning"


def test_another_doors_entries_raise_the_warning_here(qtbot, windows, door_dir):
    # A door that scans on no list watches every list with a capacity; Door 2's entries count.
    _define(door_dir, name="Hall", capacity=3, warning=2)
    w = windows(door_dir)
    _run(qtbot, w.tasks, lambda app: [CheckinService(app.store, door="Door 2").scan(c, lists=["Hall"])
                                      for c in ("al4R5", "R59xesv")])
    with qtbot.waitSignal(w.door.capacity.shown, timeout=10_000):
        w.tasks.announce(SCAN)  # as a replicated row from another door is announced
    assert w.door.capacity.state == "warning" and "2 of 3 inside" in w.door.capacity.text()
    assert w.door.capacity.isVisibleTo(w.door)


def test_stats_show_inside_now_per_list_and_area_and_exits_per_minute(qtbot, tasks, door_dir):
    _define(door_dir, name="Stalls", area="Main hall", capacity=10)
    _define(door_dir, name="Guests", area="Main hall")

    def moves(app):
        app.checkin.scan("al4R5", lists=["Stalls"])
        app.checkin.scan("R59xesv", lists=["Guests"])
        app.checkin.scan("AL4R5", lists=["Stalls"])
        app.checkin.scan("AL4R5", mode=Mode.EXIT, lists=["Stalls"])

    _run(qtbot, tasks, moves)
    view = StatsView(tasks)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.updated, timeout=10_000) as sig:
        view.refresh()
    live = sig.args[0]
    assert sum(b["total"] for b in live["exits"]) == 1 and sum(b["total"] for b in live["arrivals"]) == 3
    assert view.exit_rate.text() == "0.1" and view.rate.text() == "0.2"  # 1 and 3 in 15 minutes
    rows = {r["list"]: r for r in live["occupancy"]["lists"]}
    assert rows["Stalls"]["inside"] == 1 and rows["Guests"]["inside"] == 1
    assert live["occupancy"]["areas"] == [{"area": "Main hall", "inside": 2, "lists": ["Guests", "Stalls"]}]
    assert view.occupancy_box.isVisibleTo(view)
    texts = [view.occupancy.itemAt(i).widget().text() for i in range(view.occupancy.count())]
    assert "2 / 10 in Main hall" in texts and "2 inside (lists: Guests, Stalls)" in texts
    view.show()
    qtbot.waitExposed(view)
    view.chart.repaint()  # exits drawn below the axis without Qt warnings


def test_simulate_shows_the_deciding_rule_and_records_nothing(qtbot, tasks, door_dir):
    from checkin_app.gui.supervisor import SupervisorView

    _define(door_dir, name="Early", valid_from="2026-11-24T18:00:00+00:00", valid_until="2026-11-24T23:00:00+00:00")
    view = SupervisorView(tasks, Settings(door_dir))
    qtbot.addWidget(view)
    view.lock_bar.pin.setText(PIN)
    view.lock_bar.repeat.setText(PIN)
    assert view.lock_bar.try_unlock() and view.tabs.isTabEnabled(view.tabs.indexOf(view.simulate))
    sim = view.simulate
    view.tabs.setCurrentWidget(sim)
    qtbot.waitUntil(lambda: sim.list_choice.count() == 1, timeout=10_000)
    sim.code.setText("al4R5")
    sim.when.setDateTime(sim.when.dateTime().fromString("2026-11-24 17:30", "yyyy-MM-dd HH:mm"))
    with qtbot.waitSignal(sim.simulated, timeout=10_000) as done:
        sim.run_button.click()
    verdict = done.args[0]
    assert verdict["verdict"] == "outside_time" and verdict["rule"] == "valid_from"
    assert "Not valid yet" in sim.outcome.text() and sim.decided_by.text().startswith("Decided by: Valid from")
    assert [r["rule"] for r in sim.checks.rows][-1] == "valid_from" and not sim.checks.rows[-1]["passed"]
    sim.when.setDateTime(sim.when.dateTime().fromString("2026-11-24 19:30", "yyyy-MM-dd HH:mm"))
    with qtbot.waitSignal(sim.simulated, timeout=10_000) as done:
        sim.run_button.click()
    assert done.args[0]["verdict"] == "admitted" and done.args[0]["rule"] == "all_rules"
    assert all(r["passed"] for r in sim.checks.rows) and "Every rule passed" in sim.decided_by.text()
    # Nothing was journalled: the ticket is still not checked in.
    assert _run(qtbot, tasks, lambda app: app.checkin.scan("al4R5", lists=["Early"],
                                                           at="2026-11-24T19:31:00+00:00").reentry) is False
    history = _run(qtbot, tasks, lambda app: supervisor.attendee(app.store, 1)["history"])
    assert history == []


def test_a_list_with_auto_badge_prints_on_admission_without_the_door_setting(qtbot, windows, door_dir, tmp_path):
    _define(door_dir, ["Badged"], name="Badged", auto_badge=True)
    w = windows(door_dir)
    (tmp_path / "badges").mkdir()
    w.badge_settings.set_target(f"pdf:{tmp_path / 'badges'}")
    assert not w.settings.badge_on_admit
    with qtbot.waitSignal(w.badges.printed, timeout=20_000) as printed:
        with qtbot.waitSignal(w.door.verdictShown, timeout=10_000):
            w.door.submit("R59xesv")
    assert "Joe Griffiths" in pdf.text(Path(printed.args[1]))


def test_a_list_without_auto_badge_prints_nothing(qtbot, windows, door_dir, tmp_path):
    _define(door_dir, ["Plain"], name="Plain")
    w = windows(door_dir)
    (tmp_path / "badges").mkdir()
    w.badge_settings.set_target(f"pdf:{tmp_path / 'badges'}")
    with qtbot.waitSignal(w.badges.printed, timeout=1500, raising=False) as printed:
        with qtbot.waitSignal(w.door.verdictShown, timeout=10_000) as shown:
            w.door.submit("R59xesv")
    assert shown.args[0]["verdict"] == "admitted" and not printed.signal_triggered


def test_the_kiosk_decides_on_its_list(qtbot, tasks, door_dir, tmp_path):
    _define(door_dir, name="GA only", ticket_types=["GA"])
    settings = Settings(door_dir)
    settings.set_pin(PIN)
    k = KioskWindow(tasks, settings, Sounds(enabled=False, directory=tmp_path / "s"), checkin_list="GA only")
    qtbot.addWidget(k)
    assert k.title.text() == "Self check-in · GA only"
    with qtbot.waitSignal(k.verdictShown, timeout=10_000) as shown:
        k.submit("R59xesv")  # no ticket type: not on a GA list
    assert shown.args[0]["verdict"] == "not_on_list" and k.verdict.headline.text() == "NOT ON THIS DOOR'S LIST"
    with qtbot.waitSignal(k.verdictShown, timeout=10_000) as shown:
        k.submit("al4R5")
    assert shown.args[0]["verdict"] == "admitted" and shown.args[0]["list"] == "GA only"
