"""One batch that carries the same ticket twice (a webhook or a file repeating a code with new
details) applies in order and leaves the search index whole. Before: FTS5 answered "database disk
image is malformed" and the whole batch rolled back."""
from checkin_app.domain.models import Batch
from checkin_app.store import Store
from checkin_app.store.search import search
from checkin_app.store.tickets import apply_batch, runs_without_repeats
from tests.factories import NIGHT_ONE, ticket


def test_a_batch_repeating_a_ticket_applies_in_order_and_keeps_the_index_whole(tmp_path):
    first = ticket("REP1", remote_id="it_1", holder_name="Ada Lovelace")
    again = ticket("REP1", remote_id="it_1", holder_name="Ada King")
    by_code = ticket("REP2", holder_name="Grace Hopper")
    by_code_again = ticket("REP2", holder_name="Grace Brewster")
    with Store(tmp_path / "d") as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[first, by_code, again, by_code_again]))
        conn = store.conn
        assert conn.execute("SELECT holder_name FROM tickets WHERE code = 'REP1'").fetchone()[0] == "Ada King"
        assert conn.execute("SELECT holder_name FROM tickets WHERE code = 'REP2'").fetchone()[0] == "Grace Brewster"
        conn.execute("INSERT INTO tickets_fts (tickets_fts) VALUES ('integrity-check')")
        assert [r["code"] for r in search(conn, "King")] == ["REP1"]
        assert search(conn, "Lovelace") == []


def test_runs_are_cut_only_where_a_key_repeats():
    a, b, c = ticket("A1", remote_id="1"), ticket("B1", remote_id="2"), ticket("A1", remote_id="3")
    assert runs_without_repeats([a, b]) == [[a, b]]
    assert runs_without_repeats([a, b, c]) == [[a, b], [c]]  # same code in the same event
    assert runs_without_repeats([a, ticket("C1", remote_id="1")]) == [[a], [ticket("C1", remote_id="1")]]


def test_a_ticket_checked_in_upstream_is_stored_as_admitted_there_and_its_void_and_state_as_given(tmp_path):
    """The columns the ticket upsert derives in SQL (issue 19 binds 20 values, not 29): an upstream
    check-in makes device, door, count and inside; the effective state starts as the provider's."""
    from checkin_app.domain.models import TicketStatus

    at = "2026-11-24T19:42:00+00:00"
    came = ticket("UP1", remote_id="it_up1", checked_in_at=at)
    not_yet = ticket("UP2", remote_id="it_up2")
    voided = ticket("UP3", remote_id="it_up3", status=TicketStatus.VOID, voided_at=at, void_reason="refunded",
                    provider_state="status: void", attention="VIP")
    with Store(tmp_path / "d") as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[came, not_yet, voided]))
        rows = {r["code"]: dict(r) for r in store.conn.execute(
            "SELECT code, checked_in_at, checked_in_device, checked_in_door, admitted_count, inside, status, voided_at,"
            " void_reason, provider_state, attention, provider_status, provider_voided_at, provider_void_reason,"
            " ticket_state, ticket_attention FROM tickets")}
    assert {k: rows["UP1"][k] for k in ("checked_in_at", "checked_in_device", "checked_in_door", "admitted_count", "inside")} \
        == {"checked_in_at": at, "checked_in_device": "upstream", "checked_in_door": "tickettailor", "admitted_count": 1, "inside": 1}
    assert {k: rows["UP2"][k] for k in ("checked_in_at", "checked_in_device", "checked_in_door", "admitted_count", "inside")} \
        == {"checked_in_at": None, "checked_in_device": None, "checked_in_door": None, "admitted_count": 0, "inside": 0}
    v = rows["UP3"]
    assert (v["status"], v["voided_at"], v["void_reason"], v["provider_state"], v["attention"]) \
        == ("void", at, "refunded", "status: void", "VIP")
    assert (v["provider_status"], v["provider_voided_at"], v["provider_void_reason"], v["ticket_state"], v["ticket_attention"]) \
        == ("void", at, "refunded", "status: void", "VIP")
    assert (rows["UP2"]["status"], rows["UP2"]["voided_at"], rows["UP2"]["void_reason"]) == ("valid", None, None)
