"""Hostile and malformed replicated rows (issue 14, items 2 and 5), on real SQLite through the
real apply path: a row that cannot be applied is quarantined with its reason while the rest of
the page applies; a second version of a held (device_id, seq) is an alarm, both versions kept,
and the disputed row neither counts nor is pushed."""
import json

import pytest

from checkin_app.domain import hlc

from checkin_app.domain.clock import utc_now
from checkin_app.domain.models import Batch
from checkin_app.domain.rules import VerdictKind
from checkin_app.providers.registry import pushes
from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, seeded_store, ticket


@pytest.fixture
def pair(tmp_path):
    a, b = seeded_store(tmp_path / "a"), seeded_store(tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def apply(dst: Store, rows, source="http://peer:1") -> replica.ApplyReport:
    with dst.transaction() as conn:
        return replica.apply_rows(conn, rows, own_device=dst.device_id, pushes=pushes, now=utc_now(), source=source)


def quarantine(store: Store) -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT device_id, seq, slot, reason, raw FROM replica_quarantine ORDER BY id")]


def state(store: Store, code: str) -> dict:
    return dict(store.conn.execute("SELECT status, checked_in_door, admitted_count FROM tickets WHERE code = ?",
                                   (code,)).fetchone())


def wire(device: str, seq: int, op: str = "scan", code: str = "al4R5", **kw) -> dict:
    row = {"device_id": device, "seq": seq, "op": op, "verdict": "admitted" if op == "scan" else None,
           "provider": "tickettailor", "event_remote_id": "ev_1", "ticket_remote_id": f"it_{code}", "code": code,
           "door": "Door Z", "payload": {}, "at": f"2026-11-24T20:00:{seq % 60:02d}.000+00:00",
           "nonce": f"{device}-{seq}-{op}"}
    row["hlc"] = hlc.from_iso(row["at"])
    return row | kw


MALFORMED = [
    ("payload a list", {"payload": [1, 2]}, "payload"),
    ("payload text", {"payload": "x"}, "payload"),
    ("undo naming a list", {"op": "undo", "payload": {"undoes_nonce": ["x"]}}, "undoes_nonce"),
    ("op a number", {"op": 7}, "op"),
    ("time without zone", {"at": "2026-11-24 20:00"}, "at"),
    ("time not a time", {"at": "yesterday"}, "at"),
    ("nonce missing", {"nonce": None}, "nonce"),
    ("lone surrogate in code", {"code": "al\ud800"}, "UTF-8"),
    ("NaN in payload", {"payload": {"n": float("nan")}}, "UTF-8"),
    ("huge payload", {"payload": {"note": "x" * 20_000}}, "bytes"),
    ("issue without a code", {"op": "issue", "code": None, "ticket_remote_id": None,
                              "payload": {"name": "W"}}, "could not be applied"),
]


@pytest.mark.parametrize("name, change, reason", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_row_is_quarantined_and_the_rest_of_the_page_applies(pair, name, change, reason):
    _, b = pair
    page = [wire("dev-x", 1, code="R59xesv"), wire("dev-x", 2, **change), wire("dev-x", 3, code="TEVO-1"),
            wire("dev-y", 1, op="void", code="n2only")]
    report = apply(b, page)
    assert report.applied == 3 and report.quarantined == 1
    [held] = quarantine(b)
    assert (held["device_id"], held["seq"], held["slot"]) == ("dev-x", 2, 1)
    assert reason in held["reason"]
    # The rows after it, and other devices' rows, count; the cursor moved past the kept row.
    assert state(b, "TEVO-1")["admitted_count"] == 1 and state(b, "n2only")["status"] == "void"
    assert replica.heads(b.conn)["dev-x"] == 3
    assert apply(b, page).applied == 0 and quarantine(b) == [held]  # seen again: nothing new


def test_rows_without_a_place_are_kept_and_the_rest_applies(pair):
    _, b = pair
    page = ["not a row", None, 5, [1], {"device_id": "dev-x"}, {"device_id": "dev-x", "seq": "1"},
            {"device_id": "dev-x", "seq": True}, {"device_id": "x" * 65, "seq": 1}, {"device_id": "dev-x", "seq": 2 ** 70},
            wire("dev-x", 1, code="R59xesv")]
    report = apply(b, page)
    assert report.applied == 1 and report.quarantined == 9
    assert all(q["slot"] == 0 and "device_id and seq" in q["reason"] for q in quarantine(b))
    assert state(b, "R59xesv")["admitted_count"] == 1


def test_a_quarantined_row_is_served_on_so_the_next_door_holds_the_same_prefix(pair, tmp_path):
    _, b = pair
    apply(b, [wire("dev-x", 1, code="R59xesv"), wire("dev-x", 2, payload="x"), wire("dev-x", 3, code="TEVO-1")])
    c = seeded_store(tmp_path / "c")
    try:
        served = replica.rows_after(b.conn, replica.heads(c.conn))
        assert [r["seq"] for r in served] == [1, 2, 3]
        report = apply(c, served, source="door b")
        assert report.applied == 2 and report.quarantined == 1
        assert replica.heads(c.conn) == replica.heads(b.conn)
        assert [q["reason"] for q in quarantine(c)] == [q["reason"] for q in quarantine(b)]
    finally:
        c.close()


def test_an_orphan_undo_with_a_strange_payload_links_later_without_harm(tmp_path, pair):
    """The attack of item 2: an undo for a ticket not cached yet, whose payload is not an object,
    stored and linked later when the ticket arrives (that crashed the pull thread for good)."""
    _, b = pair
    undo = wire("dev-x", 1, op="undo", code="LATE1", payload=["undoes_nonce"])
    scan = wire("dev-x", 2, code="LATE1")
    report = apply(b, [undo, scan])
    assert report.applied == 1 and report.quarantined == 1
    with b.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket("LATE1")]))
        replica.link_orphans(conn, utc_now())
    assert state(b, "LATE1")["admitted_count"] == 1
    assert CheckinService(b, door="Door B").scan("LATE1").kind is VerdictKind.ALREADY_CHECKED_IN


def test_a_bad_row_stored_before_rows_were_checked_does_not_stop_linking(tmp_path, pair):
    """Databases written by older versions may hold such a row already: linking still works."""
    _, b = pair
    with b.transaction() as conn:
        for seq, op, payload in ((1, "scan", "{}"), (2, "undo", '"x"')):
            conn.execute("INSERT INTO journal (device_id, seq, op, verdict, provider, event_remote_id, ticket_remote_id,"
                         " code, door, payload, at, nonce) VALUES ('old', ?, ?, ?, 'tickettailor', 'ev_1', 'it_LATE2',"
                         " 'LATE2', 'Door Old', ?, ?, ?)",
                         (seq, op, "admitted" if op == "scan" else None, payload, f"2026-11-24T20:00:0{seq}.000+00:00",
                          f"old-{seq}"))
    with b.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket("LATE2")]))
        replica.link_orphans(conn, utc_now())
    assert state(b, "LATE2")["admitted_count"] == 0  # the undo took back the scan, as it says


def test_an_unknown_op_from_a_newer_door_is_kept_and_admits_nothing(pair):
    _, b = pair
    report = apply(b, [wire("dev-x", 1, op="unvoid", code="VOIDED1"), wire("dev-x", 2, code="R59xesv")])
    assert report.applied == 2 and report.quarantined == 0
    assert state(b, "VOIDED1")["status"] == "void"
    assert [r["op"] for r in replica.rows_after(b.conn, {})] == ["unvoid", "scan"]  # flows on to the next door


# -- item 5: a second version of a held (device, seq) ------------------------------------------------

def with_connection(store: Store) -> None:
    """Events of this store came through a Ticket Tailor connection: acts are queued for pushing."""
    with store.transaction() as conn:
        cid = conn.execute("INSERT INTO connections (name, provider, created_at) VALUES ('tt', 'tickettailor', ?)",
                           (utc_now(),)).lastrowid
        conn.execute("UPDATE events SET connection_id = ?", (cid,))


def pending_pushes(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute(
        "SELECT j.device_id, j.seq, j.op FROM outbox o JOIN journal j ON j.id = o.journal_id WHERE o.state = 'pending'")]


def alarms(store: Store) -> list[dict]:
    return [json.loads(r[0]) for r in store.conn.execute("SELECT detail FROM conflicts WHERE kind = 'forged_row'")]


def test_a_forged_version_of_a_held_row_is_an_alarm_and_is_not_applied_or_pushed(pair):
    a, b = pair
    with_connection(b)
    CheckinService(a, door="Door A").scan("al4R5")
    real = replica.rows_after(a.conn, {})
    apply(b, real)
    forged = dict(real[0], op="void", verdict=None, nonce="f" * 32, payload={"reason": "refunded"})
    report = apply(b, [forged], source="http://forger:1")
    assert report.alarms == 1
    assert state(b, "al4R5") == {"status": "valid", "checked_in_door": "Door A", "admitted_count": 1}
    assert not [p for p in pending_pushes(b) if p[2] == "void"]
    [alarm] = alarms(b)
    assert alarm["held"]["nonce"] == real[0]["nonce"] and alarm["other"]["nonce"] == "f" * 32
    assert alarm["other_from"] == "http://forger:1" and alarm["push_held"] is True
    assert any("another version" in q["reason"] for q in quarantine(b))  # both versions kept
    assert apply(b, [forged]).alarms == 0 and len(alarms(b)) == 1  # once


def test_a_forged_version_with_a_number_json_cannot_hold_is_alarmed_and_replication_goes_on(pair):
    """A second version whose door is infinite (Python's json reads `Infinity`): the alarm quotes
    it, and the next forged row is still checked against that alarm (json_extract over its detail)
    instead of stopping the whole apply with "malformed JSON" (found by the doors fuzz test)."""
    a, b = pair
    CheckinService(a, door="Door A").scan("al4R5")
    real = replica.rows_after(a.conn, {})
    apply(b, real)
    infinite = dict(real[0], door=float("inf"), nonce="e" * 32)
    assert apply(b, [infinite]).alarms == 1
    [alarm] = alarms(b)
    assert alarm["other"]["door"] == "inf"
    later = dict(real[0], at="2026-11-24T21:00:00+00:00", nonce="d" * 32)
    assert apply(b, [later]).alarms == 0  # the same slot's alarm stands; no crash


def test_a_forged_row_that_arrived_first_is_not_pushed_once_the_real_one_comes(pair):
    a, b = pair
    with_connection(b)
    CheckinService(a, door="Door A").scan("al4R5")
    real = replica.rows_after(a.conn, {})
    forged = dict(real[0], op="void", verdict=None, nonce="f" * 32, payload={"reason": "refunded"})
    apply(b, [forged])
    assert (a.device_id, 1, "void") in pending_pushes(b)
    report = apply(b, real, source="http://door-a:1")
    assert report.alarms == 1
    assert pending_pushes(b) == []  # the disputed void is not sent from here
    # Fail closed: this door cannot tell which version is real, so it goes on refusing.
    assert state(b, "al4R5")["status"] == "void"
    st = doors_service.status(b)
    assert [(x["device"], x["seq"], x["held"]["op"], x["other"]["op"]) for x in st.alarms] == \
        [(a.device_id, 1, "void", "scan")]


def test_the_alarm_reaches_every_door_even_those_that_never_saw_the_forged_row(pair, tmp_path):
    a, b = pair
    c = seeded_store(tmp_path / "c")
    try:
        with_connection(c)
        CheckinService(a, door="Door A").scan("al4R5")
        origin = a.device_id  # told of two versions of its row, Door A takes a new id (a copied data dir?)
        real = replica.rows_after(a.conn, {})
        apply(b, real)
        apply(c, real)
        apply(b, [dict(real[0], op="void", verdict=None, nonce="f" * 32)], source="http://forger:1")
        # c hears of it from b's journal (gossip), and a, the origin, too.
        for door in (c, a):
            report = apply(door, replica.rows_after(b.conn, replica.heads(door.conn)), source="door b")
            assert report.alarms == 1
            [alarm] = alarms(door)
            assert (alarm["device"], alarm["seq"]) == (origin, 1) and alarm["other"]["op"] == "void"
            assert alarm["other_from"].startswith("reported by")
        assert alarms(a)[0]["push_held"] is False  # the origin pushes its own act
        assert alarms(c)[0]["push_held"] is True
        assert doors_service.status(c).alarms and doors_service.status(a).alarms
        mesh_again = apply(c, replica.rows_after(a.conn, replica.heads(c.conn)))
        assert mesh_again.alarms == 0 and len(alarms(c)) == 1  # one alarm per row, however often told
    finally:
        c.close()


def test_a_door_shown_a_forged_version_of_its_own_row_raises_the_alarm(pair):
    a, b = pair
    CheckinService(a, door="Door A").scan("al4R5")
    real = replica.rows_after(a.conn, {})
    forged = dict(real[0], op="void", verdict=None, nonce="f" * 32)
    ahead = dict(real[0], seq=2, op="void", verdict=None, nonce="g" * 32)  # written ahead in A's name
    report = apply(a, [forged, ahead])
    assert report.alarms == 2 and report.applied == 0
    assert state(a, "al4R5") == {"status": "valid", "checked_in_door": "Door A", "admitted_count": 1}
    assert all(x["push_held"] is False for x in alarms(a))  # its own row is its own


def test_a_reused_nonce_under_a_new_row_is_kept_aside_and_alarmed(pair):
    a, b = pair
    with_connection(b)
    CheckinService(a, door="Door A").void("R59xesv", "refunded")
    real = replica.rows_after(a.conn, {})
    apply(b, real)
    copy = dict(real[0], device_id="dev-evil", seq=1, door="Evil")
    report = apply(b, [copy, wire("dev-evil", 2, code="TEVO-1")])
    assert report.quarantined == 1 and report.alarms == 1 and report.applied == 1
    assert replica.heads(b.conn)["dev-evil"] == 2
    assert alarms(b)[0]["push_held"] is False  # the copy came second: the original is pushed as usual
    assert (a.device_id, 1, "void") in pending_pushes(b)


def test_junk_without_a_place_fills_no_disk(pair):
    _, b = pair
    junk = [{"junk": n} for n in range(replica.MAX_UNSLOTTED_KEPT + 150)]
    report = apply(b, junk + [wire("dev-x", 1, code="R59xesv")])
    assert report.applied == 1 and report.quarantined == len(junk)
    assert b.conn.execute("SELECT COUNT(*) FROM replica_quarantine").fetchone()[0] == replica.MAX_UNSLOTTED_KEPT
    assert doors_service.status(b).quarantined_count == len(junk)  # counted, and shown, all the same
