"""The capacity band on the Door at door-laptop sizes: with "FULL" up, the code field and the
verdict are still whole on screen (the band takes its row from the verdict, never the field)."""
import pytest

from checkin_app.services import lists
from checkin_app.store import Store
from tests.factories import seeded_store
from tests.realx.app_window import open_door_window
from tests.realx.test_door_floor import SIZES, app_style, assert_whole, scan  # noqa: F401 (fixture)


@pytest.fixture
def window(qtbot, tmp_path, keyboard, app_style):  # noqa: F811
    data_dir = tmp_path / "door"
    seeded_store(data_dir).close()
    store = Store(data_dir)
    lists.define(store, lists.ListSpec(name="Main hall with a long name for the band", events=["ev_1"],
                                       capacity=2, warning=1))
    lists.set_door_lists(store, ["Main hall with a long name for the band"])
    store.close()
    w = open_door_window(qtbot, keyboard, data_dir, seed=False)
    keyboard.maximise(w, qtbot)
    yield w
    w.crash.uninstall()
    w.shutdown()


@pytest.mark.screens(*SIZES)
def test_the_full_band_leaves_the_door_whole(qtbot, window):
    door = window.door
    for code in ("al4R5", "R59xesv"):
        assert scan(qtbot, window, code)["verdict"] == "admitted"
    qtbot.waitUntil(lambda: door.capacity.state == "full", timeout=10_000)
    assert scan(qtbot, window, "AL4R5")["verdict"] == "capacity_full"
    assert_whole(door.capacity, door.entry, door.verdict.headline, door.verdict.name, door.verdict.reason)
