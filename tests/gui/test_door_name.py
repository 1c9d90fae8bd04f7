"""The door is named in one place (Connections → This door), kept in its data dir, and every part
uses that name: the window, the Doors tab, the check-in service, the command line."""
import json

from PySide6.QtWidgets import QLabel

from checkin_app.gui.settings import Settings
from checkin_app.services import doors
from checkin_app.store import Store
from tests.helpers.cli import run_cli as cli


def test_the_name_given_in_the_window_is_the_one_every_part_uses(qtbot, windows, door_dir):
    w = windows(door_dir)
    assert isinstance(w.doors.door_name, QLabel)  # the Doors tab shows the name; it has no field of its own
    w.door_settings.name.setText("Balcony")
    with qtbot.waitSignal(w.door_settings.renamed, timeout=10_000, check_params_cb=lambda n: n == "Balcony"):
        w.door_settings.save()
    assert w.status.door.text() == "Balcony" and "Balcony" in w.doors.door_name.text()
    with qtbot.waitSignal(w.door.verdictShown, timeout=10_000) as shown:
        w.door.submit("al4R5")
    assert shown.args[0]["verdict"] == "admitted"
    # The command line, another process on the same data dir, knows the door by the same name.
    again = json.loads(cli(door_dir, "scan", "al4R5", "--json").stdout)
    assert again["verdict"] == "already_checked_in" and "at Balcony" in again["message"]
    cli(door_dir, "scan", "R59xesv")
    with Store(door_dir) as store:
        doors_seen = {r[0] for r in store.conn.execute("SELECT door FROM journal WHERE op = 'scan' AND code = 'R59xesv'")}
        assert doors_seen == {"Balcony"} and doors.door_name(store) == "Balcony"
    assert Settings(door_dir).door_name is None  # not kept a second time in the window's settings


def test_a_name_only_the_old_window_settings_knew_moves_to_the_data_dir(qtbot, windows, door_dir):
    Settings(door_dir).door_name = "Old name"  # as versions before kept it
    w = windows(door_dir)
    qtbot.waitUntil(lambda: w.door_settings.name.text() == "Old name" and w.status.door.text() == "Old name",
                    timeout=10_000)
    assert Settings(door_dir).door_name is None
    with Store(door_dir) as store:
        assert doors.door_name(store) == "Old name"
