"""The door picks its check-in list(s) in Connections → This door; the Door tab names it, scans are
decided on it, and a list's refusals are shown in words (issue 17)."""
from PySide6.QtCore import Qt

from checkin_app.domain.rules import VerdictKind
from checkin_app.gui.verdict import look_for
from checkin_app.services import lists
from checkin_app.store import Store


def define(door_dir, name, **kw):
    with Store(door_dir) as store:
        lists.define(store, lists.ListSpec(name, ["ev_1"], **kw))


def tick(qtbot, w, name):
    qtbot.waitUntil(lambda: w.door_settings.lists.count() > 0, timeout=10_000)
    item = w.door_settings.lists.findItems(name, Qt.MatchExactly)[0]
    with qtbot.waitSignal(w.door_settings.listsChosen, timeout=10_000, check_params_cb=lambda n: n == [name]):
        item.setCheckState(Qt.Checked)


def test_a_door_on_a_list_names_it_and_decides_scans_on_it_and_remembers_it(qtbot, windows, door_dir):
    define(door_dir, "VIP only", ticket_types=["VIP"])
    w = windows(door_dir)
    tick(qtbot, w, "VIP only")
    qtbot.waitUntil(lambda: w.door.scope.text() == "List: VIP only", timeout=10_000)
    with qtbot.waitSignal(w.door.verdictShown, timeout=10_000) as shown:
        w.door.submit("al4R5")  # a GA ticket of the list's event
    assert shown.args[0]["verdict"] == "not_on_list" and shown.args[0]["list"] == "VIP only"
    assert w.door.verdict.headline.text() == "NOT ON THIS DOOR'S LIST"
    w.shutdown()
    again = windows(door_dir)  # remembered in the data dir, like the door's name
    qtbot.waitUntil(lambda: again.door.scope.text() == "List: VIP only", timeout=10_000)
    with Store(door_dir) as store:
        assert lists.door_lists(store) == ["VIP only"]


def test_a_list_made_after_the_window_opened_shows_when_the_settings_are_opened(qtbot, windows, door_dir):
    w = windows(door_dir)
    qtbot.waitUntil(lambda: w.door_settings.lists_note.isVisibleTo(w.door_settings), timeout=10_000)
    define(door_dir, "Main")
    w.tabs.setCurrentWidget(w.connections)
    qtbot.waitUntil(lambda: w.door_settings.lists.count() == 1, timeout=10_000)


def test_every_list_refusal_has_its_own_words():
    heads = {k: look_for({"verdict": k.value}).headline for k in (
        VerdictKind.OUTSIDE_TIME, VerdictKind.ENTRY_LIMIT, VerdictKind.TOO_SOON, VerdictKind.NOT_ON_LIST,
        VerdictKind.CAPACITY_FULL)}
    assert len(set(heads.values())) == 5 and "UNKNOWN CODE" not in heads.values()
