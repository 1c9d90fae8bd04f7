"""The hold at the door: a guest with attention notes gets its own colour, icon, sound and words and
holds until staff confirm (Enter or click) or deny; scans meanwhile wait; Esc and Space do not
take it down; an Enter right after the hold went up (a scanner's) confirms nothing."""
import pytest
from PySide6.QtCore import Qt

from checkin_app.gui.style import TONES
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store

NOTE_TEXT = "Wheelchair: use the side door"


@pytest.fixture
def noted(door_dir):
    """Door 1's data dir with a supervisor's note on Joe Griffiths (R59xesv, seat Stalls A 1)."""
    with Store(door_dir) as store:
        CheckinService(store, door="Door 1").set_note("R59xesv", NOTE_TEXT)
    return door_dir


def ops(door_dir, code="R59xesv"):
    with Store(door_dir) as store:
        return [r[0] for r in store.conn.execute("SELECT op FROM journal WHERE code = ? ORDER BY id", (code,))]


def hold(qtbot, door, code="R59xesv"):
    with qtbot.waitSignal(door.holdOpened, timeout=10_000) as opened:
        door.entry.setText(code)
        door.entry.returnPressed.emit()
    return opened.args[0]


def test_a_held_guest_has_its_own_look_and_enter_confirms_only_once_armed(qtbot, noted, door):
    door.verdict.clear_after_ms = (30, 30)  # an admission would clear at once; a hold must not
    verdict = hold(qtbot, door)
    panel = door.verdict
    assert verdict["held"] and verdict["attention"][0]["text"] == "Wheelchair: use the side door"
    assert panel.headline.text() == "ATTENTION · CHECK, THEN LET IN"
    assert panel.icon.tone == "attention" and TONES["attention"]["bg"] in panel.styleSheet()
    assert door.sounds.last_cue == "attention"
    assert "Wheelchair: use the side door" in panel.reason.text() and "Stalls A 1" in panel.detail.text()
    assert panel.hold_bar.isVisibleTo(panel) and not panel._timer.isActive()
    # Esc and Space acknowledge refusals, never a hold; an Enter at once is a scanner's.
    qtbot.keyClick(door.entry, Qt.Key_Escape)
    qtbot.keyClick(door.entry, Qt.Key_Space)
    qtbot.keyClick(door.entry, Qt.Key_Return)
    assert door.hold is not None and panel.holding and ops(noted) == ["note", "scan"]
    qtbot.waitUntil(door.hold_armed, timeout=5_000)
    with qtbot.waitSignal(door.holdResolved, timeout=10_000) as resolved:
        qtbot.keyClick(door.entry, Qt.Key_Return)
    assert resolved.args[0] == "confirmed" and door.hold is None
    assert panel.headline.text() == "ADMITTED" and not panel.hold_bar.isVisibleTo(panel)
    assert ops(noted) == ["note", "scan", "confirm"]


def test_deny_by_click_turns_the_guest_away_and_keeps_the_ticket_valid(qtbot, noted, door):
    before = door.counters.admitted
    hold(qtbot, door)
    assert door.counters.admitted == before + 1  # the admission counts while held
    with qtbot.waitSignal(door.holdResolved, timeout=10_000) as resolved:
        qtbot.mouseClick(door.verdict.deny_button, Qt.LeftButton)
    assert resolved.args[0] == "denied"
    assert door.verdict.headline.text() == "NOT LET IN · TICKET STILL VALID" and door.verdict.icon.tone == "stop"
    assert door.counters.admitted == before
    assert ops(noted) == ["note", "scan", "deny"]
    with Store(noted) as store:
        assert tuple(store.conn.execute("SELECT status, checked_in_at FROM tickets WHERE code = 'R59xesv'").fetchone()) \
            == ("valid", None)


def test_scans_during_a_hold_wait_and_are_decided_after_it(qtbot, noted, door):
    hold(qtbot, door)
    with qtbot.waitSignal(door.scanWaiting, timeout=5_000):
        door.submit("al4R5")
    assert door.hold is not None and "1 scan(s) waiting" in door.verdict.previous.text()
    assert ops(noted, "al4R5") == []  # undecided: nothing journalled, the hold untouched
    with qtbot.waitSignal(door.verdictShown, timeout=10_000) as shown:
        qtbot.mouseClick(door.verdict.confirm_button, Qt.LeftButton)
    assert shown.args[0]["code"] == "al4R5" and shown.args[0]["verdict"] == "admitted"
    assert ops(noted) == ["note", "scan", "confirm"] and ops(noted, "al4R5") == ["scan"]


def test_notes_and_chosen_answers_show_on_a_refusal_too(qtbot, noted, door):
    with Store(noted) as store:
        CheckinService(store, door="Door 1").scan("R59xesv")  # in already: the next scan is a refusal
    with qtbot.waitSignal(door.verdictShown, timeout=10_000) as shown:
        door.entry.setText("R59xesv")
        door.entry.returnPressed.emit()
    assert shown.args[0]["verdict"] == "already_checked_in" and not shown.args[0]["held"]
    assert "Already checked in" in door.verdict.reason.text()
    assert "Wheelchair: use the side door" in door.verdict.reason.text()


def test_the_supervisor_sets_and_clears_a_note_the_door_then_holds_for(qtbot, tasks, door_dir, door):
    from checkin_app.gui.settings import Settings
    from checkin_app.gui.supervisor import SupervisorView
    from tests.gui.test_supervisor import PIN, act, pick

    view = SupervisorView(tasks, Settings(door_dir))
    qtbot.addWidget(view)
    view.lock_bar.pin.setText(PIN)
    view.lock_bar.repeat.setText(PIN)
    assert view.lock_bar.try_unlock()
    pick(qtbot, view, "Ada Lovelace")
    panel = view.detail
    assert not panel.clear_note_button.isEnabled() and not panel.hold_confirm_button.isEnabled()
    panel.note_edit.setText("VIP: walk them to the balcony")
    message, rec = act(qtbot, view, panel.note_button)
    assert "Note on Ada Lovelace" in message and rec["note"] == "VIP: walk them to the balcony"
    assert panel.fields["note"].text() == "VIP: walk them to the balcony" and rec["history"][-1]["op"] == "note"
    verdict = hold(qtbot, door, "al4R5")
    assert verdict["attention"][0]["kind"] == "supervisor_note"
    # The hold shows in the supervisor's view, who may let the guest in from there.
    with qtbot.waitSignal(panel.loaded, timeout=10_000) as loaded:
        panel.load(rec["id"])
    rec = loaded.args[0]
    assert rec["held"] and panel.hold_confirm_button.isEnabled()
    message, rec = act(qtbot, view, panel.hold_confirm_button)
    assert "Confirmed" in message and not rec["held"]
    message, rec = act(qtbot, view, panel.clear_note_button)
    assert "cleared" in message and rec["note"] is None and panel.fields["note"].text() == ""
    assert [h["op"] for h in rec["history"]] == ["note", "scan", "confirm", "note"]


def test_a_panel_nobody_staffs_sends_the_held_guest_to_staff_and_is_not_stuck(qtbot):
    from checkin_app.gui.verdict import UNSTAFFED_HOLD, VerdictPanel

    panel = VerdictPanel(clear_after_ms=(30, None))
    qtbot.addWidget(panel)
    held = {"verdict": "admitted", "held": True, "code": "R59xesv", "message": "Welcome",
            "attention": [{"kind": "supervisor_note", "text": NOTE_TEXT}], "answers": [],
            "ticket": {"holder_name": "Joe Griffiths", "seat": "Stalls A 1"}}
    panel.show_verdict(held)
    assert panel.headline.text() == "ATTENTION · CHECK, THEN LET IN" and panel.icon.tone == "attention"
    assert panel.reason.text().startswith(UNSTAFFED_HOLD) and NOTE_TEXT in panel.reason.text()
    assert not panel.hold_bar.isVisibleTo(panel) and not panel.holding
    with qtbot.waitSignal(panel.cleared, timeout=5_000):
        panel.acknowledge()  # Esc works: nothing here can end the hold, a supervisor does



def test_door_staff_type_the_doors_attention_rules_in_the_window(qtbot, window):
    panel = window.door_settings.attention
    panel.rules.setPlainText("vip: ticket type is GA -> Walk them to the balcony\nticket type resembles VIP")
    with qtbot.waitSignal(panel.refused, timeout=10_000) as refused:
        panel.save_button.click()
    assert "'ticket type resembles VIP': say how to compare" in refused.args[0]
    assert "say how to compare" in panel.outcome.text()
    panel.rules.setPlainText("vip: ticket type is GA -> Walk them to the balcony\n\n")
    panel.answers.setPlainText("Age")
    with qtbot.waitSignal(panel.saved, timeout=10_000) as saved:
        panel.save_button.click()
    assert saved.args[0] == {"rules": ["vip: ticket type is GA -> Walk them to the balcony"], "show_answers": ["Age"]}
    with qtbot.waitSignal(window.door.holdOpened, timeout=10_000) as opened:
        window.door.submit("al4R5")
    assert [n["text"] for n in opened.args[0]["attention"]] == ["Walk them to the balcony"]
    assert "Age: (no answer)" in window.door.verdict.reason.text()


def test_the_kiosk_sends_a_held_guest_to_staff_and_the_supervisor_ends_the_hold(qtbot, tasks, noted, tmp_path):
    from checkin_app.gui.verdict import UNSTAFFED_HOLD
    from tests.gui.test_badges_and_kiosk import _kiosk

    kiosk = _kiosk(qtbot, tasks, noted, tmp_path)
    with qtbot.waitSignal(kiosk.verdictShown, timeout=10_000) as shown:
        kiosk.submit("R59xesv")
    assert shown.args[0]["held"]
    assert kiosk.verdict.headline.text() == "ATTENTION · CHECK, THEN LET IN"
    assert kiosk.verdict.reason.text().startswith(UNSTAFFED_HOLD) and not kiosk.verdict.hold_bar.isVisibleTo(kiosk)
    with Store(noted) as store:  # the hold stays open for a supervisor (supervisor view, or `confirm`)
        CheckinService(store, door="Door 1").confirm("R59xesv")
        assert ops(noted) == ["note", "scan", "confirm"]


def test_waiting_scans_are_decided_one_at_a_time_and_a_second_held_guest_holds_in_turn(qtbot, noted, door):
    with Store(noted) as store:
        CheckinService(store, door="Door 1").set_note("al4R5", "VIP: balcony")
    hold(qtbot, door)
    for code in ("al4R5", "n2only"):
        with qtbot.waitSignal(door.scanWaiting, timeout=5_000):
            door.submit(code)
    with qtbot.waitSignal(door.holdOpened, timeout=10_000) as second:
        qtbot.mouseClick(door.verdict.confirm_button, Qt.LeftButton)
    assert second.args[0]["code"] == "al4R5" and len(door.waiting) == 1
    assert door.waiting[0][0] == "n2only" and ops(noted, "n2only") == []
    with qtbot.waitSignal(door.verdictShown, timeout=10_000, check_params_cb=lambda v: v["code"] == "n2only") as third:
        qtbot.mouseClick(door.verdict.deny_button, Qt.LeftButton)
    assert third.args[0]["verdict"] == "admitted" and door.waiting == [] and door.hold is None
    assert ops(noted, "al4R5") == ["note", "scan", "deny"]
