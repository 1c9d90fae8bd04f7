"""The supervisor's Export button writes the same spreadsheet-safe CSV as the CLI (issue 14 item 7)."""
import csv

import pytest

from checkin_app.domain.models import Batch
from checkin_app.gui.settings import Settings
from checkin_app.gui.supervisor import SupervisorView
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, ticket

NAME = '=HYPERLINK("http://evil.example","Refund")'


@pytest.fixture
def door_dir(tmp_path):
    store = Store(tmp_path / "door")
    with store.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket("inj1", holder_name=NAME),
                                                             ticket("ok1", holder_name="Ada Lovelace")]))
    store.close()
    return tmp_path / "door"


def test_attack_formula_names_are_exported_as_text_from_the_gui(qtbot, tasks, door_dir, tmp_path):
    view = SupervisorView(tasks, Settings(door_dir))
    qtbot.addWidget(view)
    view.lock_bar.pin.setText("4321")
    view.lock_bar.repeat.setText("4321")
    assert view.lock_bar.try_unlock()
    target = tmp_path / "out.csv"
    with qtbot.waitSignal(view.export.exported, timeout=10_000):
        view.export.export_to(target)
    names = {r["code"]: r["holder_name"] for r in csv.DictReader(target.open(encoding="utf-8"))}
    assert names == {"inj1": "'" + NAME, "ok1": "Ada Lovelace"}
