"""Journal replication between doors, in-process on real SQLite: idempotence, convergence,
conflicts, walk-ups, undo and the replicated 'pushed' marker."""
import itertools
import json

import pytest

from checkin_app.domain.clock import utc_now
from checkin_app.domain.models import Batch
from checkin_app.domain.rules import Mode, VerdictKind
from checkin_app.providers.registry import pushes
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, seeded_store, ticket

STATE = "code, status, voided_at, checked_in_at, checked_in_device, checked_in_door, admitted_count, inside"


@pytest.fixture
def doors(tmp_path):
    """Three doors with the same cached tickets under different local ticket ids."""
    opened = []
    for i in range(3):
        path = tmp_path / f"door{i}"
        store = Store(path)
        with store.transaction() as conn:  # shift local ids: doors never share them
            apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket(f"PAD{i}{n}") for n in range(i * 3)]))
        store.close()
        opened.append(seeded_store(path))
    yield opened
    for store in opened:
        store.close()


def service(store, i):
    return CheckinService(store, door=f"Door {chr(65 + i)}")


def send(src: Store, dst: Store) -> replica.ApplyReport:
    """One pull of dst from src, exactly as the peer client does it (minus HTTP)."""
    rows = replica.rows_after(src.conn, replica.heads(dst.conn))
    with dst.transaction() as conn:
        return replica.apply_rows(conn, rows, own_device=dst.device_id, pushes=pushes, now=utc_now())


def next_ms() -> None:
    """Let the millisecond clock tick, so the next act sorts strictly after the last one."""
    start = utc_now()
    while utc_now() == start:
        pass


def mesh(stores):
    for _ in range(2):
        for a, b in itertools.permutations(stores, 2):
            send(a, b)


def state(store, code=None):
    if code:
        return dict(store.conn.execute(f"SELECT {STATE} FROM tickets WHERE code = ?", (code,)).fetchone())
    return [tuple(r) for r in store.conn.execute(f"SELECT {STATE} FROM tickets WHERE code NOT LIKE 'PAD%' ORDER BY code")]


def conflicts(store):
    return [dict(r, detail=json.loads(r["detail"])) for r in store.conn.execute(
        "SELECT c.kind, t.code, c.detail FROM conflicts c JOIN tickets t ON t.id = c.ticket_id ORDER BY c.kind")]


def test_second_use_at_another_door_is_refused_after_replication(doors):
    a, b, _ = doors
    assert service(a, 0).scan("al4R5").kind is VerdictKind.ADMITTED
    report = send(a, b)
    assert report.applied == 1 and report.tickets
    verdict = service(b, 1).scan("al4R5")
    assert verdict.kind is VerdictKind.ALREADY_CHECKED_IN
    assert "Door A" in verdict.message


def test_applying_rows_twice_changes_nothing(doors):
    a, b, _ = doors
    service(a, 0).scan("al4R5")
    service(a, 0).void("R59xesv", "refunded")
    rows = replica.rows_after(a.conn, {})
    with b.transaction() as conn:
        first = replica.apply_rows(conn, rows, own_device=b.device_id, pushes=pushes, now=utc_now())
    before = (state(b), b.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])
    with b.transaction() as conn:
        again = replica.apply_rows(conn, rows + rows, own_device=b.device_id, pushes=pushes, now=utc_now())
    assert first.applied == 2 and again.applied == 0 and again.duplicates == 4
    assert (state(b), b.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]) == before
    assert state(b, "R59xesv")["status"] == "void"


def test_a_row_after_a_gap_waits_for_the_missing_one(doors):
    a, b, _ = doors
    service(a, 0).scan("al4R5")
    service(a, 0).scan("R59xesv")
    rows = replica.rows_after(a.conn, {})
    with b.transaction() as conn:
        report = replica.apply_rows(conn, rows[1:], own_device=b.device_id, pushes=pushes, now=utc_now())
    assert report.applied == 0 and report.gaps == 1
    assert send(a, b).applied == 2


def test_state_converges_whatever_order_rows_arrive_in(doors, tmp_path):
    a, b, c = doors
    service(a, 0).scan("al4R5")
    service(b, 1).scan("al4R5")  # offline double use
    service(b, 1).scan("R59xesv")
    service(b, 1).undo("R59xesv")
    service(c, 2).scan("R59xesv")
    service(c, 2).scan("TEVO-1")
    service(a, 0).scan("TEVO-1")
    service(c, 2).scan("al4R5", mode=Mode.EXIT)
    service(a, 0).void("n2only", "chargeback")
    service(b, 1).force("VOIDED1", "printed ticket, box office says fine")
    # Different delivery orders: a->b->c and c->b->a, then everyone from everyone.
    send(a, b); send(b, c); send(c, a)
    send(c, b); send(b, a); send(a, c)
    mesh(doors)
    assert state(a) == state(b) == state(c)
    assert state(a, "TEVO-1")["admitted_count"] == 2
    assert state(a, "R59xesv")["checked_in_door"] == "Door C"
    # Every door holds every row once.
    rows = [sorted(tuple(r) for r in s.conn.execute("SELECT device_id, seq, nonce FROM journal")) for s in doors]
    assert rows[0] == rows[1] == rows[2] and len(rows[0]) == len(set(rows[0])) == 10
    assert state(c, "VOIDED1")["checked_in_door"] == "Door B"


def test_offline_double_admission_is_a_conflict_on_every_door(doors):
    a, b, c = doors
    assert service(a, 0).scan("al4R5").kind is VerdictKind.ADMITTED
    next_ms()
    assert service(b, 1).scan("al4R5").kind is VerdictKind.ADMITTED  # b could not see a
    mesh(doors)
    for store in doors:
        found = [x for x in conflicts(store) if x["kind"] == "double_admission"]
        assert len(found) == 1, store.data_dir
        first, second = found[0]["detail"]["first"], found[0]["detail"]["second"]
        assert {first["door"], second["door"]} == {"Door A", "Door B"}
        assert {first["device"], second["device"]} == {a.device_id, b.device_id}
        assert first["at"] < second["at"] and first["door"] == "Door A"
    mesh(doors)  # seeing the rows again records nothing new
    assert all(len(conflicts(s)) == 1 for s in doors)


def test_an_admission_of_a_ticket_voided_elsewhere_is_a_conflict(doors):
    a, b, _ = doors
    service(a, 0).void("al4R5", "refunded")
    next_ms()
    assert service(b, 1).scan("al4R5").kind is VerdictKind.ADMITTED  # b had not heard of the void
    mesh(doors)
    for store in doors:
        assert [x["kind"] for x in conflicts(store)] == ["admission_after_void"]
        assert state(store, "al4R5")["status"] == "void"


def test_an_undo_between_two_admissions_is_no_conflict(doors):
    a, b, _ = doors
    service(a, 0).scan("al4R5")
    service(a, 0).undo("al4R5")
    send(a, b)
    assert service(b, 1).scan("al4R5").kind is VerdictKind.ADMITTED
    mesh(doors)
    assert conflicts(a) == conflicts(b) == []
    assert state(a, "al4R5")["checked_in_door"] == "Door B"


def test_void_after_an_offline_admission_is_a_conflict_everywhere(doors):
    a, b, c = doors
    service(a, 0).scan("al4R5")
    next_ms()
    service(b, 1).void("al4R5", "refunded")  # b did not know a admitted it
    mesh(doors)
    for store in doors:
        assert [x["kind"] for x in conflicts(store)] == ["void_after_admission"], conflicts(store)
        assert state(store, "al4R5")["status"] == "void"


def test_a_walk_up_issued_at_one_door_exists_and_is_refused_twice_at_another(doors):
    a, b, c = doors
    issued = service(a, 0).issue(1, "Walk Up", "walk@example.com")
    assert service(a, 0).scan(issued.code).kind is VerdictKind.ADMITTED
    send(a, b)
    send(b, c)  # gossip: c hears of a's walk-up through b
    for store, i in ((b, 1), (c, 2)):
        row = store.conn.execute("SELECT holder_name, email, source FROM tickets WHERE code = ?", (issued.code,)).fetchone()
        assert tuple(row) == ("Walk Up", "walk@example.com", "local")
        assert service(store, i).scan(issued.code).kind is VerdictKind.ALREADY_CHECKED_IN


def test_rows_for_a_ticket_not_cached_yet_are_linked_when_it_arrives(tmp_path, doors):
    a = doors[0]
    with a.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket("LATE1")]))
    service(a, 0).scan("LATE1")
    fresh = Store(tmp_path / "fresh")
    try:
        send(a, fresh)
        assert fresh.conn.execute("SELECT ticket_id FROM journal WHERE code = 'LATE1'").fetchone()[0] is None
        with fresh.transaction() as conn:
            apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket("LATE1")]))
            replica.link_orphans(conn, utc_now())
        assert state(fresh, "LATE1")["checked_in_door"] == "Door A"
        with pytest.raises(Exception, match="append-only"), fresh.transaction() as conn:
            conn.execute("UPDATE journal SET ticket_id = NULL WHERE code = 'LATE1'")
    finally:
        fresh.close()
