import pytest

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
