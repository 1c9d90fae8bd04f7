"""The one "what changed" signal (issue 16 §3): acts, syncs and other doors announce what they
changed (`Tasks.changed`), and the views that show it re-read themselves, with no timer involved."""
import threading

from PySide6.QtCore import QTimer

from checkin_app.domain.changes import ATTENDEE_ACT, Changes
from checkin_app.domain.models import ConflictKind
from checkin_app.store import tickets


def stop_every_timer(window) -> None:
    """No polling may do the work: every periodic refresh of the window is stopped."""
    for timer in window.findChildren(QTimer):
        timer.stop()


def test_a_scan_refreshes_the_open_stats_tab_without_a_timer(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.stats.updated, timeout=10_000) as before:
        window.tabs.setCurrentWidget(window.stats)
    stop_every_timer(window)
    inside = before.args[0]["counters"]["inside"]
    with qtbot.waitSignal(window.stats.updated, timeout=10_000) as after:
        window.door.submit("al4R5")  # typed at the door; the stats tab is the one on screen
    assert after.args[0]["counters"]["inside"] == inside + 1


def test_an_act_elsewhere_refreshes_the_door_counters_and_the_status_strip(qtbot, window):
    stop_every_timer(window)
    admitted = window.door.counters.admitted
    with qtbot.waitSignals([window.door.countersChanged, window.statusShown], timeout=10_000):
        # What the attendee panel's "Check in" does: an act on the database lane that names its changes.
        window.tasks.db(lambda app: app.checkin.scan("R59xesv"), changes=ATTENDEE_ACT)
    assert window.door.counters.admitted == admitted + 1


def test_a_conflict_from_another_door_reaches_the_badge_without_a_timer(qtbot, window):
    stop_every_timer(window)
    # The window's start-up count of conflicts may still wait on the (one-thread, in-order) read
    # lane: let it finish first, or it could count the conflict recorded below by itself.
    flushed = []
    window.tasks.read(lambda app: None, flushed.append)
    qtbot.waitUntil(lambda: bool(flushed), timeout=10_000)

    def conflict(app):  # what a sync or replication records: a ticket admitted at Door 2, then voided
        ticket_id = app.store.conn.execute("SELECT id FROM tickets WHERE code = 'al4R5'").fetchone()[0]
        with app.store.transaction() as conn:
            tickets.record_conflict(conn, ConflictKind.VOID_AFTER_ADMISSION, ticket_id,
                                    {"admitted_at": "2026-11-24T19:00:00+00:00", "door": "Door 2"})

    done = []
    window.tasks.db(conflict, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    badge = lambda: window.tabs.tabText(window.tabs.indexOf(window.supervisor))  # noqa: E731
    assert badge() == "Supervisor"
    # The replicator's peer thread hands its report to the relay, which announces it.
    announce = window.tasks.relay.bind(lambda: window.tasks.announce(Changes(journal=True, conflicts=True)),
                                       owner=window)
    threading.Thread(target=announce).start()
    qtbot.waitUntil(lambda: badge() == "Supervisor (1)", timeout=10_000)
    assert len(window.supervisor.conflicts.model.rows) == 1


def test_announcements_in_one_burst_arrive_as_one(qtbot, tasks):
    got = []
    tasks.changed.connect(lambda changes, source: got.append((changes, source)))
    tasks.announce(Changes(journal=True), within_ms=50)
    tasks.announce(Changes(peers=True), within_ms=50)
    qtbot.waitUntil(lambda: bool(got), timeout=5_000)
    assert got == [(Changes(journal=True, peers=True), None)]
