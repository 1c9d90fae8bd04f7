"""Capacity warnings on every door: two real doors (`doors serve` processes on loopback) on one
list; the entries made at one door raise the warning and then FULL in the other door's band."""
from checkin_app.app import App
from checkin_app.gui.capacity import CapacityBanner, door_occupancy
from tests.helpers.cli import run_cli as cli
from tests.helpers.poll import poll
# Its `doors` fixture (two paired doors serving each other on loopback) and its replication check.
from tests.integration.test_checkin_lists_doors import doors, reached  # noqa: F401


def band(qtbot, data_dir) -> CapacityBanner:
    """Door B's band as its Door tab fills it (`door_occupancy` on the door's data dir)."""
    shown = CapacityBanner()
    qtbot.addWidget(shown)
    with App(data_dir) as app:
        shown.show_rows(door_occupancy(app))
    return shown


def test_entries_at_one_door_raise_the_warning_and_full_at_the_other(qtbot, doors):  # noqa: F811
    a, b = doors.dirs
    cli(a, "lists", "create", "Hall", "--event", "ev_1", "--capacity", "2", "--warning", "1", "--json", check=0)
    poll(lambda: reached(doors, 0, 1))  # the list reached door B
    assert band(qtbot, b).state == "ok"  # B chose no list of its own: it watches every list with a capacity
    cli(a, "scan", "L001xk", "--list", "Hall", check=0)
    poll(lambda: reached(doors, 0, 1))
    warned = band(qtbot, b)
    assert warned.state == "warning" and warned.text() == "NEARLY FULL · Hall: 1 of 2 inside (warning at 1)"
    cli(a, "scan", "L002xk", "--list", "Hall", check=0)
    poll(lambda: reached(doors, 0, 1))
    full = band(qtbot, b)
    assert full.state == "full" and full.text() == "FULL · Hall: 2 of 2 inside"
    # An exit at door B takes one person out of the count both doors share.
    cli(b, "scan", "L001xk", "--list", "Hall", "--exit", check=0)
    assert band(qtbot, b).state == "warning"
    poll(lambda: reached(doors, 1, 0))
    assert band(qtbot, a).text() == "NEARLY FULL · Hall: 1 of 2 inside (warning at 1)"
