"""The GUI's background lanes: results and errors come back on the GUI thread, in order."""
import threading

from PySide6.QtCore import QCoreApplication, QThread

from checkin_app.errors import NotFound


def test_db_results_arrive_on_the_gui_thread_in_order(qtbot, tasks):
    seen, threads = [], []

    def op(n):
        return lambda app: (n, app.checkin.scan("al4R5").kind.value if n == 0 else None, threading.get_ident())

    for n in range(5):
        tasks.db(op(n), lambda r: (seen.append(r[:2]), threads.append(QThread.currentThread())))
    qtbot.waitUntil(lambda: len(seen) == 5, timeout=10_000)
    assert [s[0] for s in seen] == [0, 1, 2, 3, 4] and seen[0][1] == "admitted"
    assert all(t is QCoreApplication.instance().thread() for t in threads)


def test_environment_errors_become_messages_and_bugs_become_crashes(qtbot, tasks):
    def missing(app):
        raise NotFound("no ticket with code x")

    with qtbot.waitSignal(tasks.error, timeout=10_000) as message:
        tasks.db(missing)
    assert message.args == ["no ticket with code x"]

    with qtbot.waitSignal(tasks.crashed, timeout=10_000) as crash:
        tasks.net(lambda: 1 / 0)
    assert "ZeroDivisionError" in crash.args[0]


def test_failure_callback_takes_precedence(qtbot, tasks):
    got = []
    tasks.db(lambda app: app.checkin.undo("al4R5"), failure=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert "not checked in" in str(got[0])


def test_reads_asked_before_the_read_lane_opens_are_answered(qtbot, door_dir):
    from checkin_app.gui.tasks import Tasks

    t = Tasks(door_dir)
    got = []
    t.read(lambda app: app.store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0], got.append)
    try:
        qtbot.waitUntil(lambda: got == [7], timeout=10_000)
    finally:
        t.shutdown()
