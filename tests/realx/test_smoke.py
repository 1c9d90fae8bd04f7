"""The tier itself: a real window mapped by a real window manager, real key events arriving."""
import pytest
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QMainWindow, QVBoxLayout, QWidget

from tests.realx.geometry import assert_on_screen, fills_screen, why_not_on_screen

SIZES = ("1366x768", "1280x720", "1024x600")


class KeyLog(QObject):
    """Every key press the application sees: (key, text, X server timestamp)."""

    pressed = Signal(int, str)

    def __init__(self):
        super().__init__()
        self.events = []

    def eventFilter(self, watched, event):  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and watched.isWidgetType():
            self.events.append((event.key(), event.text(), event.timestamp()))
            self.pressed.emit(event.key(), event.text())
        return False


@pytest.fixture
def window(qtbot):
    w = QMainWindow()
    w.setWindowTitle("realx smoke")
    central = QWidget()
    w.field = QLineEdit(objectName="field")
    QVBoxLayout(central).addWidget(w.field)
    w.setCentralWidget(central)
    w.resize(400, 200)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.mark.screens(*SIZES)
def test_real_window_gets_real_keys_and_maximises(qtbot, qapp, screen_size, keyboard, window):
    assert QGuiApplication.platformName() == "xcb"
    screen = QGuiApplication.primaryScreen()
    assert (screen.size().width(), screen.size().height()) == screen_size

    log = KeyLog()
    qapp.installEventFilter(log)
    try:
        keyboard.activate(window, qtbot)
        window.field.setFocus()
        with qtbot.waitSignal(window.field.textChanged, timeout=10_000,
                              check_params_cb=lambda text: text == "Hello vj0xOSL"):
            keyboard.type_human("Hello vj0xOSL", ms_per_key=5)
    finally:
        qapp.removeEventFilter(log)
    # Real key events: Shift arrived as a key of its own, and the X server stamped every event.
    assert any(text == "" for _key, text, _t in log.events), "no modifier key events arrived"
    assert all(t > 0 for _key, _text, t in log.events)

    keyboard.maximise(window, qtbot)
    assert fills_screen(window)
    assert_on_screen(window.field)


def test_geometry_helper_sees_clipping(qtbot, keyboard, window):
    window.move(-300, 50)  # the WM may keep part of it on screen; the field's left edge is off it
    qtbot.waitUntil(lambda: window.field.mapToGlobal(window.field.rect().topLeft()).x() < 0, timeout=10_000)
    assert "not inside the screen" in why_not_on_screen(window.field)
    window.field.hide()
    assert "not visible" in why_not_on_screen(window.field)
