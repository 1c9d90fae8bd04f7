"""The door picks its check-in list with real key events at door-laptop sizes (issue 17): the list
of lists in Connections → This door can be scrolled to and ticked with Space, and the Door tab then
names the list and decides scans on it."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from checkin_app.services import lists
from checkin_app.store import Store
from tests.factories import seeded_store
from tests.realx.app_window import open_door_window
from tests.realx.geometry import assert_on_screen
from tests.realx.test_door_floor import scroll_to


@pytest.mark.screens("1366x768", "1024x600")
def test_ticking_a_list_with_space_puts_the_door_on_it(qtbot, tmp_path, keyboard):
    seeded_store(tmp_path / "door").close()
    with Store(tmp_path / "door") as store:
        lists.define(store, lists.ListSpec("VIP only", ["ev_1"], ticket_types=["VIP"]))
    w = open_door_window(qtbot, keyboard, tmp_path / "door", seed=False)
    try:
        keyboard.maximise(w, qtbot)
        with qtbot.waitSignal(w.door_settings.listsShown, timeout=10_000):  # re-read as the tab opens
            w.tabs.setCurrentWidget(w.connections)
        chooser = w.door_settings.lists
        assert chooser.count() == 1 and chooser.isVisible()
        scroll_to(qtbot, chooser)
        assert_on_screen(chooser)
        chooser.setFocus()
        chooser.setCurrentRow(0)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is chooser, timeout=5_000)
        with qtbot.waitSignal(w.door_settings.listsChosen, timeout=10_000, check_params_cb=lambda n: n == ["VIP only"]):
            keyboard.press("space").wait(qtbot)
        w.tabs.setCurrentWidget(w.door)
        qtbot.waitUntil(lambda: w.door.scope.text() == "List: VIP only", timeout=10_000)
        assert_on_screen(w.door.scope)
        with qtbot.waitSignal(w.door.verdictShown, timeout=20_000) as shown:
            keyboard.scan("al4R5").wait(qtbot)  # a USB scanner's keystrokes: a GA ticket
        assert shown.args[0]["verdict"] == "not_on_list"
    finally:
        w.crash.uninstall()
        w.shutdown()
