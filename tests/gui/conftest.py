import pytest

from checkin_app.gui.app import open_window
from checkin_app.gui.door_view import DoorView
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.tasks import Tasks
from tests.factories import seeded_store


@pytest.fixture
def door_dir(tmp_path):
    seeded_store(tmp_path / "door").close()
    return tmp_path / "door"


@pytest.fixture
def tasks(qtbot, door_dir):
    t = Tasks(door_dir, door="Door 1")
    with qtbot.waitSignal(t.dbReady, timeout=10_000):
        pass
    yield t
    t.shutdown()


@pytest.fixture
def empty_tasks(qtbot, tmp_path):
    """The lanes on a new, empty data dir (no attendee list, no connection)."""
    t = Tasks(tmp_path / "door", door="Door 1")
    with qtbot.waitSignal(t.readReady, timeout=10_000):
        pass
    yield t
    t.shutdown()


@pytest.fixture
def door(qtbot, tasks, tmp_path):
    """The door view on the seeded store, its counters read."""
    view = DoorView(tasks, Sounds(enabled=False, directory=tmp_path / "sounds"))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.countersChanged, timeout=10_000):
        view.refresh()
    return view


@pytest.fixture
def windows(qtbot):
    """Open main windows on data dirs (`windows(data_dir)`), each with its status shown; all closed after."""
    opened = []

    def open_(data_dir):
        w = open_window(data_dir, sync_interval_s=0)
        qtbot.addWidget(w)
        opened.append(w)
        with qtbot.waitSignal(w.statusShown, timeout=10_000):
            pass
        return w

    yield open_
    for w in opened:
        w.crash.uninstall()
        w.shutdown()


@pytest.fixture
def window(windows, door_dir):
    """The main window on the seeded store, its status shown."""
    return windows(door_dir)
