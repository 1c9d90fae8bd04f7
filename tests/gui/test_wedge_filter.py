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
