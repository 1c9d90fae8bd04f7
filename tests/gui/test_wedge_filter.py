"""WedgeFilter on the running QApplication: scanner bursts vs a person typing (injected key times)."""
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from checkin_app.gui.wedge_filter import WedgeFilter


class FakeClock:
    def __init__(self):
        self.ms = 1000.0

    def __call__(self):
        return self.ms


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def wedge(qtbot, clock):
    f = WedgeFilter(clock=clock).install()
    yield f
    f.uninstall()


@pytest.fixture
def window(qtbot):
    w = QWidget()
    layout = QVBoxLayout(w)
    search = QLineEdit()
    layout.addWidget(search)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.search = search
    return w


def type_into(widget, clock, text, gap_ms):
    for ch in text:
        clock.ms += gap_ms
        if ch == "\r":
            QTest.keyClick(widget, Qt.Key.Key_Return)
        elif ch == "\t":
            QTest.keyClick(widget, Qt.Key.Key_Tab)
        elif ch.isascii():
            QTest.keyClick(widget, ch)
        else:  # QTest only maps ASCII; an AZERTY key sends its Latin-1 key code and the text
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, ord(ch.upper()), Qt.KeyboardModifier.NoModifier, ch))


def focus(qtbot, widget):
    widget.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def test_burst_is_one_scan_and_does_not_leak_into_the_focused_field(qtbot, wedge, window, clock):
    focus(qtbot, window.search)
    with qtbot.waitSignal(wedge.scanned, timeout=2000) as sig:
        type_into(window.search, clock, "AB12cd34\r", 6)
    assert sig.args == ["AB12cd34"]
    assert window.search.text() == ""


def test_person_typing_in_the_search_box_passes_through(qtbot, wedge, window, clock):
    focus(qtbot, window.search)
    scans = []
    wedge.scanned.connect(scans.append)
    type_into(window.search, clock, "Jane O'Brien 42", 140)
    clock.ms += 500  # the last key is released by the timer once the fake clock shows a quiet gap
    qtbot.waitUntil(lambda: window.search.text() == "Jane O'Brien 42", timeout=2000)
    with qtbot.waitSignal(window.search.returnPressed, timeout=2000):
        type_into(window.search, clock, "\r", 150)
    assert scans == []


def test_command_keys_keep_their_order_with_held_text(qtbot, wedge, window, clock):
    focus(qtbot, window.search)
    type_into(window.search, clock, "abc", 120)
    clock.ms += 120
    QTest.keyClick(window.search, Qt.Key.Key_Backspace)  # settles "c" first, then deletes it
    clock.ms += 500
    qtbot.waitUntil(lambda: window.search.text() == "ab", timeout=2000)


def test_scan_without_terminator_and_without_focus(qtbot, wedge, window, clock):
    window.search.clearFocus()
    with qtbot.waitSignal(wedge.scanned, timeout=2000) as sig:
        type_into(window, clock, "1234567890", 5)
        clock.ms += 200  # quiet: the timer's poll flushes the burst
    assert sig.args == ["1234567890"]
    assert window.search.text() == ""


def test_azerty_scanner_is_reported_and_translated(qtbot, wedge, window, clock):
    with qtbot.waitSignal(wedge.layoutWarning, timeout=2000) as warning, \
            qtbot.waitSignal(wedge.scanned, timeout=2000) as sig:
        type_into(window, clock, "&é\"'(-è_çà\r", 5)
    assert "AZERTY" in warning.args[0]
    assert sig.args == ["1234567890"]


def test_shortcuts_and_auto_repeat_are_not_held(qtbot, wedge, window, clock):
    focus(qtbot, window.search)
    window.search.setText("select me")
    QTest.keyClick(window.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.search.selectedText() == "select me"  # delivered at once, not held
    repeat = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier, "x", True)
    QApplication.sendEvent(window.search, repeat)
    assert window.search.text() == "x" and wedge.parser.pending == 0


def press(widget, key, text="", mods=Qt.KeyboardModifier.NoModifier, timestamp=0):
    """A key press and release as the platform delivers them (optionally with the event's own time)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, key, mods, text)
        event.setTimestamp(timestamp)
        QApplication.sendEvent(widget, event)


def test_shift_per_capital_and_caps_lock_do_not_cut_the_burst(qtbot, wedge, window, clock):
    focus(qtbot, window.search)
    shift = Qt.KeyboardModifier.ShiftModifier
    with qtbot.waitSignal(wedge.scanned, timeout=2000) as sig:
        press(window.search, Qt.Key.Key_CapsLock)
        for ch in "vj0xOSL":
            clock.ms += 3
            if ch.isupper():  # a HID scanner: Shift down, the key, Shift up, for every capital
                press(window.search, Qt.Key.Key_Shift, mods=shift)
                press(window.search, ord(ch), ch, shift)
            else:
                press(window.search, ord(ch.upper()), ch)
        press(window.search, Qt.Key.Key_AltGr, mods=Qt.KeyboardModifier.GroupSwitchModifier)
        press(window.search, Qt.Key.Key_At, "@", Qt.KeyboardModifier.GroupSwitchModifier)
        clock.ms += 3
        press(window.search, Qt.Key.Key_Return, "\r")
    assert sig.args == ["vj0xOSL@"]
    assert window.search.text() == ""


def test_windows_altgr_is_a_character_not_a_shortcut(qtbot, wedge, window, clock):
    altgr = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    with qtbot.waitSignal(wedge.scanned, timeout=2000) as sig:
        for ch in "ab@cd":
            clock.ms += 4
            press(window, ord(ch.upper()) if ch != "@" else Qt.Key.Key_At, ch, altgr if ch == "@" else
                  Qt.KeyboardModifier.NoModifier)
        press(window, Qt.Key.Key_Return, "\r")
    assert sig.args == ["ab@cd"]


def test_keys_are_timed_by_their_own_timestamps_not_when_they_are_read(qtbot, wedge, window, clock):
    """A person's keys, 60 ms apart by their timestamps, read in one go (the GUI was busy): typed."""
    focus(qtbot, window.search)
    scans = []
    wedge.scanned.connect(scans.append)
    for i, ch in enumerate("sk_live_12"):
        clock.ms += 0.01
        press(window.search, ord(ch.upper()), ch, timestamp=50_000 + 60 * i)
    clock.ms += 1000  # past the last key's own time (540 ms after the first) and a quiet gap
    qtbot.waitUntil(lambda: window.search.text() == "sk_live_12", timeout=2000)
    assert scans == []


def test_password_fields_keep_even_fast_keys(qtbot, wedge, window, clock):
    window.search.setEchoMode(QLineEdit.EchoMode.Password)
    focus(qtbot, window.search)
    scans = []
    wedge.scanned.connect(scans.append)
    type_into(window.search, clock, "Secret123\r", 4)
    assert window.search.text() == "Secret123" and scans == [] and wedge.parser.pending == 0
