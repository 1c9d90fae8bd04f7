import sqlite3

import pytest

from checkin_app.domain.models import Batch, RemoteCheckin, TicketStatus
from checkin_app.errors import StoreError
from checkin_app.store import Store
from checkin_app.services.checkin import CheckinService
from checkin_app.store.db import DB_NAME
from checkin_app.store.schema import MIGRATIONS
from checkin_app.store.search import like_search, search
from checkin_app.store.tickets import apply_batch, candidates
from tests.factories import NIGHT_ONE, seeded_store, ticket


def test_new_store_is_wal_full_sync_and_versioned(tmp_path):
    with Store(tmp_path) as store:
        c = store.conn
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert c.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert c.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert len(store.device_id) == 12
    with Store(tmp_path) as again:  # reopening migrates nothing and keeps the device id
        assert again.device_id == store.device_id


def test_codes_are_case_sensitive(tmp_path):
    with seeded_store(tmp_path) as store:
        assert [c.holder_name for c in candidates(store.conn, "al4R5")] == ["Ada Lovelace"]
        assert [c.holder_name for c in candidates(store.conn, "AL4R5")] == ["Upper Case"]
        assert candidates(store.conn, "al4r5") == []


def test_reapplying_a_batch_changes_nothing_and_a_supervisor_void_wins(tmp_path):
    with seeded_store(tmp_path) as store:
        CheckinService(store, door="Door 1").void("R59xesv", "lost wristband")
        n = store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        with store.transaction() as conn:
            # Upstream still says valid and masks the name: neither the local void nor the name is lost.
            apply_batch(conn, Batch(tickets=[ticket("R59xesv"), ticket("al4R5", holder_name=None)]))
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == n
        voided = candidates(store.conn, "R59xesv")[0]
        assert voided.status is TicketStatus.VOID and voided.void_reason == "voided by supervisor: lost wristband"
        assert candidates(store.conn, "al4R5")[0].holder_name == "Ada Lovelace"


def test_a_provider_void_follows_the_provider(tmp_path):
    """Issue 12, item 14: the provider saying valid again un-voids its own void (1Ticket pending -> live)."""
    with seeded_store(tmp_path) as store:
        assert candidates(store.conn, "VOIDED1")[0].status is TicketStatus.VOID
        with store.transaction() as conn:
            apply_batch(conn, Batch(tickets=[ticket("VOIDED1")]))
        again = candidates(store.conn, "VOIDED1")[0]
        assert again.status is TicketStatus.VALID and again.voided_at is None and again.void_reason is None


def test_upstream_void_of_admitted_ticket_is_a_conflict(tmp_path):
    from checkin_app.services.checkin import CheckinService

    with seeded_store(tmp_path) as store:
        CheckinService(store, door="Door 1").scan("R59xesv")
        with store.transaction() as conn:
            result = apply_batch(conn, Batch(tickets=[ticket("R59xesv", status=TicketStatus.VOID)]))
        assert len(result.conflicts) == 1
        row = store.conn.execute("SELECT kind, ticket_id FROM conflicts").fetchone()
        assert row["kind"] == "void_after_admission"


def test_remote_checkin_marks_ticket_and_double_admission_is_recorded(tmp_path):
    from checkin_app.services.checkin import CheckinService

    with seeded_store(tmp_path) as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(checkins=[RemoteCheckin("tickettailor", "ch_1", "it_al4R5", "2026-11-24T19:01:00.000+00:00")]))
        state = candidates(store.conn, "al4R5")[0]
        assert state.checked_in and state.inside and state.checked_in_door == "tickettailor"
        # Admitted here first, then someone else admits it upstream: both happened.
        CheckinService(store, door="Door 1").scan("R59xesv")
        with store.transaction() as conn:
            result = apply_batch(conn, Batch(checkins=[RemoteCheckin("tickettailor", "ch_2", "it_R59xesv", "2026-11-24T19:05:00.000+00:00")]))
        assert len(result.conflicts) == 1


def test_journal_is_append_only(tmp_path):
    from checkin_app.services.checkin import CheckinService

    with seeded_store(tmp_path) as store:
        CheckinService(store).scan("al4R5")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.conn.execute("DELETE FROM journal")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.conn.execute("UPDATE journal SET verdict = 'admitted'")


def test_search_by_name_prefix_email_fragment_code_and_hostile_text(tmp_path):
    with seeded_store(tmp_path) as store:
        assert [r["code"] for r in search(store.conn, "ada lov")] == ["al4R5"]
        assert [r["code"] for r in search(store.conn, "test111@test")] == ["R59xesv"]
        assert search(store.conn, "R59xesv")[0]["code"] == "R59xesv"
        for hostile in ['"', "NEAR(", "a OR b AND", "'; DROP TABLE tickets; --", "*", "()", "\x00"]:
            search(store.conn, hostile)  # quoted: searched for, never run as syntax
            like_search(store.conn, hostile)
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 7
        assert [r["code"] for r in like_search(store.conn, "lovel")] == ["al4R5"]


def test_a_file_that_is_not_sqlite_is_left_untouched(tmp_path):
    db = tmp_path / DB_NAME
    db.write_bytes(b"this is my tax return, not a database\n" * 10)
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a checkin_app database"):
        Store(tmp_path)
    assert db.read_bytes() == before


def test_read_only_file_system_is_a_clear_error(tmp_path):
    # Root ignores permission bits, so use a genuinely read-only mount where we can: /proc is one.
    with pytest.raises(StoreError, match="cannot create data dir|not writable"):
        Store("/proc/checkin-test")


def test_newer_schema_is_refused(tmp_path):
    Store(tmp_path).close()
    c = sqlite3.connect(tmp_path / DB_NAME)
    c.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    c.close()
    with pytest.raises(StoreError, match="newer checkin_app"):
        Store(tmp_path)


def test_search_puts_a_whole_name_before_longer_names_and_emails(tmp_path):
    with seeded_store(tmp_path) as store:
        events = store.conn.execute("SELECT id FROM events").fetchall()
        service = CheckinService(store)
        # Many Walkers (by name and by email) are issued first, so rowid order alone would bury Walk.
        for i in range(30):
            service.issue(events[0]["id"], f"Sam Walker{i}", email=f"walk{i}@example.com")
        walk = service.issue(events[0]["id"], "Walk Up")
        found = search(store.conn, "walk", limit=5)
        assert found[0]["code"] == walk.code
        assert len(found) == 5 and all("walk" in (r["holder_name"] + (r["email"] or "")).lower() for r in found)
