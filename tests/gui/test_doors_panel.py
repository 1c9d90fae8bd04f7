"""Doors at this venue, from the window: pair (create, join), the key behind the PIN, replication
between two windows' doors on loopback (no multicast), and conflicts found after a partition."""
import socket

import keyring
import pytest
from PySide6.QtCore import Qt

from checkin_app.domain.models import ConflictKind
from checkin_app.services.conflicts import Conflict, summary
from checkin_app.gui.settings import Settings
from checkin_app.gui.status_strip import doors_text
from checkin_app.scanning.text_qr import qr_png
from checkin_app.services import doors, supervisor
from checkin_app.store import Store
from checkin_app.sync import door_auth
from tests.factories import seeded_store
from tests.integration.test_webhooks_cli import MemoryKeyring

PIN = "2468"


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def unlock(qtbot, w):
    bar = w.supervisor.lock_bar
    bar.pin.setText(PIN)
    bar.repeat.setText(PIN)
    assert bar.try_unlock()


def test_create_a_venue_and_show_its_key_only_behind_the_pin(qtbot, windows, door_dir, memory_keyring, tmp_path):
    w = windows(door_dir)
    panel = w.doors
    assert panel.pages.currentIndex() == 0 and not panel.repl_box.isEnabled()
    w.door_settings.name.setText("North door")  # the one place the door is named
    with qtbot.waitSignal(w.door_settings.renamed, timeout=10_000, check_params_cb=lambda n: n == "North door"):
        w.door_settings.save()
    assert "North door" in panel.door_name.text()
    with qtbot.waitSignal(panel.paired, timeout=10_000) as paired:
        panel.create_button.click()
    with qtbot.waitSignal(w.door_settings.renamed, timeout=10_000):  # scans here carry the venue's name for it
        pass
    assert w.status.door.text() == "North door" and w.door_settings.name.text() == "North door"
    venue = paired.args[0]
    assert venue["door"] == "North door" and panel.pages.currentIndex() == 1 and panel.repl_box.isEnabled()
    key_text = memory_keyring.get_password(*next(iter(memory_keyring.entries)))
    assert door_auth.venue_id(door_auth.parse_key(key_text)) == venue["venue_id"]
    # Door staff see neither the QR code nor the text.
    assert panel.key_label.text() == "" and panel.qr.pixmap().isNull() and not panel.locked_note.isHidden()

    with qtbot.waitSignal(panel.pairingShown, timeout=10_000):
        unlock(qtbot, w)
    assert key_text in panel.key_label.text() and panel.locked_note.isHidden()
    shown = tmp_path / "shown.png"  # the QR code on screen is the key: another door can read it
    assert panel.qr.pixmap().save(str(shown))
    assert door_auth.parse_key(doors.key_from_image(str(shown))) == door_auth.parse_key(key_text)

    w.supervisor.lock_bar.lock()
    assert panel.key_label.text() == "" and panel.qr.pixmap().isNull()
    assert key_text.encode() not in b"".join(p.read_bytes() for p in door_dir.rglob("*") if p.is_file())


def test_creating_a_venue_without_a_keyring_says_where_the_key_must_go(qtbot, windows, door_dir, monkeypatch):
    monkeypatch.delenv("VENUE_KEY", raising=False)
    panel = windows(door_dir).doors
    with qtbot.waitSignal(panel.failed, timeout=10_000) as refused:  # the test keyring refuses everything
        panel.create_button.click()
    assert "environment variable" in refused.args[0]
    panel.key_env.setText("VENUE_KEY")  # an empty variable: a new key would be lost at the next start
    with qtbot.waitSignal(panel.failed, timeout=10_000) as refused:
        panel.create_button.click()
    assert refused.args[0].startswith("VENUE_KEY is empty") and panel.pages.currentIndex() == 0
    monkeypatch.setenv("VENUE_KEY", door_auth.key_text(door_auth.new_key()))
    with qtbot.waitSignal(panel.paired, timeout=10_000) as paired:
        panel.create_button.click()
    assert paired.args[0]["key"] == {"env": "VENUE_KEY"}


def test_join_refuses_a_typo_then_joins_typed_or_from_a_picture(qtbot, windows, tmp_path, monkeypatch):
    key_text = door_auth.key_text(door_auth.new_key())
    monkeypatch.setenv("VENUE_KEY", key_text)
    seeded_store(tmp_path / "typed").close()
    panel = windows(tmp_path / "typed").doors
    panel.key_text.setText(key_text)
    with qtbot.waitSignal(panel.failed, timeout=10_000) as refused:  # the test keyring refuses everything
        panel.join_button.click()
    assert "environment variable" in refused.args[0] and panel.pages.currentIndex() == 0

    panel.key_env.setText("VENUE_KEY")
    typo = key_text[:10] + ("A" if key_text[10] != "A" else "B") + key_text[11:]
    panel.key_text.setText(typo)
    with qtbot.waitSignal(panel.failed, timeout=10_000) as refused:
        panel.join_button.click()
    assert "typo" in refused.args[0] and "typo" in panel.pair_outcome.text() and panel.pages.currentIndex() == 0
    panel.key_text.setText(key_text)
    with qtbot.waitSignal(panel.paired, timeout=10_000) as paired:
        panel.join_button.click()
    assert paired.args[0]["venue_id"] == door_auth.venue_id(door_auth.parse_key(key_text))

    picture = tmp_path / "key.png"
    picture.write_bytes(qr_png(door_auth.qr_payload(door_auth.parse_key(key_text))))
    seeded_store(tmp_path / "pictured").close()
    other = windows(tmp_path / "pictured").doors
    other.key_env.setText("VENUE_KEY")
    with qtbot.waitSignal(other.paired, timeout=10_000) as paired:
        other.join_venue(image=str(picture))
    assert paired.args[0]["venue_id"] == door_auth.venue_id(door_auth.parse_key(key_text))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_doors(qtbot, windows, tmp_path, monkeypatch):
    """Doors A and B of one venue, each a window replicating on loopback with the other's address."""
    key_text = door_auth.key_text(door_auth.new_key())
    monkeypatch.setenv("VENUE_KEY", key_text)
    a, b = tmp_path / "a", tmp_path / "b"
    ports = {a: free_port(), b: free_port()}
    for data_dir, other, name in ((a, b, "Door A"), (b, a, "Door B")):
        seeded_store(data_dir).close()
        doors.join_venue_at(data_dir, key_text, name, "VENUE_KEY")
        s = Settings(data_dir)  # replication was on when the app last ran: it comes back on
        s.replicate, s.door_host, s.door_port = True, "127.0.0.1", ports[data_dir]
        s.door_peers, s.door_discovery = f"127.0.0.1:{ports[other]}", False
        s.qs.sync()
    opened = []
    for data_dir in (a, b):
        w = windows(data_dir)
        if not w.doors.on:
            with qtbot.waitSignal(w.doors.switched, timeout=15_000, check_params_cb=bool):
                pass
        opened.append(w)
    return opened


def recent_text(w) -> str:
    return "\n".join(w.door.recent.item(i).text() for i in range(w.door.recent.count()))


def scan(qtbot, w, code) -> dict:
    with qtbot.waitSignal(w.door.verdictShown, timeout=10_000) as shown:
        w.door.submit(code)
    return shown.args[0]


def test_a_scan_at_door_a_shows_at_door_b(qtbot, two_doors):
    wa, wb = two_doors
    assert wb.door.counters.admitted == 0
    assert scan(qtbot, wa, "al4R5")["verdict"] == "admitted"
    qtbot.waitUntil(lambda: "Ada Lovelace" in recent_text(wb) and wb.door.counters.admitted == 1, timeout=10_000)
    assert scan(qtbot, wb, "al4R5")["verdict"] != "admitted"  # the other door refuses the second use

    qtbot.waitUntil(lambda: any(r["door"] == "Door A" and r["connected"] for r in wb.doors.model.rows), timeout=10_000)
    qtbot.waitUntil(lambda: "1 of 1 connected" in wb.status.doors.text(), timeout=10_000)
    assert not wb.status.doors.isHidden()
    # The doors table's Clock column: the other door's clock as measured on its answers (same machine: in step).
    model = wb.doors.model
    col = [c.key for c in model.columns].index("clock")
    qtbot.waitUntil(lambda: model.data(model.index(0, col)) == "in step", timeout=10_000)
    assert model.headerData(col, Qt.Horizontal) == "Clock"
    with qtbot.waitSignal(wb.stats.updated, timeout=10_000) as live:
        wb.stats.refresh()
    assert {d["door"] for d in live.args[0]["per_door"]} == {"Door A"}


def test_a_double_use_during_a_partition_shows_in_both_conflict_lists(qtbot, two_doors):
    wa, wb = two_doors
    with qtbot.waitSignal(wb.doors.switched, timeout=10_000):
        wb.doors.switch.click()  # B stops serving and pulling: the doors cannot see each other
    assert not wb.doors.on and not Settings(wb.data_dir).replicate and wb.status.doors.isHidden()
    assert scan(qtbot, wa, "R59xesv")["verdict"] == "admitted"
    assert scan(qtbot, wb, "R59xesv")["verdict"] == "admitted"  # each door decides alone
    with qtbot.waitSignal(wb.doors.switched, timeout=10_000):
        wb.doors.switch.click()

    for w in (wa, wb):
        def found(w=w):
            return [r for r in w.supervisor.conflicts.model.rows if r.kind == "double_admission"]
        qtbot.waitUntil(lambda: bool(found()), timeout=10_000)
        [row] = found()  # one double use, one row
        assert len(w.supervisor.conflicts.model.rows) == 1
        # A count badge on the Conflicts tab, and on the window's Supervisor tab (seen from any tab).
        qtbot.waitUntil(lambda w=w: w.supervisor.tabs.tabText(w.supervisor.tabs.indexOf(w.supervisor.conflicts))
                        == "Conflicts (1)", timeout=10_000)
        assert w.tabs.tabText(w.tabs.indexOf(w.supervisor)) == "Supervisor (1)"
        text = row.summary
        assert text.startswith("Ticket R59xesv (") and " was admitted twice: " in text
        assert text.index("at Door A") < text.index("at Door B")  # both scans' time and door, in order

    # Door A's supervisor settles it: a journal row that replicates, so Door B's list clears too.
    [row] = wa.supervisor.conflicts.model.rows
    with Store(wa.data_dir) as store:
        supervisor.resolve_conflict(store, row.ids)
    qtbot.waitUntil(lambda: not wb.supervisor.conflicts.model.rows, timeout=10_000)
    with Store(wb.data_dir) as store:
        assert [r.resolved_at is not None for r in supervisor.conflicts(store, include_resolved=True)] == [True]


def test_doors_line_in_the_status_strip():
    seen = {"connected": True, "last_contact_age_s": 1.0}
    assert doors_text({"doors": [seen, seen]}) == ("Doors: 2 of 2 connected", False)
    silent = {"connected": False, "last_contact_age_s": 130.0}
    assert doors_text({"doors": [seen, silent]}) == ("Doors: 1 not heard from for 2 min", True)
    assert doors_text({"doors": [{"connected": False, "last_contact_age_s": None}]})[0] == "Doors: 1 never heard from"


def test_doors_line_in_sparse_gossip():
    """Doors not pulled now are relayed, not silent; one that failed when last asked is."""
    pulled = {"connected": True, "last_contact_age_s": 1.0, "pulled_now": True, "relayed": False}
    relayed = {"connected": False, "last_contact_age_s": 300.0, "pulled_now": False, "relayed": True}
    gossip = {"mode": "gossip", "doors": 12}
    assert doors_text({"doors": [pulled] * 3 + [relayed] * 8, "topology": gossip}) == \
        ("Doors: 12 by gossip, 3 pulled and connected", False)
    away = dict(relayed, relayed=False)
    assert doors_text({"doors": [pulled, relayed, away], "topology": gossip}) == ("Doors: 1 not heard from for 5 min", True)


def test_conflicts_between_doors_show_both_scans():
    first = {"at": "2026-11-28T19:01:00+00:00", "door": "Door A", "device": "dev-a"}
    second = {"at": "2026-11-28T19:05:00+00:00", "door": "Door B", "device": "dev-b"}
    for kind, words in (("double_admission", ("admitted twice:", ",")), ("void_after_admission", ("admitted", "voided")),
                        ("admission_after_void", ("voided", "admitted"))):
        text = summary(Conflict(ConflictKind(kind), {"first": first, "second": second}, code="al4R5", holder_name="Ada"))
        assert text.startswith(f"Ticket al4R5 (Ada) was {words[0]}") and words[1] in text
        assert "at Door A" in text and "at Door B" in text and "dev-" not in text
    # Two laptops that go by the same name are told apart by their device ids.
    same = summary(Conflict(ConflictKind.DOUBLE_ADMISSION, {"first": first, "second": {**second, "door": "Door A"}}, code="x"))
    assert "Door A (dev-a)" in same and "Door A (dev-b)" in same
    upstream = summary(Conflict(ConflictKind.VOID_AFTER_ADMISSION,
                                {"admitted_at": first["at"], "door": "Door A", "device": "dev-a"}, code="x"))
    assert "at Door A" in upstream and "voided at the box office" in upstream
