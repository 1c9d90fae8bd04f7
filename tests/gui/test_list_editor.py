"""The supervisor's list editor: check-in lists made and edited in the window, enforced like the CLI's (issue 17)."""
import pytest
from PySide6.QtCore import Qt

from checkin_app.gui.settings import Settings
from checkin_app.gui.supervisor import SupervisorView
from checkin_app.services import lists
from checkin_app.store import Store

PIN = "4321"


@pytest.fixture
def editor(qtbot, tasks, door_dir):
    view = SupervisorView(tasks, Settings(door_dir))
    qtbot.addWidget(view)
    view.lock_bar.pin.setText(PIN)
    view.lock_bar.repeat.setText(PIN)
    assert view.lock_bar.try_unlock()
    with qtbot.waitSignal(view.list_editor.listsShown, timeout=10_000):
        view.tabs.setCurrentWidget(view.list_editor)
    return view.list_editor


def tick_event(editor, remote_id):
    for i in range(editor.events.count()):
        item = editor.events.item(i)
        if item.data(Qt.UserRole)[1] == remote_id:
            item.setCheckState(Qt.Checked)
            return
    raise AssertionError(f"event {remote_id} not offered")


def save(qtbot, editor):
    with qtbot.waitSignal(editor.listsShown, timeout=10_000):  # the list re-read after the save
        with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
            editor.save_button.click()
    return saved.args[0]


def scan(qtbot, tasks, code, name):
    got = []
    tasks.db(lambda app: app.checkin.scan(code, lists=[name]).to_dict(), got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    return got[0]


def stored(door_dir):
    with Store(door_dir) as store:
        return lists.all_lists(store)


def test_a_list_made_in_the_form_is_stored_shown_and_enforced_by_scans(qtbot, editor, tasks, door_dir):
    editor.name.setText("GA gate")
    tick_event(editor, "ev_1")
    editor.ticket_types.setText("GA")
    editor.valid_from.mode.setCurrentIndex(editor.valid_from.FROM_START)
    editor.valid_from.minutes.setValue(-90)
    editor.capacity.setValue(500)
    editor.attention.setPlainText("vip: ticket type contains VIP")
    doc = save(qtbot, editor)
    lst = stored(door_dir)["GA gate"]
    assert [e.remote_id for e in lst.events] == ["ev_1"] and lst.ticket_types == ("GA",)
    assert lst.from_start == -90 and lst.capacity == 500 and lst.attention == ("vip: ticket type contains VIP",)
    assert doc["name"] == "GA gate" and "GA gate saved" in editor.outcome.text()
    assert [(r["name"], r["ticket_types"]) for r in editor.table.rows] == [("GA gate", ["GA"])]
    # enforced: the GA ticket of night one gets in once; a ticket of another type is not on the list
    assert scan(qtbot, tasks, "al4R5", "GA gate")["verdict"] == "admitted"
    assert scan(qtbot, tasks, "al4R5", "GA gate")["verdict"] != "admitted"
    assert scan(qtbot, tasks, "R59xesv", "GA gate")["verdict"] == "not_on_list"


def test_a_bad_attention_rule_shows_its_sentence_and_saves_nothing(qtbot, editor, door_dir):
    editor.name.setText("Main")
    tick_event(editor, "ev_1")
    editor.attention.setPlainText("vip: ticket type contains VIP\nticket type sort of VIP")
    with qtbot.waitSignal(editor.refused, timeout=10_000) as refused:
        editor.save_button.click()
    sentence = refused.args[0]
    assert sentence and sentence in editor.attention_words.text() and sentence in editor.outcome.text()
    assert stored(door_dir) == {}
    assert editor.name.text() == "Main" and "sort of" in editor.attention.toPlainText()  # what was typed is kept


def test_a_rule_the_service_refuses_shows_its_sentence_and_keeps_the_form(qtbot, editor, door_dir):
    editor.name.setText("Late")
    tick_event(editor, "ev_1")
    editor.exit_all_at.setText("27:99")
    with qtbot.waitSignal(editor.refused, timeout=10_000) as refused:
        editor.save_button.click()
    assert "27:99" in refused.args[0] and "27:99" in editor.outcome.text()
    assert stored(door_dir) == {} and editor.name.text() == "Late" and editor.exit_all_at.text() == "27:99"


def test_picking_a_list_loads_it_and_saving_replaces_it(qtbot, tasks, door_dir, editor):
    with Store(door_dir) as store:
        lists.define(store, lists.ListSpec("Main", ["ev_1"], ticket_types=["GA"], min_gap=15, exit_all_at="03:00"))
    with qtbot.waitSignal(editor.listsShown, timeout=10_000):
        editor.refresh()
    editor.view.selectRow(0)
    assert editor.name.text() == "Main" and editor.ticket_types.text() == "GA"
    assert editor.min_gap.value() == 15 and editor.exit_all_at.text() == "03:00"
    assert editor._ticked_events() == [("tickettailor", "ev_1")]
    editor.entries.setCurrentIndex(editor.entries.findData("daily"))
    editor.per_day.setValue(2)
    save(qtbot, editor)
    lst = stored(door_dir)
    assert list(lst) == ["Main"]  # replaced, not a second list
    assert lst["Main"].entries.value == "daily" and lst["Main"].per_day == 2 and lst["Main"].min_gap == 15
    assert lst["Main"].ticket_types == ("GA",) and lst["Main"].exit_all_at == "03:00"
    assert "2/day" in lists.rules_in_words(editor.table.rows[0])
    editor.new_button.click()  # an empty form for the next list; picking Main again loads it again
    assert editor.name.text() == "" and editor._ticked_events() == []
    editor.view.selectRow(0)
    assert editor.name.text() == "Main" and editor.per_day.value() == 2


def test_the_door_chooser_sees_a_list_saved_in_the_editor(qtbot, window):
    sup = window.supervisor
    sup.lock_bar.pin.setText(PIN)
    sup.lock_bar.repeat.setText(PIN)
    assert sup.lock_bar.try_unlock()
    window.tabs.setCurrentWidget(sup)
    with qtbot.waitSignal(sup.list_editor.listsShown, timeout=10_000):
        sup.tabs.setCurrentWidget(sup.list_editor)
    assert window.door_settings.lists.count() == 0
    sup.list_editor.name.setText("Balcony")
    tick_event(sup.list_editor, "ev_2")
    with qtbot.waitSignal(window.door_settings.listsShown, timeout=10_000,
                          check_params_cb=lambda names: names == ["Balcony"]):
        sup.list_editor.save_button.click()  # no visit to Connections needed: the Changes reach it
    assert window.door_settings.lists.item(0).text() == "Balcony"
