"""The supervisor PIN is chosen while setting up the door (the first-run wizard's last step), so
nobody at the door gets to choose it by opening the Supervisor tab first."""
from datetime import datetime

from PySide6.QtWidgets import QWizard

from checkin_app.gui.app import open_window
from checkin_app.gui.settings import Settings
from checkin_app.sandbox.tickettailor import TicketTailorSandbox


def test_the_first_run_wizard_sets_the_pin_and_the_lock_bar_then_asks_for_it(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("TT_PIN_KEY", "sk_sandbox_pin")
    data = tmp_path / "empty"
    w = open_window(data, sync_interval_s=0)
    qtbot.addWidget(w)
    try:
        qtbot.waitUntil(lambda: w.door.centre.currentWidget() is w.door.first_run, timeout=10_000)
        with TicketTailorSandbox("sk_sandbox_pin", seed=6) as sb:
            sb.seed_event("Friday Late", 5, start=int(datetime.now().astimezone().timestamp()))
            w.door.first_run.connect_button.click()
            wizard = w._first_run
            page = wizard.connect_page
            page.base_url.setText(sb.base_url)
            page.forms["tickettailor"].envs["secret"].setText("TT_PIN_KEY")
            with qtbot.waitSignal(page.completeChanged, timeout=30_000):
                page.go.click()
            wizard.next()
            qtbot.waitUntil(lambda: wizard.events_page.list.count() == 1, timeout=10_000)
            wizard.next()
            wizard.name_page.name.setText("Front door")
            wizard.next()
            pin = wizard.pin_page
            assert wizard.currentPage() is pin and not pin.isComplete() and not Settings(data).has_pin
            pin.pin.setText("2468")
            pin.repeat.setText("2467")
            wizard.button(QWizard.FinishButton).click()
            assert wizard.isVisible() and "differ" in pin.message.text() and not Settings(data).has_pin
            pin.pin.setText("2468")
            pin.repeat.setText("2468")
            with qtbot.waitSignal(pin.pinSet, timeout=5_000):
                wizard.button(QWizard.FinishButton).click()
        assert Settings(data).has_pin and Settings(data).check_pin("2468")
        bar = w.supervisor.lock_bar
        w.tabs.setCurrentWidget(w.supervisor)
        w.show()
        qtbot.waitExposed(w)
        assert not bar.repeat.isVisibleTo(bar) and "Supervisor PIN" in bar.prompt.text()  # asks, never offers to choose
        bar.pin.setText("1111")
        assert not bar.try_unlock() and not bar.is_unlocked
        bar.pin.setText("2468")
        assert bar.try_unlock()
    finally:
        w.shutdown()


def test_setting_up_a_door_again_keeps_its_pin(qtbot, tmp_path):
    from checkin_app.gui.pin_setup import PinPage

    data = tmp_path / "door"
    data.mkdir()
    settings = Settings(data)
    settings.set_pin("97531")
    wizard = QWizard()
    qtbot.addWidget(wizard)
    page = PinPage(settings)
    wizard.addPage(page)
    wizard.show()
    assert page.isComplete() and page.already.isVisibleTo(page) and not page.pin.isVisibleTo(page)
    assert page.validatePage() and settings.check_pin("97531")
