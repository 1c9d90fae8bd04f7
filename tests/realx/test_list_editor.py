"""The supervisor's list editor on a real X server at door-laptop sizes (issue 17): every field can be
scrolled to and is shown whole, the Save button is on screen wherever the form is scrolled, and a
list named with real key events and saved with a real key press is created."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from checkin_app.gui.settings import Settings
from checkin_app.services import lists
from checkin_app.store import Store
from tests.factories import seeded_store
from tests.realx.app_window import open_door_window
from tests.realx.geometry import assert_on_screen, global_rect

PIN = "4321"


def fields(editor) -> list:
    return [editor.name, editor.events, editor.ticket_types, editor.valid_from.mode, editor.valid_until.mode,
            editor.entries, editor.per_day, editor.min_gap, editor.reentry, editor.exit_all_at, editor.capacity,
            editor.warning, editor.area, editor.attention, editor.show_answers, editor.auto_badge]


def scroll_into_view(qtbot, area, field) -> None:
    """Scroll the form until the whole field shows, as a user would. (`QScrollArea.ensureWidgetVisible`
    would bring only a text box's cursor line into view, not the box.)"""
    middle = field.mapTo(area.widget(), field.rect().center())
    area.ensureVisible(middle.x(), middle.y(), field.width() // 2 + 8, field.height() // 2 + 8)
    qtbot.waitUntil(lambda: global_rect(area.viewport()).contains(global_rect(field)), timeout=5_000)


@pytest.mark.screens("1366x768", "1280x720", "1024x600")
def test_the_list_editor_fits_and_a_list_typed_with_real_keys_is_saved(qtbot, tmp_path, keyboard):
    seeded_store(tmp_path / "door").close()
    Settings(tmp_path / "door").set_pin(PIN)
    w = open_door_window(qtbot, keyboard, tmp_path / "door", seed=False)
    try:
        keyboard.maximise(w, qtbot)
        sup = w.supervisor
        sup.lock_bar.pin.setText(PIN)
        assert sup.lock_bar.try_unlock()
        w.tabs.setCurrentWidget(sup)
        editor = sup.list_editor
        with qtbot.waitSignal(editor.listsShown, timeout=10_000):
            sup.tabs.setCurrentWidget(editor)
        qtbot.waitUntil(lambda: editor.events.count() == 2, timeout=10_000)
        for field in fields(editor):  # each one reachable inside the panel, and Save still on screen
            scroll_into_view(qtbot, editor.scroll, field)
            assert_on_screen(field, editor.save_button)
        scroll_into_view(qtbot, editor.scroll, editor.name)
        editor.events.item(0).setCheckState(Qt.Checked)  # Night one
        editor.name.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.name, timeout=5_000)
        keyboard.type_human("Front gate", ms_per_key=30).wait(qtbot)
        qtbot.waitUntil(lambda: editor.name.text() == "Front gate", timeout=10_000)
        editor.save_button.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.save_button, timeout=5_000)
        with qtbot.waitSignal(editor.saved, timeout=20_000):
            # held as a finger holds it: a zero-length press/release reaches Qt as a press alone
            keyboard.run_script(["keydown space", "sleep 0.05", "keyup space"]).wait(qtbot)
        assert_on_screen(editor.save_button, editor.outcome)
        assert "Front gate saved" in editor.outcome.text()
        with Store(tmp_path / "door") as store:
            assert [e.remote_id for e in lists.get(store, "Front gate").events] == ["ev_1"]
    finally:
        w.crash.uninstall()
        w.shutdown()
