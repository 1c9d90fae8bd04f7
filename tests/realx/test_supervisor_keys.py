"""The supervisor by keyboard alone, with real key events: Ctrl+F lands in a search box that is on
screen, Down and Enter pick the first result, and whatever has the keyboard focus wears a ring."""
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QTabBar

from checkin_app.gui.app import open_window
from checkin_app.gui.settings import Settings
from checkin_app.gui.style import FOCUS_RING, STYLE_SHEET
from tests.factories import seeded_store
from tests.realx.geometry import assert_on_screen

PIN = "4321"


@pytest.fixture
def window(qtbot, qapp, keyboard, tmp_path):
    seeded_store(tmp_path / "door").close()
    Settings(tmp_path / "door").set_pin(PIN)
    qapp.setStyleSheet(STYLE_SHEET)  # as gui/app.py's qt_app does
    w = open_window(tmp_path / "door", sync_interval_s=0)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.statusShown, timeout=10_000):
        w.show()
    keyboard.maximise(w, qtbot)
    yield w
    w.crash.uninstall()
    w.shutdown()
    qapp.setStyleSheet("")


def unlock(qtbot, w):
    bar = w.supervisor.lock_bar
    bar.pin.setText(PIN)
    assert bar.try_unlock()


def has_focus(widget):
    return lambda: QApplication.focusWidget() is widget


@pytest.mark.screens("1366x768", "1280x720", "1024x600")
def test_ctrl_f_lands_in_the_visible_search_box_whatever_tab_was_open(qtbot, keyboard, window):
    sup = window.supervisor
    unlock(qtbot, window)
    sup.tabs.setCurrentWidget(sup.walk_up)  # the search box is on another supervisor tab
    window.tabs.setCurrentWidget(window.stats)
    sup.query.setText("old words")
    keyboard.press("ctrl+f").wait(qtbot)
    qtbot.waitUntil(has_focus(sup.query), timeout=10_000)
    assert window.tabs.currentWidget() is sup and sup.tabs.currentIndex() == 0
    assert_on_screen(sup.query)
    assert sup.query.selectedText() == "old words"  # typing replaces the last search
    keyboard.type_human("lovelace", ms_per_key=60).wait(qtbot)
    qtbot.waitUntil(lambda: sup.query.text() == "lovelace" and sup.model.rowCount() == 1, timeout=10_000)


def test_down_from_the_search_box_picks_the_first_result(qtbot, keyboard, window):
    sup = window.supervisor
    keyboard.press("ctrl+f").wait(qtbot)
    qtbot.waitUntil(has_focus(sup.query), timeout=10_000)
    with qtbot.waitSignal(sup.resultsShown, timeout=10_000, check_params_cb=lambda n: n >= 2):
        keyboard.type_human("al4r5", ms_per_key=60).wait(qtbot)  # two tickets whose codes differ by case
    assert sup.detail.record is None  # several results: nothing picked yet
    with qtbot.waitSignal(sup.detail.loaded, timeout=10_000) as loaded:
        keyboard.press("Down")
    assert loaded.args[0]["id"] == sup.model.row_at(0)["id"]
    qtbot.waitUntil(has_focus(sup.results), timeout=5_000)
    assert [i.row() for i in sup.results.selectionModel().selectedRows()] == [0]


def test_enter_in_the_search_box_picks_the_first_result(qtbot, keyboard, window):
    sup = window.supervisor
    keyboard.press("ctrl+f").wait(qtbot)
    qtbot.waitUntil(has_focus(sup.query), timeout=10_000)
    keyboard.type_human("al4r5", ms_per_key=60).wait(qtbot)
    with qtbot.waitSignal(sup.detail.loaded, timeout=10_000) as loaded:
        keyboard.press("Return")
    assert loaded.args[0]["id"] == sup.model.row_at(0)["id"] and sup.model.rowCount() >= 2
    assert [i.row() for i in sup.results.selectionModel().selectedRows()] == [0]


def ring_shown(widget) -> bool:
    """The focus ring's colour along the widget's left edge (a tab bar's: its current tab's), where the
    border is drawn."""
    area = widget.tabRect(widget.currentIndex()) if isinstance(widget, QTabBar) else widget.rect()
    image = widget.grab(area).toImage()
    ring = QColor(FOCUS_RING)
    column = [QColor(image.pixel(x, image.height() // 2)) for x in range(0, 4)]
    return any(abs(c.red() - ring.red()) + abs(c.green() - ring.green()) + abs(c.blue() - ring.blue()) < 40
               for c in column)


def test_the_keyboard_focus_wears_a_visible_ring(qtbot, keyboard, window):
    sup = window.supervisor
    unlock(qtbot, window)
    keyboard.press("ctrl+f").wait(qtbot)
    qtbot.waitUntil(has_focus(sup.query), timeout=10_000)
    with qtbot.waitSignal(sup.detail.loaded, timeout=10_000):
        keyboard.type_human("Lovelace", ms_per_key=60).wait(qtbot)
    detail = sup.detail
    # Tab from the search box through the window: every control focus lands on shows the ring.
    wanted = {detail.check_in_button, detail.force_button, detail.void_button, detail.reason, sup.results}
    seen, ringed = set(), set()
    for _ in range(40):
        keyboard.press("Tab").wait(qtbot)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
        focused = QApplication.focusWidget()
        if focused in wanted and focused not in seen:
            seen.add(focused)
            qtbot.waitUntil(lambda f=focused: ring_shown(f), timeout=5_000)
            ringed.add(focused)
        if seen >= wanted:
            break
    assert seen >= wanted, [type(w).__name__ + ":" + getattr(w, "text", lambda: "")() for w in wanted - seen]
    for widget in seen:  # and the ring goes when the focus does
        if widget is not QApplication.focusWidget():
            assert not ring_shown(widget), widget


def test_every_control_tab_reaches_on_the_connections_tab_wears_the_ring(qtbot, keyboard, window):
    """Combo boxes, check boxes, spin boxes, lists, tool buttons, buttons and fields alike."""
    window.tabs.setCurrentWidget(window.connections)
    window.connections.advanced.setChecked(True)  # the webhook receiver's controls too
    window.connections.provider.setFocus()
    qtbot.waitUntil(has_focus(window.connections.provider), timeout=5_000)
    seen, bare = {}, []
    for _ in range(60):
        focused = QApplication.focusWidget()
        if focused in seen:
            break
        seen[focused] = ring_shown(focused)
        if not seen[focused]:
            bare.append(f"{type(focused).__name__} {getattr(focused, 'text', lambda: '')()!r}".strip())
        keyboard.press("Tab").wait(qtbot)
        qtbot.waitUntil(lambda f=focused: QApplication.focusWidget() not in (None, f), timeout=5_000)
    kinds = {type(w).__name__ for w in seen}
    assert {"QComboBox", "QLineEdit", "QPushButton", "QToolButton", "QCheckBox", "QSpinBox", "QListWidget"} <= kinds, kinds
    assert bare == []
