"""The supervisor view: PIN gate, search as you type, detail and history, and every act."""
import csv

import pytest
from PySide6.QtWidgets import QMessageBox

from checkin_app.gui.settings import Settings
from checkin_app.gui.supervisor import SupervisorView

PIN = "4321"


@pytest.fixture
def view(qtbot, tasks, door_dir):
    v = SupervisorView(tasks, Settings(door_dir))
    qtbot.addWidget(v)
    return v


@pytest.fixture
def unlocked(view):
    view.lock_bar.pin.setText(PIN)
    view.lock_bar.repeat.setText(PIN)
    assert view.lock_bar.try_unlock()
    return view


def search(qtbot, view, text):
    with qtbot.waitSignal(view.resultsShown, timeout=10_000) as shown:
        view.query.setText(text)  # the typing pause timer fires the search
    return shown.args[0]


def pick(qtbot, view, text):
    with qtbot.waitSignal(view.detail.loaded, timeout=10_000) as loaded:
        search(qtbot, view, text)  # one result: selected and loaded
    return loaded.args[0]


def act(qtbot, view, button):
    with qtbot.waitSignal(view.detail.loaded, timeout=10_000) as loaded:
        with qtbot.waitSignal(view.detail.acted, timeout=10_000) as acted:
            button.click()
    return acted.args[0], loaded.args[0]


def test_pin_is_chosen_on_first_use_then_required(qtbot, view, door_dir):
    bar = view.lock_bar
    assert bar.repeat.isVisibleTo(bar) and not view.tabs.isTabEnabled(1)
    bar.pin.setText("12")
    bar.repeat.setText("12")
    assert not bar.try_unlock() and "4 to 12 digits" in bar.message.text()
    bar.pin.setText(PIN)
    bar.repeat.setText("9999")
    assert not bar.try_unlock() and "differ" in bar.message.text()
    bar.pin.setText(PIN)
    bar.repeat.setText(PIN)
    with qtbot.waitSignal(bar.unlocked) as sig:
        assert bar.try_unlock()
    assert sig.args == [True] and view.tabs.isTabEnabled(1)
    ini = (door_dir / "gui.ini").read_text()
    assert "pbkdf2_sha256" in ini and PIN not in ini.replace("pbkdf2_sha256", "")
    bar.lock()
    assert not view.tabs.isTabEnabled(1) and not bar.repeat.isVisibleTo(bar)
    bar.pin.setText("0000")
    assert not bar.try_unlock() and bar.message.text() == "wrong PIN"
    bar.pin.setText(PIN)
    assert bar.try_unlock() and view.unlocked


def test_door_staff_see_names_but_never_emails(qtbot, view):
    assert search(qtbot, view, "ada") == 1
    assert "Email" not in [c.header for c in view.model.columns]
    assert view.model.rows[0]["holder_name"] == "Ada Lovelace" and view.model.rows[0]["email"] is None
    qtbot.waitUntil(lambda: view.detail.record is not None, timeout=10_000)
    assert "example.com" not in view.detail.fields["email"].text()
    assert not view.detail.actions_box.isVisibleTo(view.detail)


def test_supervisor_search_finds_by_email_code_and_shows_contact(qtbot, unlocked):
    assert search(qtbot, unlocked, "test111@test111") == 1
    assert unlocked.model.rows[0]["holder_name"] == "Joe Griffiths"
    assert "Email" in [c.header for c in unlocked.model.columns]
    assert search(qtbot, unlocked, "R59xesv") == 1
    assert search(qtbot, unlocked, "zzzz-nobody") == 0


def test_stale_search_results_are_dropped(qtbot, unlocked):
    unlocked.query.blockSignals(True)
    unlocked.query.setText("a")
    unlocked.search_now()
    unlocked.query.setText("ada")
    with qtbot.waitSignal(unlocked.resultsShown, timeout=10_000) as shown:
        unlocked.search_now()
    qtbot.waitUntil(lambda: unlocked.dropped == 1, timeout=10_000)
    assert shown.args == [1] and unlocked.model.rows[0]["holder_name"] == "Ada Lovelace"


def test_detail_check_in_history_and_undo(qtbot, unlocked):
    rec = pick(qtbot, unlocked, "R59xesv")
    assert rec["history"] == [] and unlocked.detail.fields["email"].text() == "test111@test111.com"
    message, rec = act(qtbot, unlocked, unlocked.detail.check_in_button)
    assert "Welcome" in message and rec["checked_in_at"]
    assert [h["op"] for h in rec["history"]] == ["scan"] and unlocked.detail.history.rowCount() == 1
    message, rec = act(qtbot, unlocked, unlocked.detail.undo_button)
    assert "undone" in message and rec["checked_in_at"] is None
    assert [h["op"] for h in rec["history"]] == ["scan", "undo"]


def test_force_needs_a_reason_and_records_it(qtbot, unlocked):
    pick(qtbot, unlocked, "VOIDED1")
    with qtbot.waitSignal(unlocked.detail.refused, timeout=5_000) as refused:
        unlocked.detail.force_button.click()
    assert "reason" in refused.args[0]
    unlocked.detail.reason.setText("box office confirmed the refund was reversed")
    message, rec = act(qtbot, unlocked, unlocked.detail.force_button)
    assert "Admitted by supervisor" in message
    assert rec["history"][-1]["op"] == "force"
    assert rec["history"][-1]["payload"]["reason"] == "box office confirmed the refund was reversed"


def test_void_asks_for_confirmation(qtbot, unlocked, monkeypatch):
    pick(qtbot, unlocked, "Lovelace")
    unlocked.detail.reason.setText("chargeback")
    answers = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.append(a[2]) or QMessageBox.No)
    unlocked.detail.void_button.click()
    assert "Ada Lovelace" in answers[0] and unlocked.detail.record["status"] == "valid"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    message, rec = act(qtbot, unlocked, unlocked.detail.void_button)
    assert "Voided" in message and rec["status"] == "void" and rec["history"][-1]["payload"]["reason"] == "chargeback"
    assert not unlocked.detail.void_button.isEnabled()


def test_party_check_in_admits_some_of_the_party(qtbot, unlocked):
    pick(qtbot, unlocked, "TEVO-1")
    assert unlocked.detail.party_row.isVisibleTo(unlocked.detail) and unlocked.detail.party_count.maximum() == 4
    unlocked.detail.party_count.setValue(3)
    message, rec = act(qtbot, unlocked, unlocked.detail.party_button)
    assert "3 of 4" in message and rec["admitted_count"] == 3
    assert unlocked.detail.party_count.maximum() == 1


def test_walk_up_is_issued_and_admitted(qtbot, unlocked):
    panel = unlocked.walk_up
    unlocked.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.event_choice.count() == 2, timeout=10_000)
    panel.name.setText("Walk Up Wendy")
    panel.email.setText("wendy@example.com")
    with qtbot.waitSignal(panel.issued, timeout=10_000) as issued:
        panel.issue_button.click()
    code = issued.args[0]
    assert code.startswith("W") and "checked in" in panel.outcome.text()
    unlocked.tabs.setCurrentIndex(0)
    rec = pick(qtbot, unlocked, "Wendy")
    assert rec["code"] == code and rec["checked_in_at"] and [h["op"] for h in rec["history"]] == ["issue", "scan"]


def test_walk_up_without_a_name_is_refused_in_place(qtbot, unlocked):
    panel = unlocked.walk_up
    unlocked.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.event_choice.count() == 2, timeout=10_000)
    panel.issue_button.click()
    qtbot.waitUntil(lambda: "name" in panel.outcome.text(), timeout=10_000)


def test_export_writes_csv_of_the_admitted_events(qtbot, unlocked, tmp_path):
    target = tmp_path / "out.csv"
    with qtbot.waitSignal(unlocked.export.exported, timeout=10_000) as done:
        unlocked.export.export_to(target)
    assert done.args[1] == 7
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {r["code"] for r in rows} >= {"al4R5", "R59xesv"} and "email" in rows[0]


def test_export_to_an_unwritable_place_is_a_message(qtbot, unlocked, tmp_path):
    unlocked.export.export_to(tmp_path / "missing-dir" / "out.csv")
    qtbot.waitUntil(lambda: "cannot write" in unlocked.export.outcome.text(), timeout=10_000)


def test_conflicts_list_shows_offline_void_and_the_providers_refusal(qtbot, tmp_path, monkeypatch):
    """A ticket admitted here while it was voided upstream: both the conflict and the refused push show."""
    from checkin_app.gui.tasks import Tasks
    from checkin_app.sandbox.tickettailor import TicketTailorSandbox
    from checkin_app.services import syncing
    from checkin_app.services.connections import Credentials, connect_at

    monkeypatch.setenv("TT_CONFLICT_KEY", "sk_sandbox_conflicts")
    with TicketTailorSandbox("sk_sandbox_conflicts", seed=11) as sb:
        event = sb.seed_event("Monday", 10)
        data = tmp_path / "door"
        connect_at(data, "tickettailor", "box", sb.base_url, Credentials(api_key_env="TT_CONFLICT_KEY"))
        syncing.sync_now(data)
        ticket_id = sb.event_ticket_ids(event)[0]
        code = sb.ticket(ticket_id)["barcode"]
        t = Tasks(data, door="Door 1")
        try:
            view = SupervisorView(t, Settings(data))
            qtbot.addWidget(view)
            view.lock_bar.pin.setText(PIN)
            view.lock_bar.repeat.setText(PIN)
            view.lock_bar.try_unlock()
            done = []
            t.db(lambda app: app.checkin.scan(code), done.append)
            qtbot.waitUntil(lambda: len(done) == 1, timeout=10_000)
            sb.void(ticket_id)  # voided at the box office while this door was offline
            report = syncing.sync_now(data)[0]
            assert report.push.failed == 1
            with qtbot.waitSignal(view.conflicts.loaded, timeout=10_000) as loaded:
                view.tabs.setCurrentWidget(view.conflicts)
            assert loaded.args[0] == 2
            model = view.conflicts.model
            shown = {model.data(model.index(r, 1)): model.data(model.index(r, 2)) for r in range(model.rowCount())}
            assert set(shown) == {"Voided after admission", "Not accepted upstream"}
            assert "at Door 1" in shown["Voided after admission"] and "voided at the box office" in shown["Voided after admission"]
            assert "voided and cannot be checked in (HTTP 422)" in shown["Not accepted upstream"]
            view.conflicts.view.selectRow([model.row_at(r).kind for r in range(2)].index("void_after_admission"))
            with qtbot.waitSignal(view.conflicts.loaded, timeout=10_000) as loaded:
                view.conflicts.resolve_button.click()
            assert loaded.args[0] == 1
        finally:
            t.shutdown()


def test_door_staff_cannot_find_people_through_their_hidden_email(qtbot, view):
    assert search(qtbot, view, "test111") == 0  # Joe Griffiths' email, not his name
    assert search(qtbot, view, "griff") == 1


def test_supervisor_tools_lock_themselves_when_left_alone(qtbot, unlocked):
    unlocked.auto_lock.setInterval(50)
    unlocked.auto_lock.start()
    with qtbot.waitSignal(unlocked.lock_bar.unlocked, timeout=5_000) as sig:
        pass
    assert sig.args == [False] and not unlocked.unlocked and not unlocked.tabs.isTabEnabled(1)
    assert "Email" not in [c.header for c in unlocked.model.columns]


def test_long_result_lists_load_page_by_page(qtbot, tmp_path):
    from PySide6.QtCore import QModelIndex

    from checkin_app.domain.models import Batch
    from checkin_app.gui.tasks import Tasks
    from checkin_app.store.tickets import apply_batch
    from tests.factories import NIGHT_ONE, seeded_store, ticket

    store = seeded_store(tmp_path / "big")
    with store.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket(f"SAM{i:04d}", holder_name=f"Sam Guest{i}")
                                                              for i in range(250)]))
    store.close()
    t = Tasks(tmp_path / "big")
    try:
        view = SupervisorView(t, Settings(tmp_path / "big"))
        qtbot.addWidget(view)
        assert search(qtbot, view, "sam") == 100
        assert view.model.canFetchMore(QModelIndex()) and view.count.text() == "100+ (scroll for more) found"
        with qtbot.waitSignal(view.resultsShown, timeout=10_000) as shown:
            view.model.fetchMore(QModelIndex())
            assert not view.model.canFetchMore(QModelIndex())  # one page in flight at a time
        assert shown.args == [200]
        with qtbot.waitSignal(view.resultsShown, timeout=10_000) as shown:
            view.model.fetchMore(QModelIndex())
        assert shown.args == [250] and not view.model.more and view.count.text() == "250 found"
        assert len({r["id"] for r in view.model.rows}) == 250
    finally:
        t.shutdown()


def test_unvoid_takes_back_a_supervisors_void_with_a_reason(qtbot, unlocked, monkeypatch):
    """Issue 12, item 14: a supervisor's void stays until a supervisor un-voids it, with a reason."""
    pick(qtbot, unlocked, "Lovelace")
    assert not unlocked.detail.unvoid_button.isEnabled()  # nothing to take back
    unlocked.detail.reason.setText("wrong person")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    act(qtbot, unlocked, unlocked.detail.void_button)
    assert unlocked.detail.unvoid_button.isEnabled()
    unlocked.detail.reason.setText("it was her after all")
    message, rec = act(qtbot, unlocked, unlocked.detail.unvoid_button)
    assert "Un-voided" in message and rec["status"] == "valid"
    assert rec["history"][-1]["op"] == "unvoid" and rec["history"][-1]["payload"]["reason"] == "it was her after all"
    assert not unlocked.detail.unvoid_button.isEnabled()


def test_problems_list_shows_unrecognised_tickets_set_aside_records_and_unapplied_deliveries(qtbot, unlocked, door_dir):
    """Issue 12, item 16: what the door refused or could not apply is in the supervisor's list."""
    from checkin_app.domain.models import Batch, SetAside, TicketStatus
    from checkin_app.store import Store, inbox
    from checkin_app.store.tickets import apply_batch
    from tests.factories import ticket

    with Store(door_dir) as store, store.transaction() as conn:
        apply_batch(conn, Batch(tickets=[ticket("ODD1", holder_name="Odd One", status=TicketStatus.UNRECOGNISED,
                                                provider_state="refund_pending")],
                                set_aside=[SetAside("ticketevolution", "order", "o_7", "order without an event", {})]))
        row, _ = inbox.add(conn, "ticketor", b'{"Id": 1}')
        inbox.mark(conn, row, "Ticketor invoice 1 carries no tickets")
    with qtbot.waitSignal(unlocked.conflicts.loaded, timeout=10_000) as loaded:
        unlocked.tabs.setCurrentWidget(unlocked.conflicts)
    assert loaded.args[0] == 3
    model = unlocked.conflicts.model
    shown = {model.data(model.index(r, 1)): model.data(model.index(r, 2)) for r in range(model.rowCount())}
    assert "Ticket Tailor says 'refund_pending'" in shown["Provider state not recognised"]
    assert "order without an event" in shown["Record set aside"]
    assert "carries no tickets" in shown["Delivery not applied"]


def test_wrong_pins_back_off_and_a_restart_does_not_reset_it(qtbot, view, door_dir):
    from checkin_app.gui.supervisor import LockBar

    now = [1_000_000.0]
    bar = view.lock_bar
    bar.clock = lambda: now[0]
    bar.pin.setText(PIN)
    bar.repeat.setText(PIN)
    assert bar.try_unlock()
    bar.lock()
    for _ in range(2):
        bar.pin.setText("0000")
        assert not bar.try_unlock() and bar.message.text() == "wrong PIN" and bar.pin.isEnabled()
    bar.pin.setText("0000")
    assert not bar.try_unlock() and bar.message.text() == "wrong PIN: try again in 5 s"
    assert not bar.pin.isEnabled() and not bar.unlock_button.isEnabled() and "5 s" in bar.unlock_button.toolTip()
    bar.pin.setText(PIN)  # the right PIN during the wait is not even compared
    assert not bar.try_unlock() and not view.unlocked and "Too many wrong PINs" in bar.message.text()

    now[0] += 2
    restarted = LockBar(Settings(door_dir), clock=lambda: now[0])  # the app was quit and started again
    qtbot.addWidget(restarted)
    assert not restarted.pin.isEnabled() and restarted.message.text() == "Too many wrong PINs: try again in 3 s"

    now[0] += 3
    with qtbot.waitSignal(restarted._countdown.timeout, timeout=3_000):
        pass  # the countdown ticks on its own
    assert restarted.pin.isEnabled() and restarted.message.text() == "You may try the PIN again"
    restarted.pin.setText("0000")
    assert not restarted.try_unlock() and restarted.message.text() == "wrong PIN: try again in 10 s"  # doubled
    now[0] += 10
    restarted.pin.setText(PIN)
    assert restarted.try_unlock() and restarted.is_unlocked
    restarted.lock()
    restarted.pin.setText("0000")  # the right PIN cleared the count
    assert not restarted.try_unlock() and restarted.message.text() == "wrong PIN"
