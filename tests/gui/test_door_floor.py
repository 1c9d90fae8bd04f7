"""The door floor's logic (issue 13, items 5, 7 and 10), offscreen: geometry is in tests/realx.

A refusal is held and then remembered; exit mode looks and counts differently and never survives
a restart; network errors and old lists are said in plain words; an empty data dir leads to the
connect wizard, which goes through the real services to a loopback box office.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox

from checkin_app.domain.rules import Mode
from checkin_app.errors import ProviderError
from checkin_app.gui.app import open_window
from checkin_app.gui.connections_view import ConnectionsView
from checkin_app.gui.plain_words import plain_error
from checkin_app.gui.stats_view import StatsView, count_ticks
from checkin_app.gui.status_strip import StatusStrip
from checkin_app.gui.style import TONES
from checkin_app.gui.tasks import Tasks
from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services import events, syncing
from checkin_app.services.connections import Credentials, connect_at
from checkin_app.services.status import DoorStatus, ListAge, door_status
from checkin_app.store import Store

# What the provider client writes when DNS fails (providers/http.py, "cannot reach the server").
DNS_FAILURE = ("tickettailor: cannot reach the server (ConnectError: [Errno -2] Name or service not known); "
               "gave up after 4 tries")


def scan(qtbot, door, code):
    with qtbot.waitSignal(door.verdictShown, timeout=10_000) as shown:
        door.submit(code)
    return shown.args[0]


def status_at(refreshed: datetime, *, online=False, stale=True, last_error=DNS_FAILURE) -> DoorStatus:
    """A door status whose one list was downloaded at `refreshed`."""
    return DoorStatus(online, 3, 0, None, last_error, (ListAge(1, "Night one", refreshed.isoformat(), 1800, stale),))


def local_clock(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


# -- item 5: a refusal is not wiped by the next scan ---------------------------------------------

def test_refusal_stays_up_until_acknowledged(qtbot, door):
    door.show()
    scan(qtbot, door, "VOIDED1")
    assert door.verdict.headline.text() == "VOID · DO NOT ADMIT"
    assert not door.verdict._timer.isActive(), "a refusal must not clear itself"
    assert "code VOIDED1" in door.verdict.detail.text()
    door.entry.setFocus()
    with qtbot.waitSignal(door.verdict.cleared, timeout=2_000):
        qtbot.keyClick(door.entry, Qt.Key_Space)  # Space on the empty code field: seen
    assert door.verdict.verdict is None and door.entry.text() == ""
    scan(qtbot, door, "al4R5")
    assert door.verdict._timer.isActive(), "an admission still clears itself"


def test_refusal_replaced_by_the_next_scan_leaves_a_previous_scan_strip(qtbot, door):
    scan(qtbot, door, "VOIDED1")
    scan(qtbot, door, "al4R5")  # the same party's friend, straight after
    assert door.verdict.headline.text() == "ADMITTED"
    strip = door.verdict.previous
    assert strip.text().startswith("Previous scan REFUSED – Void") and "code VOIDED1" in strip.text()
    assert door.verdict._previous_timer.isActive() and door.verdict._previous_timer.interval() == 10_000
    with qtbot.waitSignal(door.verdict._previous_timer.timeout, timeout=1_000):
        door.verdict._previous_timer.setInterval(10)  # the strip goes by itself after its time
        door.verdict._previous_timer.start()
    assert strip.text() == ""
    # Acknowledged refusals leave no strip: staff already dealt with them.
    scan(qtbot, door, "nope-123")
    door.verdict.acknowledge()
    scan(qtbot, door, "R59xesv")
    assert strip.text() == ""


def test_namesakes_differ_by_ticket_type_and_code_on_the_strip(qtbot, door):
    scan(qtbot, door, "al4R5")
    scan(qtbot, door, "al4R5")  # already checked in: a refusal
    scan(qtbot, door, "R59xesv")
    assert door.verdict.previous.text() == "Previous scan REFUSED – Already in: Ada Lovelace · GA · code al4R5"


# -- item 10: exit mode ----------------------------------------------------------------------

def test_exit_mode_is_unmistakable_and_an_exit_without_entry_warns(qtbot, door):
    door.exit_button.click()
    panel = door.verdict
    assert panel.headline.text() == "EXIT MODE" and TONES["exit"]["bg"] in panel.styleSheet()
    assert "EXIT" in door.mode_banner.text() and door.mode_banner.isVisibleTo(door)
    assert TONES["exit"]["bg"] in door.entry.styleSheet()
    verdict = scan(qtbot, door, "al4R5")  # never came in
    assert verdict["verdict"] == "exited"
    assert panel.headline.text() == "EXIT · NO ENTRY RECORDED" and panel.icon.tone == "warn"
    assert "No entry was recorded" in panel.reason.text() and door.sounds.last_cue == "warning"
    door.entry_button.click()
    panel.clear()
    assert panel.headline.text() == "READY" and TONES["idle"]["bg"] in panel.styleSheet()


def test_inside_goes_down_on_exit_and_up_on_reentry(qtbot, door):
    start = door.counters
    scan(qtbot, door, "R59xesv")
    assert (door.counters.inside, door.counters.admitted) == (start.inside + 1, start.admitted + 1)
    door.set_mode(Mode.EXIT)
    scan(qtbot, door, "R59xesv")
    assert door.counters.inside == start.inside and door.counters.admitted == start.admitted + 1
    assert door.total.text() == f"{start.inside} / {start.expected}"
    door.set_mode(Mode.ENTRY)
    scan(qtbot, door, "R59xesv")  # re-entry: inside again, not a new arrival
    local = door.counters
    assert local.inside == start.inside + 1 and local.admitted == start.admitted + 1
    with qtbot.waitSignal(door.countersChanged, timeout=10_000) as read:
        door.refresh()  # the database agrees with the local counting
    assert (read.args[0].inside, read.args[0].admitted) == (local.inside, local.admitted)


def test_the_door_starts_in_entry_after_a_restart_in_exit(qtbot, door_dir):
    first = open_window(door_dir, sync_interval_s=0)
    qtbot.addWidget(first)
    first.door.exit_button.click()
    assert first.door.mode is Mode.EXIT
    first.close()
    again = open_window(door_dir, sync_interval_s=0)
    qtbot.addWidget(again)
    try:
        assert again.door.mode is Mode.ENTRY and again.door.entry_button.isChecked()
        assert not again.door.mode_banner.isVisibleTo(again.door)
    finally:
        again.shutdown()


def test_stats_say_not_arrived_yet_count_inside_and_tick_in_whole_numbers(qtbot, tasks):
    def arrive_and_leave(app):
        app.checkin.scan("al4R5")
        app.checkin.scan("R59xesv")
        app.checkin.scan("R59xesv", mode=Mode.EXIT)

    done = []
    tasks.db(arrive_and_leave, done.append)
    qtbot.waitUntil(lambda: done == [None], timeout=10_000)
    view = StatsView(tasks)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.updated, timeout=10_000) as sig:
        view.refresh()
    c = sig.args[0]["counters"]
    assert (c["admitted"], c["inside"]) == (2, 1)
    assert view.inside.text().startswith(f"1 / {c['expected']}")
    titles = [box.title() for box in view.findChildren(QGroupBox)]
    assert "Not arrived yet" in titles and not any("no-show" in t.lower() for t in titles)
    view.show()
    qtbot.waitExposed(view)
    view.chart.repaint()
    assert view.chart.ticks == [0, 1, 2]  # two arrivals in one bucket: 0, 1, 2, never 0, 0, 1, 2, 2
    assert count_ticks(7) == [0, 2, 4, 6, 8] and count_ticks(123) == [0, 50, 100, 150]


# -- item 7: plain words, scope, first run ---------------------------------------------------

def test_network_errors_are_plain_words_everywhere_they_reach(qtbot, window):
    at = datetime.now(timezone.utc) - timedelta(minutes=31)
    said = plain_error(DNS_FAILURE, status_at(at))
    assert said == f"No internet. Scanning continues from the list downloaded at {local_clock(at)}."
    strip = StatusStrip()
    strip.show_status(status_at(at))
    assert strip.online.text().startswith(f"▲  No internet. Scanning continues from the list downloaded at "
                                          f"{local_clock(at)}.") and "Errno" not in strip.online.text()
    refused = "tickettailor: cannot reach the server (ConnectError: [Errno 111] Connection refused); gave up after 4 tries"
    assert "Errno" not in plain_error(refused) and "not answering" in plain_error(refused)
    assert plain_error("tickettailor: the API key was refused (HTTP 401: bad key)") == \
        "tickettailor: the API key was refused (HTTP 401: bad key)"  # already words: kept
    with qtbot.waitSignal(window.messageShown, timeout=10_000) as msg:
        window.tasks.net(lambda: (_ for _ in ()).throw(ProviderError(DNS_FAILURE)))
    assert msg.args[0].startswith("No internet.") and "Errno" not in window.footer.text()


def test_a_real_connection_failure_reaches_the_strip_in_plain_words(qtbot, tmp_path, monkeypatch):
    """A box office that went away (loopback port closed): the sync's own error, through door_status."""
    monkeypatch.setenv("TT_GONE_KEY", "sk_sandbox_gone")
    data = tmp_path / "door"
    with TicketTailorSandbox("sk_sandbox_gone", seed=3) as sb:
        sb.seed_event("Gone night", 5)
        connect_at(data, "tickettailor", "box", sb.base_url, Credentials(api_key_env="TT_GONE_KEY"))
        syncing.sync_now(data)
    syncing.sync_now(data)  # the server is gone now
    with Store(data) as store:
        st = door_status(store)
    assert st.online is False and "Errno" in st.last_error  # what the sync itself recorded
    strip = StatusStrip()
    strip.show_status(st)
    assert "Errno" not in strip.online.text() and "Scanning continues from the list downloaded at" in strip.online.text()
    tasks = Tasks(data, door="Door 1")
    try:
        with qtbot.waitSignal(tasks.readReady, timeout=10_000):
            pass
        view = ConnectionsView(tasks)
        qtbot.addWidget(view)
        view.refresh()
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
        column = [c.header for c in view.model.columns].index("Last error")
        shown = view.model.data(view.model.index(0, column))
        assert shown.startswith("The box office's server is not answering") and "Errno" not in shown
    finally:
        tasks.shutdown()


def test_an_unknown_code_on_an_old_list_may_be_a_new_purchase(qtbot, door):
    at = datetime.now(timezone.utc) - timedelta(hours=2)
    door.set_status(status_at(at))
    scan(qtbot, door, "nope-123")
    assert door.verdict.headline.text() == "UNKNOWN CODE"
    assert door.verdict.reason.text() == f"Not on the list downloaded at {local_clock(at)}: may be a new purchase"
    door.set_status(status_at(at, online=True, stale=False, last_error=None))
    scan(qtbot, door, "nope-456")
    assert "not on any cached list" in door.verdict.reason.text()


def test_the_door_says_what_it_admits(qtbot, door, tasks):
    assert door.scope.text() == "Admitting: every cached event (2)"
    done = []
    tasks.db(lambda app: events.set_admitted(app.store, [e["id"] for e in events.list_events(app.store)
                                                          if e["name"] == "Night one"]), done.append)
    qtbot.waitUntil(lambda: done == [None], timeout=10_000)
    with qtbot.waitSignal(door.scopeShown, timeout=10_000) as shown:
        door.refresh()
    assert shown.args[0] == "Admitting: Night one · 24 Nov 19:00" == door.scope.text()


def test_an_empty_data_dir_leads_to_the_connect_wizard_and_a_working_door(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("TT_FIRST_KEY", "sk_sandbox_first")
    w = open_window(tmp_path / "empty", sync_interval_s=0)
    qtbot.addWidget(w)
    try:
        qtbot.waitUntil(lambda: w.door.centre.currentWidget() is w.door.first_run, timeout=10_000)
        assert w.door.scope.text() == "Admitting: no attendee list yet"
        with TicketTailorSandbox("sk_sandbox_first", seed=5) as sb:
            today = datetime.now().astimezone().replace(hour=23, minute=0, second=0, microsecond=0)
            sb.seed_event("Tomorrow night", 4, start=int((today + timedelta(days=1)).timestamp()))
            sb.seed_event("Friday Late", 6, start=int(today.timestamp()))
            w.door.first_run.connect_button.click()
            wizard = w._first_run
            assert wizard.isVisible()
            page = wizard.connect_page
            page.base_url.setText(sb.base_url)
            assert page.provider.currentData() == "tickettailor"
            page.forms["tickettailor"].envs["secret"].setText("TT_FIRST_KEY")
            page.name.setText("Box office")
            with qtbot.waitSignal(page.completeChanged, timeout=30_000):
                page.go.click()
            assert "tickets downloaded" in page.outcome.text(), page.outcome.text()
            wizard.next()
            ev = wizard.events_page
            qtbot.waitUntil(lambda: ev.list.count() == 2, timeout=10_000)
            ticked = [ev.list.item(i).text() for i in range(2) if ev.list.item(i).checkState() == Qt.Checked]
            assert len(ticked) == 1 and ticked[0].startswith("Friday Late")  # tonight's, not tomorrow's
            wizard.next()
            wizard.name_page.name.setText("Front door")
            with qtbot.waitSignal(w.door_settings.renamed, timeout=10_000):
                wizard.accept()
        # The window re-reads the door when the wizard closes.
        qtbot.waitUntil(lambda: w.door.scope.text().startswith("Admitting: Friday Late · "), timeout=10_000)
        assert w.door.centre.currentWidget() is w.door.verdict and w.status.door.text() == "Front door"
    finally:
        w.shutdown()


def test_one_denominator_for_expected_on_door_stats_and_events_list(qtbot, window):
    """Night one: 3 tickets, a void, a product and a party of 4: 7 people expected, wherever it is shown."""
    tasks = window.tasks
    done = []
    tasks.db(lambda app: (events.set_admitted(app.store, [e["id"] for e in events.list_events(app.store)
                                                           if e["name"] == "Night one"]),
                          app.checkin.scan("R59xesv")), done.append)
    qtbot.waitUntil(lambda: len(done) == 1, timeout=10_000)
    with qtbot.waitSignal(window.door.countersChanged, timeout=10_000) as door_counts:
        window.door.refresh()
    assert door_counts.args[0].expected == 7 and window.door.total.text() == "1 / 7"
    with qtbot.waitSignal(window.stats.updated, timeout=10_000):
        window.tabs.setCurrentWidget(window.stats)
    assert window.stats.inside.text().startswith("1 / 7")
    window.tabs.setCurrentWidget(window.connections)
    qtbot.waitUntil(lambda: window.connections.events.count() == 2, timeout=10_000)
    night_one = window.connections.events.item(0).text()
    assert night_one.startswith("Night one") and night_one.endswith("1 / 7 in"), night_one


# -- item 4: a verdict made on another tab comes to the front ------------------------------------

def test_a_verdict_on_another_tab_comes_up_over_it_until_seen(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.supervisor)
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000):
        window.door.submit("VOIDED1")  # the camera's and the scanner's path into the door
    overlay = window.overlay
    assert overlay.isVisible() and overlay.headline.text() == "VOID · DO NOT ADMIT"
    assert "code VOIDED1" in overlay.who.text() and window.tabs.currentWidget() is window.supervisor
    assert not overlay._timer.isActive(), "a refusal stays until someone has seen it"
    overlay.seen_button.click()  # seen, and the supervisor stays where they were
    assert not overlay.isVisible() and window.tabs.currentWidget() is window.supervisor

    overlay.hide_after_ms = 20
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000):
        window.door.submit("al4R5")
    assert overlay.isVisible() and overlay.headline.text() == "ADMITTED"
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=2_000)  # admissions go by themselves

    window.tabs.setCurrentWidget(window.door)
    with qtbot.waitSignal(window.door.verdictShown, timeout=10_000):
        window.door.submit("nope-123")
    assert not overlay.isVisible()  # on the Door, the panel itself shows it
