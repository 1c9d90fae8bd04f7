"""Supervisor acts read like verdicts: a refusal is red with a cross whatever button asked for it,
greyed-out acts look greyed out and say why, and an outcome never outlives its attendee."""
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from checkin_app.gui.settings import Settings
from checkin_app.gui.style import ACCENT, STYLE_SHEET, TONES
from checkin_app.gui.supervisor import SupervisorView

PIN = "4321"


@pytest.fixture
def view(qtbot, tasks, door_dir):
    v = SupervisorView(tasks, Settings(door_dir))
    v.setStyleSheet(STYLE_SHEET)  # the application's look (gui/app.py sets it on the QApplication)
    qtbot.addWidget(v)
    v.lock_bar.pin.setText(PIN)
    v.lock_bar.repeat.setText(PIN)
    assert v.lock_bar.try_unlock()
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    return v


def pick(qtbot, view, text):
    with qtbot.waitSignal(view.detail.loaded, timeout=10_000) as loaded:
        view.query.setText(text)
    return loaded.args[0]


def act(qtbot, view, button):
    with qtbot.waitSignal(view.detail.loaded, timeout=10_000):
        with qtbot.waitSignal(view.detail.acted, timeout=10_000):
            button.click()


def colour_inside(widget) -> str:
    """The background colour just inside the right edge (clear of the icon and the text)."""
    image = widget.grab().toImage()
    return QColor(image.pixel(image.width() - 4, image.height() // 2)).name()


@pytest.mark.parametrize("code, tone, headline", [
    ("R59xesv", "ok", "ADMITTED"),
    ("VOIDED1", "stop", "VOID"),
])
def test_check_in_outcome_takes_the_verdicts_colour_and_icon(qtbot, view, code, tone, headline):
    pick(qtbot, view, code)
    act(qtbot, view, view.detail.check_in_button)
    outcome = view.detail.outcome
    assert outcome.tone == tone and outcome.icon.tone == tone
    assert outcome.text().startswith(headline)
    qtbot.waitUntil(lambda: colour_inside(outcome) == QColor(TONES[tone]["bg"]).name(), timeout=5_000)


def test_a_refused_check_in_of_someone_already_in_is_amber_not_green(qtbot, view):
    pick(qtbot, view, "R59xesv")
    act(qtbot, view, view.detail.check_in_button)
    act(qtbot, view, view.detail.check_in_button)  # the second use of the ticket is refused
    outcome = view.detail.outcome
    assert outcome.tone == "warn" and outcome.text().startswith("ALREADY CHECKED IN")
    qtbot.waitUntil(lambda: colour_inside(outcome) == QColor(TONES["warn"]["bg"]).name(), timeout=5_000)


def test_the_outcome_clears_when_another_attendee_loads(qtbot, view):
    pick(qtbot, view, "R59xesv")
    act(qtbot, view, view.detail.check_in_button)
    assert view.detail.outcome.isVisibleTo(view.detail) and "Welcome" in view.detail.outcome.text()
    pick(qtbot, view, "Lovelace")
    assert not view.detail.outcome.isVisibleTo(view.detail) and view.detail.outcome.text() == ""


def test_greyed_out_acts_look_greyed_out_and_say_why(qtbot, view):
    panel = view.detail
    assert not panel.check_in_button.isEnabled() and "pick an attendee" in panel.check_in_button.toolTip()
    # A disabled primary button is no longer the accent blue a working one is.
    assert colour_inside(panel.check_in_button) != QColor(ACCENT).name()
    pick(qtbot, view, "Lovelace")
    assert colour_inside(panel.check_in_button) == QColor(ACCENT).name()
    assert not panel.undo_button.isEnabled() and "not checked in" in panel.undo_button.toolTip()
    assert "Undo check-in: not checked in" in panel.why_off.text() and panel.why_off.isVisibleTo(panel)
    panel.reason.setText("chargeback")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
        act(qtbot, view, panel.void_button)
    assert not panel.void_button.isEnabled() and "already void" in panel.void_button.toolTip()
    assert "Void ticket: already void" in panel.why_off.text()


def test_the_void_confirmation_names_the_code(qtbot, view, monkeypatch):
    pick(qtbot, view, "R59xesv")
    view.detail.reason.setText("chargeback")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append((a[1], a[2])) or QMessageBox.No)
    view.detail.void_button.click()
    title, text = asked[0]
    assert "R59xesv" in title and "R59xesv" in text and "Joe Griffiths" in text and "chargeback" in text


def test_locked_supervisor_tabs_say_why(qtbot, view):
    view.lock_bar.lock()
    assert not view.tabs.isTabEnabled(1) and "unlock with the PIN" in view.tabs.tabToolTip(1)
    view.lock_bar.pin.setText(PIN)
    assert view.lock_bar.try_unlock()
    assert view.tabs.isTabEnabled(1) and view.tabs.tabToolTip(1) == ""


def test_greyed_out_controls_on_other_tabs_say_why_too(qtbot, window):
    conns, doors_tab = window.connections, window.doors
    assert not conns.cancel_button.isEnabled() and "no sync is running" in conns.cancel_button.toolTip()
    assert not doors_tab.repl_box.isEnabled() and "create or join a venue" in doors_tab.repl_box.toolTip()
