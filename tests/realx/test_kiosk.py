"""The kiosk (self check-in) on a real X server with real key events: it fills door-laptop screens
with everything on them, a typed code and a scanner's burst are decided, and Escape and Alt+F4
(the window manager's close) do not leave it; only the supervisor PIN does."""
import subprocess
import sys

import pytest

from checkin_app.gui.settings import Settings
from checkin_app.services import supervisor
from checkin_app.store import Store
from tests.factories import seeded_store
from tests.helpers.poll import poll
from tests.realx.app_window import open_door_window
from tests.realx.geometry import assert_on_screen, fills_screen

PIN = "4321"


@pytest.fixture
def kiosk(qtbot, keyboard, tmp_path):
    w = open_door_window(qtbot, keyboard, tmp_path / "door")
    Settings(tmp_path / "door").set_pin(PIN)
    with qtbot.waitSignal(w.kioskOpened, timeout=10_000) as opened:
        w.badge_settings.kiosk_button.click()
    k = opened.args[0]
    qtbot.waitUntil(lambda: fills_screen(k) and k.isActiveWindow(), timeout=10_000)
    yield w, k
    w.crash.uninstall()
    w.shutdown()


@pytest.mark.screens("1366x768", "1280x720", "1024x600")
def test_kiosk_fills_the_screen_with_a_large_verdict_and_decides_typed_and_scanned_codes(qtbot, keyboard, kiosk):
    w, k = kiosk
    assert not w.isVisible()  # no tabs, no door view behind it
    assert_on_screen(k.title, k.hint, k.staff_button, k.verdict, k.entry)
    screen = k.screen().geometry()
    assert k.verdict.height() >= screen.height() * 0.5 and k.verdict.width() >= screen.width() * 0.9
    with qtbot.waitSignal(k.verdictShown, timeout=20_000) as shown:
        keyboard.type_human("R59xesv", ms_per_key=60).wait(qtbot)
        keyboard.press("Return")
    assert shown.args[0]["verdict"] == "admitted" and k.verdict.name.text() == "Joe Griffiths"
    assert_on_screen(k.verdict.headline, k.verdict.name)
    with qtbot.waitSignal(k.verdictShown, timeout=20_000) as shown:
        keyboard.scan("al4R5")  # a USB scanner's burst, Shift per capital
    assert shown.args[0]["verdict"] == "admitted" and shown.args[0]["code"] == "al4R5"


@pytest.mark.screens("1366x768", "1280x720", "1024x600")
def test_escape_and_alt_f4_do_not_leave_the_kiosk_only_the_pin_does(qtbot, keyboard, kiosk):
    w, k = kiosk
    keyboard.press("Escape").wait(qtbot)
    with qtbot.waitSignal(k.closeRefused, timeout=10_000):
        keyboard.press("alt+F4")  # openbox closes the active window, as desktops do
    assert k.isVisible() and fills_screen(k) and not w.isVisible()
    qtbot.waitUntil(lambda: k.lock.pin.hasFocus(), timeout=10_000)
    assert_on_screen(k.lock.pin, k.lock.unlock_button)
    keyboard.type_human("0000", ms_per_key=30).wait(qtbot)
    keyboard.press("Return").wait(qtbot)
    qtbot.waitUntil(lambda: "wrong PIN" in k.lock.message.text(), timeout=10_000)
    assert k.isVisible()
    keyboard.press("Escape").wait(qtbot)  # hides the PIN field again: still the kiosk
    qtbot.waitUntil(lambda: not k.lock.isVisible(), timeout=10_000)
    assert k.isVisible() and fills_screen(k)
    with qtbot.waitSignal(k.closeRefused, timeout=10_000):
        keyboard.press("alt+F4")
    qtbot.waitUntil(lambda: k.lock.pin.hasFocus(), timeout=10_000)
    with qtbot.waitSignal(k.left, timeout=20_000):
        keyboard.type_human(PIN, ms_per_key=30).wait(qtbot)
        keyboard.press("Return")
    qtbot.waitUntil(lambda: w.isVisible() and not k.isVisible(), timeout=10_000)
    assert w.kiosk is None


def _window(x_server, title_pattern):
    """The X window whose title matches, once there is one (xdotool waits for it)."""
    found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", title_pattern],
                           capture_output=True, text=True, timeout=60, env={"DISPLAY": x_server.display})
    return found.stdout.split()[0]


def _admitted(data_dir, code):
    store = Store(data_dir)
    try:
        return any(r["code"] == code and r["verdict"] == "admitted" for r in supervisor.recent_scans(store, 20))
    finally:
        store.close()


def test_the_kiosk_command_stays_up_through_escape_and_alt_f4_until_the_pin(qtbot, keyboard, tmp_path, x_server):
    """`checkin-app kiosk` in a process of its own on the X server: the contract as a venue runs it."""
    data_dir = tmp_path / "door"
    seeded_store(data_dir).close()
    Settings(data_dir).set_pin(PIN)
    proc = subprocess.Popen([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), "kiosk"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        window_id = _window(x_server, "Self check-in$")
        keyboard.run_script([f"windowactivate --sync {window_id}"]).wait(qtbot)
        keyboard.type_human("R59xesv", ms_per_key=60).wait(qtbot)
        keyboard.press("Return").wait(qtbot)
        poll(lambda: _admitted(data_dir, "R59xesv"), timeout=30)
        keyboard.press("Escape", "alt+F4").wait(qtbot)
        assert _window(x_server, "supervisor PIN$") == window_id  # close refused: the PIN is asked for
        keyboard.press("Escape").wait(qtbot)  # the PIN field put away again
        assert _window(x_server, "Self check-in$") == window_id
        keyboard.scan("al4R5").wait(qtbot)  # still up, still scanning
        poll(lambda: _admitted(data_dir, "al4R5"), timeout=30)
        assert proc.poll() is None
        keyboard.press("alt+F4").wait(qtbot)
        assert _window(x_server, "supervisor PIN$") == window_id  # the PIN field has the focus
        keyboard.type_human(PIN, ms_per_key=30).wait(qtbot)
        keyboard.press("Return").wait(qtbot)
        door = _window(x_server, f"· {data_dir}$")  # the PIN leaves for the door's own window
        keyboard.run_script([f"windowactivate --sync {door}"]).wait(qtbot)
        keyboard.press("alt+F4").wait(qtbot)  # which closes as any window does, ending the process
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
