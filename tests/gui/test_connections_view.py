"""Connections and events against the Ticket Tailor simulator over loopback (real HTTP)."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from checkin_app.gui.connections_view import ConnectionsView
from checkin_app.sandbox.tickettailor import TicketTailorSandbox

KEY = "sk_sandbox_gui_5678"


@pytest.fixture
def sandbox():
    with TicketTailorSandbox(KEY, seed=5) as sb:
        sb.seed_event("Gig night", 700)
        sb.seed_event("Second gig", 50)
        yield sb


@pytest.fixture
def view(qtbot, empty_tasks, sandbox, monkeypatch):
    monkeypatch.setenv("TT_GUI_KEY", KEY)
    v = ConnectionsView(empty_tasks)
    qtbot.addWidget(v)
    v.name.setText("box")
    v.base_url.setText(sandbox.base_url)
    return v


def say(qtbot, view, button):
    with qtbot.waitSignal(view.message, timeout=15_000, check_params_cb=lambda text, ok: not text.endswith("…")) as m:
        button.click()
    return m.args


def test_test_reports_a_bad_key_and_a_good_one(qtbot, view, monkeypatch):
    monkeypatch.setenv("TT_BAD", "sk_wrong")
    view.api_key_env.setText("TT_BAD")
    text, ok = say(qtbot, view, view.test_button)
    assert not ok and text
    view.api_key_env.setText("TT_GUI_KEY")
    with qtbot.waitSignal(view.checked, timeout=15_000):
        view.test_button.click()
    assert "Connection works" in view.form_outcome.text()


def test_typed_key_without_a_keyring_is_refused_and_nothing_is_saved(qtbot, view):
    view.api_key.setText(KEY)  # the test keyring backend refuses everything
    text, ok = say(qtbot, view, view.add_button)
    assert not ok and "keyring" in text
    with qtbot.waitSignal(view.model.modelReset, timeout=10_000):
        view.refresh()
    assert view.model.rows == []


def test_add_sync_with_progress_pick_events_and_remove(qtbot, view, monkeypatch):
    view.api_key_env.setText("TT_GUI_KEY")
    text, ok = say(qtbot, view, view.add_button)
    assert ok, text
    qtbot.waitUntil(lambda: len(view.model.rows) == 1, timeout=10_000)
    assert view.model.rows[0]["secrets"] == {"secret": "env:TT_GUI_KEY"}

    moves = []
    view.syncProgress.connect(lambda what, n: moves.append(n))
    with qtbot.waitSignal(view.syncFinished, timeout=60_000) as done:
        view.sync_button.click()
        assert view.bar.maximum() == 0 and view.cancel_button.isEnabled()
    report = done.args[0][0]
    assert report["complete"] and report["pull"]["tickets"] == 750
    assert moves and max(moves) > 0 and view.bar.value() == 1 and not view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.events.count() == 2, timeout=10_000)

    view.events.item(1).setCheckState(Qt.Unchecked)
    with qtbot.waitSignal(view.changed, timeout=10_000):
        view.save_events_button.click()
    qtbot.waitUntil(lambda: view.events.count() == 2 and view.events.item(1).checkState() == Qt.Unchecked,
                    timeout=10_000)
    assert view.events.item(0).checkState() == Qt.Checked

    view.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    text, ok = say(qtbot, view, view.remove_button)
    assert ok and "Removed box" in text
    qtbot.waitUntil(lambda: view.model.rows == [], timeout=10_000)


def test_sync_can_be_cancelled(qtbot, view, sandbox):
    view.api_key_env.setText("TT_GUI_KEY")
    say(qtbot, view, view.add_button)
    sandbox.faults.delay = 0.05  # slow pages, so the cancel lands mid-download
    view.syncProgress.connect(lambda *_: view.cancel_button.click())
    with qtbot.waitSignal(view.syncFinished, timeout=60_000) as done:
        view.sync_button.click()
    report = done.args[0][0]
    assert report["cancelled"] and not report["complete"]
    assert report["pull"] is None or report["pull"]["tickets"] < 750
    assert "cancelled" in view.sync_status.text() and view.sync_button.isEnabled()


def test_sync_with_no_connection_says_so(qtbot, view):
    with qtbot.waitSignal(view.syncFinished, timeout=10_000):
        view.sync_button.click()
    assert "no connections" in view.sync_status.text()


def test_webhook_receiver_toggle_receives_deliveries_and_stops(qtbot, view, monkeypatch):
    import httpx

    from tests.paths import REFERENCE

    panel = view.webhooks_box
    panel.port.setValue(0)
    with qtbot.waitSignal(panel.failed, timeout=15_000) as failed:  # no tokens, no keyring: says which variables
        panel.button.click()
    assert "CHECKIN_TICKETOR_TOKEN" in failed.args[0] and not panel.on
    monkeypatch.setenv("CHECKIN_TICKETOR_TOKEN", "t" * 32)
    monkeypatch.setenv("CHECKIN_TICKETSOLVE_TOKEN", "s" * 32)
    with qtbot.waitSignal(panel.switched, timeout=15_000) as switched:
        panel.button.click()
    on, routes = switched.args
    assert on and panel.on and set(routes) == {"ticketor", "ticketsolve"} and routes["ticketsolve"] in panel.routes.text()
    body = (REFERENCE / "ticketsolve-order-created.json").read_bytes()
    assert httpx.post(routes["ticketsolve"], content=body, headers={"Content-Type": "application/json"}).status_code == 201
    with qtbot.waitSignal(panel.switched, timeout=15_000) as switched:
        panel.button.click()
    assert switched.args[0] is False and not panel.on
    with pytest.raises(httpx.ConnectError):
        httpx.post(routes["ticketsolve"], content=body, headers={"Content-Type": "application/json"})
    with qtbot.waitSignal(view.model.modelReset, timeout=10_000):
        view.refresh()
    assert view.events.count() >= 1  # the delivery's event is now cached


def test_each_connection_says_what_cannot_reach_the_door_and_events_show_their_own_time(qtbot, view, monkeypatch):
    """Issue 12: item 16 (what a provider cannot bring to the door) and defect 5 (the event's own zone)."""
    import time as _time

    from checkin_app.gui.connections_view import _when

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the laptop is set to Tokyo; the show is in New York
    _time.tzset()
    try:
        assert _when("2026-01-01T19:30:00-05:00") == "Thu 01 Jan 19:30"
    finally:
        monkeypatch.delenv("TZ")
        _time.tzset()
    view.api_key_env.setText("TT_GUI_KEY")
    text, ok = say(qtbot, view, view.add_button)
    assert ok, text
    qtbot.waitUntil(lambda: "check-in webhook" in view.cannot_reach.text(), timeout=10_000)
    assert view.cannot_reach.text().startswith("Ticket Tailor sends no check-in webhook")
