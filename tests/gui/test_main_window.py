"""The main window: wiring of scanner, status, crash handling, persistence, and the demo end to end."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from checkin_app.demo import Demo
from checkin_app.errors import StoreError
from checkin_app.gui.app import open_window
from checkin_app.gui.crash import CrashDialog
from checkin_app.gui.demo_runner import DemoRunner
from checkin_app.gui.settings import Settings
from checkin_app.gui.status_strip import StatusStrip
from checkin_app.scanning.cameras import CameraChoice, CameraInfo
from checkin_app.services.status import DoorStatus, ListAge


def test_usb_scanner_burst_scans_with_no_field_focused(qtbot, window):
    window.tabs.setCurrentWidget(window.stats)  # not even on the door tab
    window.show()
    qtbot.waitExposed(window)
    window.stats.setFocus()
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000) as shown:
        qtbot.keyClicks(window.stats, "R59xesv")  # a scanner types far faster than a person
        qtbot.keyClick(window.stats, Qt.Key_Return)
    assert shown.args[0]["verdict"] == "admitted" and shown.args[0]["code"] == "R59xesv"
    assert window.tabs.currentWidget() is window.door and window.door.verdict.name.text() == "Joe Griffiths"
    with qtbot.waitSignal(window.door.verdict.cleared, timeout=1_000):  # well before the 3.5 s auto-clear
        qtbot.keyClick(window.door.entry, Qt.Key_Escape)


def test_environment_errors_are_messages_and_bugs_open_a_crash_dialog(qtbot, window):
    with qtbot.waitSignal(window.messageShown, timeout=10_000) as msg:
        window.tasks.db(lambda app: (_ for _ in ()).throw(StoreError("disk full: cannot write the database")))
    assert msg.args[0] == "disk full: cannot write the database" and "disk full" in window.footer.text()
    assert window.crash.dialogs == []

    with qtbot.waitSignal(window.tasks.crashed, timeout=10_000):
        window.tasks.net(lambda: {}["missing"])
    dialog = window.crash.dialogs[-1]
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    text = dialog.text.toPlainText()
    assert "KeyError" in text and "--- log (last lines) ---" in text and "background task failed" in text


def test_geometry_persists_but_the_window_always_opens_on_the_door(qtbot, door_dir):
    w = open_window(door_dir, sync_interval_s=0)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentIndex(2)
    w.close()
    geometry, tab = Settings(door_dir).window_state()
    assert tab == 2 and geometry is not None and len(geometry) > 0
    again = open_window(door_dir, sync_interval_s=0)
    qtbot.addWidget(again)
    assert again.restoreGeometry(geometry)
    # A door laptop restarted mid-event is ready to scan, whatever tab a supervisor left open.
    assert again.tabs.currentWidget() is again.door
    again.show()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is again.door.entry)
    again.close()


def test_stale_list_warning_is_plain_words():
    strip = StatusStrip()
    strip.show_status(DoorStatus(False, 12, 1, None, None, (ListAge(1, "Gig night", None, 1860, True),)))
    assert "OFFLINE" in strip.online.text() and "12 waiting to send, 1 failed" in strip.unpushed.text()
    assert strip.stale.isVisibleTo(strip) and "STALE LIST: Gig night refreshed 31 min ago" in strip.stale.text()
    strip.show_status(DoorStatus(True, 0, 0, None, None, (ListAge(1, "Gig night", None, 30, False),)))
    assert not strip.stale.isVisibleTo(strip) and strip.online.text().endswith("Online")


@pytest.mark.slow
def test_demo_syncs_the_sandbox_and_tickets_scan_themselves_from_the_video(qtbot):
    demo = Demo()
    try:
        data_dir = demo.start()
        w = open_window(data_dir, sync_interval_s=0)
        qtbot.addWidget(w)
        runner = DemoRunner(w, demo, tickets_per_round=3)
        runner.videoStarted.connect(lambda _p: None)
        with qtbot.waitSignal(runner.synced, timeout=60_000) as synced:
            runner.start()
        assert synced.args[0]["complete"] and synced.args[0]["pull"]["tickets"] > 3000
        verdicts = []
        w.door.verdictShown.connect(verdicts.append)
        qtbot.waitUntil(lambda: len(verdicts) >= 2, timeout=60_000)
        assert verdicts[0]["code"] == runner.codes[0] and verdicts[0]["verdict"] == "admitted"
        assert w.door.camera.frames_shown > 0
        w.shutdown()
    finally:
        demo.stop()


def test_door_name_and_sound_settings_apply_at_once_and_persist(qtbot, window, door_dir):
    from checkin_app.services import doors
    from checkin_app.store import Store

    box = window.door_settings
    box.name.setText("Stage door")
    with qtbot.waitSignal(box.renamed, timeout=10_000, check_params_cb=lambda name: name == "Stage door"):
        box.save()
    assert window.status.door.text() == "Stage door" and "Stage door" in window.windowTitle()
    assert "Stage door" in window.doors.door_name.text()  # shown on the Doors tab, set only here
    with Store(door_dir) as store:
        assert doors.door_name(store) == "Stage door"
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000):
        window.door.submit("al4R5")
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000) as again:
        window.door.submit("al4R5")
    assert "at Stage door" in again.args[0]["message"]
    box.sound.setChecked(False)
    assert not window.sounds.enabled and not Settings(door_dir).sound


def test_background_sync_pushes_door_scans_to_the_box_office(qtbot, tmp_path, monkeypatch):
    from checkin_app.sandbox.tickettailor import TicketTailorSandbox
    from checkin_app.services import syncing
    from checkin_app.services.connections import Credentials, connect_at

    monkeypatch.setenv("TT_LOOP_KEY", "sk_sandbox_loop")
    with TicketTailorSandbox("sk_sandbox_loop", seed=12) as sb:
        event = sb.seed_event("Loop night", 20)
        data = tmp_path / "door"
        connect_at(data, "tickettailor", "box", sb.base_url, Credentials(api_key_env="TT_LOOP_KEY"))
        syncing.sync_now(data)
        ticket_id = sb.event_ticket_ids(event)[0]
        w = open_window(data, sync_interval_s=0.2)
        qtbot.addWidget(w)
        try:
            with qtbot.waitSignal(w.door.verdictShown, timeout=10_000):
                w.door.submit(sb.ticket(ticket_id)["barcode"])
            qtbot.waitUntil(lambda: sb.ticket(ticket_id)["checked_in"] == "true", timeout=20_000)
            with qtbot.waitSignal(w.statusShown, timeout=20_000,
                                  check_params_cb=lambda st: st.online and st.unpushed == 0):
                pass
            assert w.status.online.text().endswith("Online") and "0 waiting to send" in w.status.unpushed.text()
        finally:
            w.shutdown()


def test_camera_choice_is_applied_and_kept(qtbot, window, door_dir):
    box = window.door_settings.camera
    box.camera.setCurrentIndex(box.camera.findData(None))
    box.camera.activated.emit(box.camera.currentIndex())
    assert window.camera_worker is None and "No camera" in window.door.camera.message
    assert Settings(door_dir).camera is None
    box._fill_cameras([CameraInfo("Door Cam", 3)], None)  # as listed by the system
    box.camera.setCurrentIndex(box.camera.findData("Door Cam"))
    box.resolution.setCurrentIndex(box.resolution.findData("1920x1080"))
    with qtbot.waitSignal(window.cameraStarted, timeout=10_000) as started:
        box.camera.activated.emit(box.camera.currentIndex())
    assert Settings(door_dir).camera == CameraChoice("Door Cam", 1920, 1080)  # by name, not index
    assert started.args[0] is window.camera_worker
    window.stop_camera()


def test_closing_the_demo_during_its_first_sync_is_clean(qtbot):
    demo = Demo()
    try:
        w = open_window(demo.start(), sync_interval_s=0)
        qtbot.addWidget(w)
        runner = DemoRunner(w, demo)
        lanes = w.tasks
        runner.start()
        w.close()  # waits for the sync job; its answer arrives after the lanes are gone
        qtbot.waitUntil(lambda: not lanes._pending, timeout=30_000)  # the late answer was handled
        assert w.tasks.closed and runner.round == 0 and w.crash.dialogs == []
    finally:
        demo.stop()
