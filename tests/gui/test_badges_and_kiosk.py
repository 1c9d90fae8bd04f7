"""Badges from the window (printed on admission, reprinted from the attendee panel) and the kiosk.

Badges go to PDF files in a folder (a door setting like a printer), read back with pdftotext and
decoded from the page rendered at 300 dpi. Real key events for the kiosk are in
tests/realx/test_kiosk.py; here its behaviour offscreen: scans, Escape, close, the PIN.
"""
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from checkin_app.errors import CheckinError
from checkin_app.gui.kiosk import KioskWindow
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds
from checkin_app.scanning.files import decode_file
from tests.helpers import pdf

PIN = "4321"


def _pdf_door(window, folder):
    folder.mkdir()
    window.badge_settings.set_target(f"pdf:{folder}")
    window.badge_settings.on_admit.setChecked(True)


def _scan_at_door(qtbot, window, code):
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000) as shown:
        window.door.submit(code)
    return shown.args[0]


def test_a_first_admission_prints_a_badge_a_refusal_or_reentry_does_not(qtbot, windows, door_dir, tmp_path):
    w = windows(door_dir)
    _pdf_door(w, tmp_path / "badges")
    with qtbot.waitSignal(w.badges.printed, timeout=20_000) as printed:
        assert _scan_at_door(qtbot, w, "R59xesv")["verdict"] == "admitted"
    path = Path(printed.args[1])
    assert "Joe Griffiths" in pdf.text(path) and "Night one" in pdf.text(path)
    assert [c["code"] for c in decode_file(pdf.render(path, tmp_path)).codes] == ["R59xesv"]
    # A refused scan prints nothing; the next admission's badge is the only new file.
    assert _scan_at_door(qtbot, w, "VOIDED1")["verdict"] == "void"
    assert _scan_at_door(qtbot, w, "R59xesv")["verdict"] == "already_checked_in"
    with qtbot.waitSignal(w.badges.printed, timeout=20_000) as printed:
        _scan_at_door(qtbot, w, "al4R5")
    assert sorted(p.name.split("-")[1] for p in (tmp_path / "badges").iterdir()) == ["R59xesv", "al4R5"]


def test_no_badge_when_the_door_does_not_print_on_admit(qtbot, windows, door_dir, tmp_path):
    w = windows(door_dir)
    (tmp_path / "badges").mkdir()
    w.badge_settings.set_target(f"pdf:{tmp_path / 'badges'}")
    assert not w.badge_settings.on_admit.isChecked()
    with qtbot.waitSignal(w.badges.printed, timeout=1000, raising=False) as printed:
        _scan_at_door(qtbot, w, "R59xesv")
    assert not printed.signal_triggered and list((tmp_path / "badges").iterdir()) == []


def test_a_supervisor_reprints_a_badge_from_the_attendee_panel(qtbot, windows, door_dir, tmp_path):
    w = windows(door_dir)
    (tmp_path / "badges").mkdir()
    w.badge_settings.set_target(f"pdf:{tmp_path / 'badges'}")
    sup = w.supervisor
    sup.lock_bar.pin.setText(PIN)
    sup.lock_bar.repeat.setText(PIN)
    assert sup.lock_bar.try_unlock()
    with qtbot.waitSignal(sup.detail.loaded, timeout=10_000):
        sup.query.setText("Lovelace")
    panel = sup.detail
    assert panel.badge_button.isVisibleTo(panel.actions_box) and panel.badge_button.isEnabled()
    for _ in range(2):  # a reprint prints again
        with qtbot.waitSignal(w.badges.printed, timeout=20_000) as printed:
            panel.badge_button.click()
        assert "Ada Lovelace" in pdf.text(Path(printed.args[1]))
    assert panel.outcome.text().startswith("Badge printed to") and "badge-al4R5" in panel.outcome.text()
    assert len(list((tmp_path / "badges").iterdir())) == 2


def test_reprint_says_why_when_no_printer_is_chosen_and_void_tickets_get_none(qtbot, windows, door_dir):
    w = windows(door_dir)
    with qtbot.waitSignal(w.badges.failed, timeout=10_000) as failed:
        w.badges.print_ticket(1)
    assert "no badge printer chosen" in failed.args[1]
    w.badge_settings.set_target("pdf:/nonexistent-folder-for-badges")
    with qtbot.waitSignal(w.badges.failed, timeout=10_000) as failed:
        w.badges.print_ticket(1)
    assert "cannot write" in failed.args[1]


# -- the kiosk -----------------------------------------------------------------------------------

def _kiosk(qtbot, tasks, door_dir, tmp_path, pin=PIN):
    settings = Settings(door_dir)
    if pin:
        settings.set_pin(pin)
    k = KioskWindow(tasks, settings, Sounds(enabled=False, directory=tmp_path / "sounds"))
    qtbot.addWidget(k)
    k.show()
    return k


def test_kiosk_refuses_to_start_without_a_supervisor_pin(qtbot, tasks, door_dir, tmp_path):
    with pytest.raises(CheckinError, match="choose a supervisor PIN first"):
        _kiosk(qtbot, tasks, door_dir, tmp_path, pin=None)


def test_kiosk_scans_a_typed_code_and_shows_the_verdict_large(qtbot, tasks, door_dir, tmp_path):
    k = _kiosk(qtbot, tasks, door_dir, tmp_path)
    with qtbot.waitSignal(k.verdictShown, timeout=10_000) as shown:
        k.entry.setText("R59xesv")
        k.entry.returnPressed.emit()
    assert shown.args[0]["verdict"] == "admitted"
    assert k.verdict.headline.text() == "ADMITTED" and k.verdict.name.text() == "Joe Griffiths"
    assert k.entry.text() == ""
    with qtbot.waitSignal(k.verdictShown, timeout=10_000) as shown:
        k.submit("R59xesv")
    assert shown.args[0]["verdict"] == "already_checked_in"


def test_kiosk_is_left_only_with_the_right_pin(qtbot, tasks, door_dir, tmp_path):
    k = _kiosk(qtbot, tasks, door_dir, tmp_path)
    with qtbot.waitSignal(k.closeRefused, timeout=5000):
        assert not k.close()  # Alt+F4 and the window manager's close arrive as this
    assert k.isVisible() and k.lock.isVisible()
    k.lock.pin.setText("0000")
    assert not k.lock.try_unlock() and k.isVisible()
    assert "wrong PIN" in k.lock.message.text()
    k.lock.pin.setText(PIN)
    with qtbot.waitSignal(k.left, timeout=5000):
        k.lock.try_unlock()
    assert not k.isVisible()


def test_the_window_gives_the_screen_to_the_kiosk_and_takes_it_back_with_the_pin(qtbot, windows, door_dir, tmp_path):
    w = windows(door_dir)
    w.show()
    Settings(door_dir).set_pin(PIN)
    w.settings.qs.sync()
    _pdf_door(w, tmp_path / "badges")  # self check-in prints the attendee's badge like the door does
    with qtbot.waitSignal(w.kioskOpened, timeout=5000) as opened:
        w.badge_settings.kiosk_button.click()
    k = opened.args[0]
    assert k.isVisible() and not w.isVisible() and w.wedge.home is k
    with qtbot.waitSignal(w.badges.printed, timeout=20_000) as printed:
        with qtbot.waitSignal(k.verdictShown, timeout=10_000):
            w._scanned_by_wedge("al4R5")  # a USB scanner's burst goes to the kiosk, not the hidden door
    assert "Ada Lovelace" in pdf.text(Path(printed.args[1]))
    with qtbot.waitSignal(w.messageShown, timeout=5000):  # a problem while the kiosk is up (a badge that failed)
        w.show_message("No badge printed: the printer is out of paper")
    assert not [b for b in w.findChildren(QMessageBox) if b.isVisible()]  # no box over self check-in
    k.lock.pin.setText(PIN)
    with qtbot.waitSignal(k.left, timeout=5000):
        k.lock.try_unlock()
    assert w.isVisible() and w.kiosk is None and w.wedge.home is w.door
    assert "out of paper" in w.footer.text()  # waiting for the supervisor


def test_the_badge_setting_keeps_a_printer_that_is_gone_and_says_so(qtbot, door_dir, tmp_path):
    from checkin_app.gui.badge_settings import BadgeSettings

    settings = Settings(door_dir)
    settings.badge_target = "printer:Front desk Zebra"  # chosen on a night its printer was plugged in
    box = BadgeSettings(settings)
    qtbot.addWidget(box)
    box.show()  # the system's printers are asked for when the box is first seen
    assert box.target.currentText() == "printer Front desk Zebra (not found)"
    assert box.target.currentData() == "printer:Front desk Zebra" and settings.badge_target == "printer:Front desk Zebra"
    box.set_target(f"pdf:{tmp_path}")
    assert box.target.currentText() == f"PDF files in {tmp_path}" and box.where.text() == f"Badges go to PDF files in {tmp_path}."
