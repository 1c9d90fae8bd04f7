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
