"""The Doors tab shows rows held back from other doors (quarantined, with their reason) and
forged_row alarms, read from the door's real database."""
import os

from checkin_app.domain.clock import utc_now
from checkin_app.providers.registry import pushes
from checkin_app.services import doors
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.sync import door_auth
from tests.factories import seeded_store
from tests.gui.test_doors_panel import windows  # noqa: F401 - the fixture


def test_the_doors_tab_shows_held_back_rows_with_their_reason_and_alarms(qtbot, windows, door_dir, tmp_path,  # noqa: F811
                                                                        monkeypatch):
    monkeypatch.setenv("CHECKIN_TEST_VENUE_KEY", door_auth.key_text(door_auth.new_key()))
    with Store(door_dir) as store:
        doors.join_venue(store, None, "Door B", "CHECKIN_TEST_VENUE_KEY")
    other = seeded_store(tmp_path / "a")
    CheckinService(other, door="Door A").scan("al4R5")
    real = replica.rows_after(other.conn, {})
    other.close()
    with Store(door_dir) as store, store.transaction() as conn:
        replica.apply_rows(conn, real + [dict(real[0], seq=2, nonce="n2", op="undo", payload="x")],
                           own_device=store.device_id, pushes=pushes, now=utc_now(), source="http://door-a:8722")
    w = windows(door_dir)
    box = w.doors.held_back
    qtbot.waitUntil(lambda: box.model.rowCount() == 1, timeout=10_000)
    assert not box.isHidden() and box.alarms.isHidden()
    reason = box.model.index(0, 1).data()
    assert reason == "payload 'x' is not an object" and box.model.index(0, 2).data() == "http://door-a:8722"
    assert "1 row(s) kept aside" in box.summary.text()

    with Store(door_dir) as store, store.transaction() as conn:
        replica.apply_rows(conn, [dict(real[0], op="void", verdict=None, nonce="f" * 32)], own_device=store.device_id,
                           pushes=pushes, now=utc_now(), source="http://forger:8722")
    w.doors.refresh()
    qtbot.waitUntil(lambda: not box.alarms.isHidden(), timeout=10_000)
    assert "Two versions of row" in box.alarms.text() and "http://forger:8722" in box.alarms.text()
    assert box.model.rowCount() == 2
    assert os.environ["CHECKIN_TEST_VENUE_KEY"] not in box.alarms.text()
