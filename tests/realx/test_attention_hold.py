"""The attention hold with real key events (issue 17): a USB scanner ends every code with Enter, so
while a guest is held the next scan must neither confirm the hold nor push it off the screen; a
scanner's late Enter confirms nothing; a person's Enter, or a real mouse click, does."""
import pytest
from PySide6.QtCore import QPoint

from checkin_app.gui import door_view
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from tests.factories import seeded_store
from tests.realx import test_door_floor as door_floor
from tests.realx.app_window import open_door_window
from tests.realx.geometry import assert_on_screen

NOTE = "Wheelchair: use the side door"


@pytest.fixture
def window(qtbot, keyboard, tmp_path, monkeypatch):
    # Long enough that xdotool's own start-up on a loaded machine stays inside it (the test waits for
    # the arming on a condition, never by sleeping).
    monkeypatch.setattr(door_view, "HOLD_ARM_MS", 2_500)
    data = tmp_path / "door"
    seeded_store(data).close()
    with Store(data) as store:
        CheckinService(store, door="Door 1").set_note("R59xesv", NOTE)
    w = open_door_window(qtbot, keyboard, data, seed=False)
    w.door.entry.setFocus()
    qtbot.waitUntil(lambda: w.door.entry.hasFocus())
    yield w
    w.close()


def ops(window, code):
    with Store(window.data_dir) as store:
        return [r[0] for r in store.conn.execute("SELECT op FROM journal WHERE code = ? ORDER BY id", (code,))]


def test_the_next_scan_and_a_late_scanner_enter_never_confirm_a_hold(qtbot, keyboard, window):
    door = window.door
    with qtbot.waitSignal(door.holdOpened, timeout=10_000) as opened:
        keyboard.scan("R59xesv").wait(qtbot)
    assert opened.args[0]["attention"][0]["text"] == NOTE
    # The next guest's ticket, code + Enter as the scanner sends it: it waits, the hold stays.
    with qtbot.waitSignal(door.scanWaiting, timeout=10_000) as waiting:
        keyboard.scan("al4R5").wait(qtbot)
    assert waiting.args == ["al4R5"]
    # A scanner whose Enter comes on its own, just after its code (or a second Enter): not a confirm.
    keyboard.press("Return").wait(qtbot)
    qtbot.waitUntil(lambda: window.wedge.parser.pending == 0, timeout=5_000)
    assert door.hold is not None and door.verdict.holding
    assert ops(window, "R59xesv") == ["note", "scan"] and ops(window, "al4R5") == []
    assert door.entry.text() == ""
    # A person, after reading the note, presses Enter: confirmed, then the waiting scan is decided.
    qtbot.waitUntil(door.hold_armed, timeout=10_000)
    with qtbot.waitSignal(door.verdictShown, timeout=10_000) as next_verdict:
        with qtbot.waitSignal(door.holdResolved, timeout=10_000) as resolved:
            keyboard.press("Return").wait(qtbot)
    assert resolved.args[0] == "confirmed"
    assert next_verdict.args[0]["code"] == "al4R5" and next_verdict.args[0]["verdict"] == "admitted"
    assert ops(window, "R59xesv") == ["note", "scan", "confirm"] and ops(window, "al4R5") == ["scan"]


def test_a_real_click_on_do_not_let_in_denies(qtbot, keyboard, window):
    door = window.door
    with qtbot.waitSignal(door.holdOpened, timeout=10_000):
        keyboard.scan("R59xesv").wait(qtbot)
    button = door.verdict.deny_button
    qtbot.waitUntil(button.isVisible)
    centre = button.mapToGlobal(QPoint(button.width() // 2, button.height() // 2))
    with qtbot.waitSignal(door.holdResolved, timeout=10_000) as resolved:
        keyboard.run_script([f"mousemove --sync {centre.x()} {centre.y()}", "click 1"]).wait(qtbot)
    assert resolved.args[0] == "denied"
    assert door.verdict.headline.text() == "NOT LET IN · TICKET STILL VALID"
    assert ops(window, "R59xesv") == ["note", "scan", "deny"]


# The maximised window with the app's own style, as on a door laptop (tests/realx/test_door_floor.py).
app_style = door_floor.app_style
floor_window = door_floor.window


@pytest.mark.screens(*door_floor.SIZES)
def test_a_hold_shows_whole_on_every_door_laptop_screen(qtbot, floor_window):
    door = floor_window.door
    with Store(floor_window.data_dir) as store:
        CheckinService(store, door="Door 1").set_note("R59xesv", NOTE + " (ask for the ramp key at the bar)")
    with qtbot.waitSignal(door.holdOpened, timeout=20_000):
        door.submit("R59xesv")
    panel = door.verdict
    qtbot.waitUntil(lambda: panel.confirm_button.isVisible() and panel.headline.text() == panel.look.headline)
    assert_on_screen(door.entry, panel.headline, panel.name, panel.detail, panel.reason, panel.confirm_button,
                     panel.deny_button)
    assert "Stalls A 1" in panel.detail.text()
