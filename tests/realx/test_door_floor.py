"""The window at real door-laptop sizes, maximised by a real window manager (issue 13, items 3-6).

Judged by the widgets' own geometry on the X server: the Door shows its code field, headline,
name and reason without scrolling; every other tab's primary buttons can be scrolled to; F11 is
full screen; a verdict decided by the camera while another tab is open comes up over that tab;
the text is big enough to read from two metres at 1366×768.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QScrollArea

from checkin_app.gui.app import open_window, qt_app
from checkin_app.scanning.synth import write_ticket_video
from tests.factories import seeded_store
from tests.realx.app_window import open_door_window
from tests.realx.geometry import assert_on_screen, fills_screen, global_rect

SIZES = ("1366x768", "1280x720", "1024x600")


@pytest.fixture
def app_style(qapp):
    """The app's own style sheet and font, as `checkin-app` starts (sizes depend on them); the
    test process's own afterwards, for the tests that come next."""
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    qt_app()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


@pytest.fixture
def window(qtbot, tmp_path, keyboard, app_style):
    w = open_door_window(qtbot, keyboard, tmp_path / "door")
    keyboard.maximise(w, qtbot)
    yield w
    w.crash.uninstall()
    w.shutdown()


def scan(qtbot, window, code: str) -> dict:
    with qtbot.waitSignal(window.door.verdictShown, timeout=20_000) as shown:
        window.door.submit(code)
    qtbot.waitUntil(lambda: window.door.verdict.headline.text() == window.door.verdict.look.headline)
    return shown.args[0]


def assert_whole(*widgets) -> None:
    """On screen, and not squeezed below the size the widget needs (a layout given less than its
    minimum overlaps and cuts its children while each still lies inside its parent)."""
    assert_on_screen(*widgets)
    squeezed = [f"{type(w).__name__} {w.objectName() or getattr(w, 'text', lambda: '')()!r}: {w.size().toTuple()} "
                f"< {w.minimumSizeHint().toTuple()}" for w in widgets
                if w.width() < w.minimumSizeHint().width() or w.height() < w.minimumSizeHint().height()]
    assert not squeezed, "\n".join(squeezed)


def scroll_to(qtbot, control) -> None:
    """Scroll the scroll area holding `control` (if any) until it is in view, as a user would."""
    area = control.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    if area is not None:
        area.ensureWidgetVisible(control, 8, 8)
        qtbot.waitUntil(lambda: global_rect(area.viewport()).contains(global_rect(control)), timeout=5_000)


def primary_controls(window) -> dict:
    """Per non-Door tab, the controls its users came for."""
    return {
        window.supervisor: [window.supervisor.query, window.supervisor.lock_bar.unlock_button],
        window.stats: [window.stats.five, window.stats.fifteen, window.stats.chart],
        window.connections: [window.connections.add_button, window.connections.test_button,
                             window.connections.sync_button, window.connections.save_events_button],
        window.doors: [window.doors.create_button, window.doors.join_button],
    }


@pytest.mark.screens(*SIZES)
def test_door_shows_code_field_and_whole_refusal_and_every_tab_reaches_its_buttons(qtbot, window):
    assert fills_screen(window), f"not maximised: {window.geometry()} on {window.screen().availableGeometry()}"
    door = window.door
    scan(qtbot, window, "VOIDED1")  # a refusal: headline, name, detail and a reason line
    panel = door.verdict
    assert "Void: this ticket was cancelled" in panel.reason.text()  # after "[Event …]" when several admit
    assert_whole(door.entry, panel.headline, panel.name, panel.detail, panel.reason,
                 door.entry_button, door.exit_button, window.status.online)
    assert not panel.reason.shown_lines()[-1].endswith("…"), panel.reason.shown_lines()

    for view, controls in primary_controls(window).items():
        window.tabs.setCurrentWidget(view)
        for control in controls:
            scroll_to(qtbot, control)
            assert_whole(control)


@pytest.mark.screens(*SIZES)
def test_f11_is_a_full_screen_door_and_f11_again_gives_the_window_back(qtbot, window, keyboard):
    window.tabs.setCurrentWidget(window.stats)
    keyboard.activate(window, qtbot)
    keyboard.press("F11")
    qtbot.waitUntil(lambda: window.isFullScreen() and window.geometry() == window.screen().geometry(), timeout=10_000)
    assert window.tabs.currentWidget() is window.door and not window.tabs.tabBar().isVisible()
    scan(qtbot, window, "R59xesv")
    assert_on_screen(window.door.entry, window.door.verdict.headline, window.door.verdict.name)
    keyboard.press("F11")
    qtbot.waitUntil(lambda: not window.isFullScreen() and window.isMaximized(), timeout=10_000)
    assert window.tabs.tabBar().isVisible()


@pytest.mark.screens(*SIZES)
def test_camera_verdict_while_another_tab_is_open_comes_up_over_that_tab(qtbot, window, tmp_path):
    window.tabs.setCurrentWidget(window.stats)  # where the VOID of the issue went by unseen
    video = write_ticket_video(tmp_path / "void.avi", ["VOIDED1"], hold=8, gap=2)
    with qtbot.waitSignal(window.door.verdictShown, timeout=60_000,
                          check_params_cb=lambda v: v["code"] == "VOIDED1") as shown:
        window.start_camera(str(video))
    assert shown.args[0]["verdict"] == "void" and window.tabs.currentWidget() is window.stats
    overlay = window.overlay
    qtbot.waitUntil(overlay.isVisible, timeout=5_000)
    assert overlay.headline.text() == "VOID · DO NOT ADMIT" and "VOIDED1" in overlay.who.text()
    assert_on_screen(overlay.headline, overlay.who, overlay.reason)
    # Over the tab, not under it: the tab's own widgets are below the overlay in stacking order.
    centre = overlay.mapTo(window, overlay.rect().center())
    assert window.childAt(centre) in (overlay, *overlay.findChildren(type(overlay.headline)), overlay.icon) \
        or overlay.isAncestorOf(window.childAt(centre))
    overlay.mousePressEvent(None)  # a click opens the Door, where the refusal is still up
    assert window.tabs.currentWidget() is window.door and window.door.verdict.verdict["code"] == "VOIDED1"


def test_text_is_readable_from_two_metres_at_1366x768(qtbot, window):
    """Cap heights of the fonts actually used: headline ≥ 40 px, name and reason ≥ 28 px."""
    scan(qtbot, window, "R59xesv")
    scan(qtbot, window, "R59xesv")  # already checked in: a warning with a name and a reason
    panel = window.door.verdict

    def cap(label) -> float:  # of the font the label paints with (a too-wide text is painted smaller)
        return QFontMetricsF(label.shown_font()).capHeight()

    assert cap(panel.headline) >= 40, cap(panel.headline)
    assert cap(panel.name) >= 28, cap(panel.name)
    assert cap(panel.reason) >= 28, cap(panel.reason)
    assert_on_screen(panel.headline, panel.name, panel.reason)


@pytest.mark.screens(*SIZES)
def test_a_long_name_changes_no_layout(qtbot, window):
    door = window.door
    scan(qtbot, window, "al4R5")
    side, entry = global_rect(door.side), global_rect(door.entry)
    long_name = "Maximiliana Theodora Wilhelmina von und zu Hohenzollern-Sigmaringen-Braganza " * 2
    verdict = dict(door.verdict.verdict, ticket=dict(door.verdict.verdict["ticket"], holder_name=long_name))
    door.verdict.show_verdict(verdict)
    qtbot.waitUntil(lambda: door.verdict.name.text() == long_name)
    assert global_rect(door.side) == side and global_rect(door.entry) == entry
    assert door.verdict.name.shown_lines()[0].endswith("…")
    assert_on_screen(door.verdict.name, door.entry, door.side)
    assert window.frameGeometry().topLeft() == QPoint(0, 0) or fills_screen(window)


@pytest.mark.screens(*SIZES)
def test_first_start_on_a_small_screen_opens_maximised_with_the_door_whole(qtbot, tmp_path, app_style):
    """No saved window size: on a screen smaller than 1280×800 the window opens maximised, not past its edges."""
    seeded_store(tmp_path / "fresh").close()
    w = open_window(tmp_path / "fresh", sync_interval_s=0)
    qtbot.addWidget(w)
    try:
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: fills_screen(w), timeout=10_000)
        # The text is sized for the new panel at once; the layout places it on its next pass.
        qtbot.waitUntil(lambda: assert_whole(w.door.entry, w.door.verdict.headline, w.door.verdict.name,
                                             w.status.online) is None, timeout=5_000)
    finally:
        w.crash.uninstall()
        w.shutdown()


def test_space_or_esc_from_the_keyboard_acknowledges_a_held_refusal(qtbot, window, keyboard):
    """Real key events, through the app-wide scanner filter: a lone Space or Esc is a person, not a scan."""
    door = window.door
    keyboard.activate(window, qtbot)
    door.entry.setFocus()
    qtbot.waitUntil(door.entry.hasFocus, timeout=5_000)
    for key in ("space", "Escape"):
        scan(qtbot, window, "VOIDED1")
        assert not door.verdict._timer.isActive(), "the refusal must wait for a person"
        with qtbot.waitSignal(door.verdict.cleared, timeout=3_000):
            keyboard.press(key)
        assert door.verdict.verdict is None and door.entry.text() == ""
