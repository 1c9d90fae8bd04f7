"""Replication cost (issue 18 §5): heads kept in a table, held polls woken by commits (not by
re-reading the journal), no echo of a door's own rows, no fsync for an empty answer, and the
replica applying in small transactions. Real door servers on loopback, real SQLite."""
import sqlite3
import threading

import pytest

from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, journal, replica
from checkin_app.store.db import DB_NAME, _statements
from checkin_app.store.schema import MIGRATIONS
from checkin_app.sync import door_auth, peer_sync
from checkin_app.sync.peer_server import DoorApp
from checkin_app.sync.peer_sync import DoorClient, pull_once
from checkin_app.webhooks.server import BackgroundServer
from tests.factories import seeded_store
from tests.helpers.poll import poll

KEY = door_auth.new_key()
VENUE = door_auth.venue_id(KEY)
AT = "2026-11-24T19:00:00+00:00"


@pytest.fixture
def door_a(tmp_path):
    store = seeded_store(tmp_path / "a")
    CheckinService(store, door="Door A").scan("al4R5")
    app = DoorApp(tmp_path / "a", KEY, "Door A")
    server = BackgroundServer(app.app)
    server.start()
    yield store, app, f"http://127.0.0.1:{server.port}"
    app.stop()
    server.stop()
    app.close()
    store.close()


def _table(store: Store) -> dict[str, int]:
    return {r[0]: r[1] for r in store.conn.execute("SELECT device_id, seq FROM replica_heads")}


def _count_reads(monkeypatch) -> list[int]:
    """Count the journal reads the door server makes (each `rows_after`)."""
    calls = [0]
    real = replica.rows_after

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)
    monkeypatch.setattr(replica, "rows_after", counted)
    return calls


def _pull_in_thread(client: DoorClient, after: dict, wait: float) -> tuple[threading.Thread, dict]:
    got: dict = {}

    def run():
        got["doc"] = client.pull(after, wait=wait)
    thread = threading.Thread(target=run)
    thread.start()
    return thread, got


# -- heads ------------------------------------------------------------------------------------

def test_heads_table_follows_local_rows_replica_rows_and_quarantine_slots(tmp_path):
    a, b = seeded_store(tmp_path / "a"), seeded_store(tmp_path / "b")
    try:
        for code in ("al4R5", "R59xesv", "nope"):
            CheckinService(a, door="Door A").scan(code)
        CheckinService(b, door="Door B").scan("al4R5")
        assert _table(a) == {a.device_id: 3} == replica.heads_from_journal(a.conn) == replica.heads(a.conn)
        rows = replica.rows_after(a.conn, {})
        bad = dict(rows[0], device_id="dev-x", seq=1, nonce="n-x", at="not a time")  # takes its slot, quarantined
        with b.transaction() as conn:
            replica.apply_rows(conn, [*rows, bad], own_device=b.device_id, pushes=lambda *_: False, now=AT)
        assert _table(b) == {a.device_id: 3, b.device_id: 1, "dev-x": 1} == replica.heads_from_journal(b.conn)
    finally:
        a.close()
        b.close()


def test_heads_table_is_filled_when_an_old_data_dir_is_migrated(tmp_path):
    """A data dir written before migration 7 (rows, a quarantined slot) gets its heads on opening."""
    tmp_path.mkdir(exist_ok=True)
    conn = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for number, script in enumerate(MIGRATIONS[:6], start=1):  # everything before 7 (journal.append writes hlc, 6's)
        conn.execute("BEGIN")
        if callable(script):
            script(conn)
        else:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    conn.execute("BEGIN")
    for n in range(1, 6):
        journal.append(conn, device_id="old-door", op="scan", at=AT, code=f"c{n}")
    journal.append(conn, device_id="other", op="scan", at=AT, code="c")
    conn.execute("INSERT INTO replica_quarantine (device_id, seq, slot, raw, content_hash, reason, received_at)"
                 " VALUES ('other', 2, 1, '{}', 'h', 'test', ?)", (AT,))
    conn.execute("COMMIT")
    conn.close()
    with Store(tmp_path) as store:
        assert _table(store) == {"old-door": 5, "other": 2} == replica.heads_from_journal(store.conn)
        with store.transaction() as c:
            journal.append(c, device_id="old-door", op="scan", at=AT, code="c6")
        assert _table(store)["old-door"] == 6


# -- held long-polls ----------------------------------------------------------------------------

def test_an_idle_held_poll_reads_the_journal_once(door_a, monkeypatch):
    """Nothing commits: the held poll waits out its time on one read (it re-read every 20 ms)."""
    store_a, app, url = door_a
    client = DoorClient(url, KEY, "door-b")
    reads = _count_reads(monkeypatch)
    try:
        doc = client.pull(replica.heads(store_a.conn), wait=0.6)
        assert doc["rows"] == [] and reads[0] == 1
    finally:
        client.close()


def test_a_held_poll_answers_a_commit_in_this_process_at_once(door_a, monkeypatch):
    store_a, app, url = door_a
    client = DoorClient(url, KEY, "door-b")
    reads = _count_reads(monkeypatch)
    try:
        thread, got = _pull_in_thread(client, replica.heads(store_a.conn), wait=8.0)
        poll(lambda: app.held == 1, timeout=5, every=0.005)
        CheckinService(store_a, door="Door A").scan("R59xesv")
        thread.join(5)
        assert not thread.is_alive(), "the held poll did not answer the commit"
        assert [r["code"] for r in got["doc"]["rows"]] == ["R59xesv"]
        assert reads[0] == 2  # the first read, and one after the commit: none in between
    finally:
        client.close()


def test_a_held_poll_answers_a_commit_by_another_process(door_a, tmp_path):
    """A commit the server's process does not make (the scanning CLI, another window) is seen
    through `PRAGMA data_version`: here a plain sqlite3 connection, outside the app's Database."""
    store_a, app, url = door_a
    client = DoorClient(url, KEY, "door-b")
    other = sqlite3.connect(tmp_path / "a" / DB_NAME, isolation_level=None, timeout=10)
    other.row_factory = sqlite3.Row
    try:
        thread, got = _pull_in_thread(client, replica.heads(store_a.conn), wait=8.0)
        poll(lambda: app.held == 1, timeout=5, every=0.005)
        other.execute("BEGIN IMMEDIATE")
        journal.append(other, device_id=store_a.device_id, op="exit", at=AT, code="al4R5")
        other.execute("COMMIT")
        thread.join(5)
        assert not thread.is_alive(), "the held poll did not see another process's commit"
        assert [r["op"] for r in got["doc"]["rows"]] == ["exit"]
    finally:
        other.close()
        client.close()


# -- no echo ----------------------------------------------------------------------------------

def test_a_door_never_gets_its_own_rows_back(door_a, tmp_path):
    """Door B's rows, held at A, are not served to B, even when B asks from before them (and a
    held poll of B's is not answered by B's own rows arriving at A)."""
    store_a, app, url = door_a
    b = seeded_store(tmp_path / "b")
    client = DoorClient(url, KEY, b.device_id)
    try:
        CheckinService(b, door="Door B").scan("R59xesv")
        with store_a.transaction() as conn:  # A holds B's row (as if it had pulled it)
            replica.apply_rows(conn, replica.rows_after(b.conn, {}), own_device=store_a.device_id,
                               pushes=lambda *_: False, now=AT)
        doc = client.pull({}, wait=0)
        assert {r["device_id"] for r in doc["rows"]} == {store_a.device_id}
        assert doc["heads"][b.device_id] == 1  # its heads still say what A holds
        # Held with everything of A's: B's next row arriving at A does not answer it.
        thread, got = _pull_in_thread(client, {store_a.device_id: 1}, wait=1.0)
        poll(lambda: app.held == 1, timeout=5, every=0.005)
        CheckinService(b, door="Door B").scan("al4R5")
        with store_a.transaction() as conn:
            replica.apply_rows(conn, replica.rows_after(b.conn, {b.device_id: 1}), own_device=store_a.device_id,
                               pushes=lambda *_: False, now=AT)
        thread.join(5)
        assert got["doc"]["rows"] == [] and got["doc"]["heads"][b.device_id] == 2
    finally:
        client.close()
        b.close()


# -- the puller's transactions ----------------------------------------------------------------------

def _recording(store: Store) -> list[bool]:
    """Record the `durable` flag of every transaction the store opens."""
    seen: list[bool] = []
    real = store.transaction

    def transaction(durable: bool = True):
        seen.append(durable)
        return real(durable)
    store.transaction = transaction
    return seen


def test_an_empty_answer_is_recorded_without_an_fsync_and_rows_in_small_transactions(door_a, tmp_path, monkeypatch):
    store_a, _, url = door_a
    for n in range(7):
        CheckinService(store_a, door="Door A").scan(f"unknown{n}")
    b = seeded_store(tmp_path / "b")
    client = DoorClient(url, KEY, b.device_id)
    monkeypatch.setattr(peer_sync, "APPLY_CHUNK", 3)
    try:
        seen = _recording(b)
        assert pull_once(b, client, VENUE).applied == 8
        assert seen == [True, True, True]  # 8 rows: 3 + 3 + 2, each durable
        seen.clear()
        assert pull_once(b, client, VENUE).applied == 0
        assert seen == [False]  # only the contact's bookkeeping, without an fsync
        assert b.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again afterwards
        assert replica.heads(b.conn) == replica.heads(store_a.conn)
    finally:
        client.close()
        b.close()
