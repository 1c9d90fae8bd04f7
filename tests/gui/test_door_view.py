"""The door view: verdicts in words, colour and icon; counters; auto-clear; exit mode; last scans."""
import pytest

from checkin_app.gui.style import TONES


def scan(qtbot, door, code):
    with qtbot.waitSignal(door.verdictShown, timeout=10_000) as shown:
        door.entry.setText(code)
        door.entry.returnPressed.emit()
    return shown.args[0]


def test_manual_entry_admits_in_words_colour_and_icon_and_counters_move(qtbot, door):
    before = door.counters.admitted
    verdict = scan(qtbot, door, "al4R5")
    assert verdict["verdict"] == "admitted"
    panel = door.verdict
    assert panel.headline.text() == "ADMITTED"
    assert panel.name.text() == "Ada Lovelace" and "GA" in panel.detail.text()
    assert panel.icon.tone == "ok" and TONES["ok"]["bg"] in panel.styleSheet()
    assert door.counters.admitted == before + 1
    assert door.total.text().startswith(f"{before + 1} /")
    assert door.sounds.last_cue == "admitted"
    assert "Ada Lovelace" in door.recent.item(0).text() and "Admitted" in door.recent.item(0).text()
    assert door.entry.text() == ""


@pytest.mark.parametrize("code, headline, tone, reason", [
    ("VOIDED1", "VOID · DO NOT ADMIT", "stop", "cancelled"),
    ("nope-123", "UNKNOWN CODE", "stop", "not on any cached list"),
    ("PR:BG3IXCQIRV", "NOT A TICKET", "stop", "product"),
])
def test_refusals_show_the_reason(qtbot, door, code, headline, tone, reason):
    scan(qtbot, door, code)
    assert door.verdict.headline.text() == headline
    assert door.verdict.icon.tone == tone and reason in door.verdict.reason.text()
    assert door.sounds.last_cue == "refused"


def test_second_scan_says_when_and_where_and_warns(qtbot, door):
    scan(qtbot, door, "R59xesv")
    verdict = scan(qtbot, door, "R59xesv")
    assert verdict["verdict"] == "already_checked_in"
    assert door.verdict.headline.text() == "ALREADY CHECKED IN"
    assert "Already checked in at" in door.verdict.reason.text() and "Door 1" in door.verdict.reason.text()
    assert door.verdict.icon.tone == "warn" and door.sounds.last_cue == "warning"
    assert door.verdict.detail.text() == "Stalls A 1  ·  code R59xesv"  # the code tells namesakes apart


def test_garbage_input_is_a_refusal_not_a_crash(qtbot, door):
    scan(qtbot, door, "x" * 5000)
    assert door.verdict.headline.text() == "NOT A TICKET CODE"


def test_verdict_clears_by_itself_and_the_next_scan_interrupts(qtbot, door):
    door.verdict.clear_after_ms = (10_000, 10_000)
    scan(qtbot, door, "VOIDED1")
    scan(qtbot, door, "al4R5")  # replaces the refusal at once
    assert door.verdict.headline.text() == "ADMITTED"
    door.verdict.clear_after_ms = (30, 30)
    scan(qtbot, door, "n2only")
    with qtbot.waitSignal(door.verdict.cleared, timeout=5_000):
        pass
    assert door.verdict.headline.text() == "READY" and door.verdict.icon.tone == "idle"


def test_exit_mode_records_leaving_and_then_allows_reentry(qtbot, door):
    scan(qtbot, door, "al4R5")
    door.exit_button.click()
    assert door.mode_banner.isVisibleTo(door)
    verdict = scan(qtbot, door, "al4R5")
    assert verdict["verdict"] == "exited" and door.verdict.headline.text() == "EXIT RECORDED"
    door.entry_button.click()
    admitted_before = door.counters.admitted
    verdict = scan(qtbot, door, "al4R5")
    assert verdict["verdict"] == "admitted" and verdict["reentry"]
    assert door.verdict.headline.text() == "RE-ENTRY · ADMITTED"
    assert door.counters.admitted == admitted_before  # a re-entry is not a new person


def test_recent_list_keeps_the_last_twenty_and_reloads_from_the_journal(qtbot, door):
    for i in range(23):
        scan(qtbot, door, f"unknown{i}")
    assert door.recent.count() == 20 and "Unknown" in door.recent.item(0).text()
    door.recent.clear()
    with qtbot.waitSignal(door.countersChanged, timeout=10_000):
        door.refresh()
    assert door.recent.count() == 20


def test_verdict_paint_is_timed(qtbot, door):
    door.show()
    qtbot.waitExposed(door)
    with qtbot.waitSignal(door.verdict.painted, timeout=10_000):
        scan(qtbot, door, "al4R5")
    assert len(door.latencies) == 1 and door.latencies[0] > 0


def test_fail_closed_verdicts_have_their_own_look():
    """Issue 12: "check with a supervisor" and "rotating code" are not shown as an unknown code."""
    from checkin_app.gui.verdict import look_for

    check = look_for({"verdict": "check_with_supervisor"})
    assert check.headline == "CHECK WITH A SUPERVISOR" and check.tone == "stop"
    assert look_for({"verdict": "rotating_code"}).headline.startswith("ROTATING CODE")


def test_every_look_is_an_engine_verdict_and_every_verdict_has_a_look():
    """No GUI-only verdict strings (issue 16): the door shows the engine's verdicts, "unreadable" included."""
    from checkin_app.domain.rules import VerdictKind
    from checkin_app.gui.verdict import LOOKS, look_for

    assert set(LOOKS) == set(VerdictKind)
    assert all(type(kind) is VerdictKind for kind in LOOKS)
    assert look_for({"verdict": VerdictKind.UNREADABLE.value}).headline == "NOT A TICKET CODE"
    assert look_for({"verdict": "from_a_newer_build"}).tone == "stop"  # one we do not know is a refusal
