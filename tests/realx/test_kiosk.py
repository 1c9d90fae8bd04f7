"""The kiosk (self check-in) on a real X server with real key events: it fills door-laptop screens
with everything on them, a typed code and a scanner's burst are decided, and Escape and Alt+F4
(the window manager's close) do not leave it; only the supervisor PIN does."""
import pytest

from checkin_app.gui.settings import Settings
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
