"""Issue 12 in the store: unrecognised states, set-aside records, orders, voids that are not sticky."""
import json
import sqlite3

from checkin_app.domain.models import Batch, OrderState, SetAside, TicketStatus
from checkin_app.domain.rules import VerdictKind
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.store import set_aside
from checkin_app.store.db import DB_NAME
from checkin_app.store.schema import MIGRATIONS
from checkin_app.store.tickets import apply_batch, candidates
from tests.factories import NIGHT_ONE, seeded_store, ticket


def test_a_version_2_database_migrates_keeping_its_tickets_and_a_supervisor_void(tmp_path):
    db = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO events (provider, remote_id, name, updated_at) VALUES ('tickettailor', 'ev_1', 'N', 'x')")
    db.execute("INSERT INTO tickets (event_id, provider, remote_id, code, status, voided_at, updated_at)"
               " VALUES (1, 'tickettailor', 'it_1', 'OLDVOID', 'void', '2026-01-01T00:00:00+00:00', 'x')")
    db.execute("INSERT INTO journal (device_id, seq, op, ticket_id, code, payload, at, nonce)"
               " VALUES ('d', 1, 'void', 1, 'OLDVOID', '{\"reason\":\"fraud\"}', '2026-01-01T00:00:00+00:00', 'n1')")
    db.close()
    with Store(tmp_path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        with store.transaction() as conn:  # the provider says valid: the supervisor's void stays
            apply_batch(conn, Batch(tickets=[ticket("OLDVOID", remote_id="it_1")]))
        assert candidates(store.conn, "OLDVOID")[0].status is TicketStatus.VOID
        with store.transaction() as conn:  # and 'unrecognised' is now a status the table accepts
            apply_batch(conn, Batch(tickets=[ticket("NEW", status=TicketStatus.UNRECOGNISED, provider_state="odd")]))
        assert candidates(store.conn, "NEW")[0].provider_state == "odd"


def test_an_unrecognised_ticket_is_kept_with_its_raw_value_and_refused(tmp_path):
    with seeded_store(tmp_path) as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(tickets=[ticket("ODD1", status=TicketStatus.UNRECOGNISED, provider_state="on_hold")]))
        v = CheckinService(store).scan("ODD1")
        assert v.kind is VerdictKind.CHECK_WITH_SUPERVISOR
        assert v.message.endswith("Ticket Tailor says 'on_hold'")
        forced = CheckinService(store).force("ODD1", "manager checked the order")
        assert forced.kind is VerdictKind.FORCED


def test_set_aside_records_are_stored_once_with_reason_and_the_rest_applies(tmp_path):
    bad = SetAside("ticketevolution", "order", "o_9", "order without an event", {"id": "o_9", "items": []})
    with seeded_store(tmp_path) as store:
        for _ in range(2):  # every sync pulls the same bad record again
            with store.transaction() as conn:
                result = apply_batch(conn, Batch(tickets=[ticket("GOOD1")], set_aside=[bad]))
            assert result.set_aside == 1
        got = set_aside.summary(store.conn)
        assert got["count"] == 1 and got["latest"][0]["reason"] == "order without an event"
        assert got["latest"][0]["times"] == 2
        assert json.loads(set_aside.get_raw(store.conn, got["latest"][0]["id"])) == {"id": "o_9", "items": []}
        assert CheckinService(store).scan("GOOD1").kind is VerdictKind.ADMITTED


def test_an_order_state_applies_to_its_tickets_whatever_they_say(tmp_path):
    cancelled = OrderState("tickettailor", "or_1", TicketStatus.VOID, "status: cancelled", "order cancelled")
    with seeded_store(tmp_path) as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(tickets=[ticket("ORD1", order_ref="or_1")], orders=[cancelled]))
        assert CheckinService(store).scan("ORD1").message.endswith("] Void: order cancelled")  # two events: named
        with store.transaction() as conn:  # a later page lists the ticket as valid: the order still decides
            apply_batch(conn, Batch(tickets=[ticket("ORD1", order_ref="or_1")]))
        assert candidates(store.conn, "ORD1")[0].status is TicketStatus.VOID
        with store.transaction() as conn:  # the order is completed again
            apply_batch(conn, Batch(orders=[OrderState("tickettailor", "or_1", TicketStatus.VALID, "status: completed")]))
        assert CheckinService(store).scan("ORD1").kind is VerdictKind.ADMITTED


def test_unvoid_takes_back_a_supervisor_void_and_replicates(tmp_path):
    with seeded_store(tmp_path / "a") as a, seeded_store(tmp_path / "b") as b:
        door_a = CheckinService(a, door="Door A")
        door_a.void("R59xesv", "wrong person")
        unvoided = door_a.unvoid("R59xesv", "it was the right person")
        assert "Un-voided" in unvoided.message
        assert door_a.scan("R59xesv").kind is VerdictKind.ADMITTED
        kinds = [r["op"] for r in a.conn.execute("SELECT op FROM journal ORDER BY id")]
        assert kinds[:2] == ["void", "unvoid"]
        with b.transaction() as conn:  # another door receives the rows: it ends in the same state
            replica.apply_rows(conn, replica.rows_after(a.conn, {}), own_device=b.device_id,
                               pushes=lambda *_: False, now="2026-11-24T20:00:00+00:00")
        state_b = candidates(b.conn, "R59xesv")[0]
        assert state_b.status is TicketStatus.VALID and state_b.checked_in


def test_unvoid_does_not_undo_the_providers_own_void(tmp_path):
    with seeded_store(tmp_path) as store:
        door = CheckinService(store)
        try:
            door.unvoid("VOIDED1", "customer says it is fine")
        except Exception as exc:  # CheckinError: only the provider can un-void its void
            assert "not voided by a supervisor" in str(exc)
        else:
            raise AssertionError("un-void of a provider void must be refused")
        assert door.scan("VOIDED1").kind is VerdictKind.VOID
