"""The one GUI-thread relay (issue 16 §3): a call from any thread runs on the GUI thread, and a
callback whose widget was deleted while its task ran is dropped, not run on a dead widget."""
import threading

from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtWidgets import QLabel

from checkin_app.errors import ConfigError
from checkin_app.gui.relay import GuiRelay, owner_of


class Shown(QLabel):
    """A widget whose callback touches its C++ side (which raises once the widget is deleted)."""

    def __init__(self):
        super().__init__()
        self.got = []

    def show_result(self, value) -> None:
        self.setText(str(value))
        self.got.append(value)


def delete(qtbot, widget) -> None:
    with qtbot.waitSignal(widget.destroyed, timeout=5_000):
        widget.deleteLater()


def test_a_callback_of_a_widget_deleted_while_its_task_ran_is_dropped(qtbot, tasks):
    release, got = threading.Event(), []
    widget = Shown()
    tasks.net(lambda: release.wait(10) and "late answer", widget.show_result)
    # A lambda closing over its widget belongs to it just the same (the usual `lambda r: self.…`).
    self = widget  # noqa: F841 - the name a view's lambda closes over
    tasks.net(lambda: release.wait(10) and "late too", lambda r: (self.setText(r), got.append(r)))
    delete(qtbot, widget)
    dropped = []
    tasks.dropped.connect(dropped.append)
    release.set()
    qtbot.waitUntil(lambda: len(dropped) == 2, timeout=10_000)
    assert sorted(dropped) == ["late answer", "late too"] and got == [] and not tasks._pending


def test_a_failure_for_a_deleted_widget_is_dropped_not_shown(qtbot, tasks):
    release, shown = threading.Event(), []
    widget = Shown()

    def refuse():
        release.wait(10)
        raise ConfigError("port 8787 is in use")

    tasks.net(refuse, widget.show_result, widget.show_result)
    tasks.error.connect(shown.append)
    delete(qtbot, widget)
    with qtbot.waitSignal(tasks.dropped, timeout=10_000) as dropped:
        release.set()
    assert isinstance(dropped.args[0], ConfigError) and shown == []


def test_a_living_widget_gets_its_answer_on_the_gui_thread(qtbot, tasks):
    widget = Shown()
    qtbot.addWidget(widget)
    tasks.net(lambda: threading.get_ident(), widget.show_result)
    qtbot.waitUntil(lambda: bool(widget.got), timeout=10_000)
    assert widget.got[0] != threading.get_ident() and widget.text() == str(widget.got[0])


def test_the_relay_carries_a_worker_threads_calls_to_the_gui_thread_and_drops_dead_owners(qtbot):
    relay = GuiRelay()
    alive, dead, threads = Shown(), Shown(), []
    qtbot.addWidget(alive)
    to_alive = relay.bind(lambda n: (threads.append(QThread.currentThread()), alive.show_result(n)))
    to_dead = relay.bind(dead.show_result)
    assert owner_of(dead.show_result) is dead
    delete(qtbot, dead)
    with qtbot.waitSignal(relay.dropped, timeout=5_000):
        worker = threading.Thread(target=lambda: (to_dead(1), to_alive(2)))
        worker.start()
    qtbot.waitUntil(lambda: alive.got == [2], timeout=5_000)
    worker.join()
    assert dead.got == [] and threads == [QCoreApplication.instance().thread()]


def test_after_shutdown_a_late_answer_is_dropped_and_what_it_made_is_freed(qtbot, door_dir):
    from checkin_app.gui.tasks import Tasks

    t = Tasks(door_dir, door="Door 1")
    with qtbot.waitSignal(t.dbReady, timeout=10_000):
        pass
    widget, freed = Shown(), []
    qtbot.addWidget(widget)
    t.net(lambda: "a started server", widget.show_result, cleanup=freed.append)
    t.shutdown()  # waits for the job; its answer is still queued
    with qtbot.waitSignal(t.dropped, timeout=10_000):
        pass
    assert widget.got == [] and freed == ["a started server"] and t.db(lambda app: 1) is None
