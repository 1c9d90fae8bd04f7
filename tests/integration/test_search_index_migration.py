"""Migration 10 re-creates the search index for faster imports (issue 19): a data dir written
before it is migrated in place, and every search tier answers exactly as it did before."""
import sqlite3

from checkin_app.domain.models import Batch, Ticket
from checkin_app.services.bench import bench_events, generate
from checkin_app.store import Store
from checkin_app.store.db import _statements
from checkin_app.store.schema import MIGRATIONS
from checkin_app.store.search import search
from checkin_app.store.tickets import apply_batch

_SEARCH_INDEX_VERSION = 10


def _sample() -> list[Ticket]:
    """Generated door tickets, plus names and emails the generator never makes."""
    tickets = next(generate(3000, 3, seed=19, chunk_size=3000))
    odd = [("Zoë O'Brien", "zoe.obrien@example.com"), ("José Núñez-García", "jose+door@post.example"),
           ("Ada Lovelace", "ada@analytical.engine"), ("AND OR NOT", "near@example.com"),
           ("Mary-Jane Watson", "mj.watson@daily.bugle"), ("Ada Adams", None)]
    for i, (name, email) in enumerate(odd):
        tickets.append(Ticket(provider="tickettailor", remote_id=f"it_odd{i}", event_remote_id="ev_bench_0",
                              code=f"ODD{i}x", holder_name=name, email=email, order_ref=f"or_odd{i // 2}"))
    return tickets


def _queries(tickets: list[Ticket]) -> list[str]:
    people = tickets[::97]
    out = ["ada", "Ada", "ad", "a", "zoe", "zoë", "o'brien", "obrien", "nunez", "garcia", "jose+door", "mary jane",
           "AND", "near@ex", '"quoted"', "ex", "example.com", "mail.test", "or_odd1", "ODD3x", "odd", "-", "*"]
    for t in people:
        first, last = (t.holder_name or "? ?").split(" ", 1)
        local = (t.email or "x@y").split("@")[0]
        out += [first, last, f"{first} {last[:2]}", f"{first[:2]} {last[:3]}", last[:1], local[2:7],
                (t.email or "")[-9:], t.code, t.code[:4], t.code[:2], t.order_ref or "", (t.order_ref or "")[:6]]
    return out


def _answers(conn: sqlite3.Connection, queries: list[str]) -> list[list[int]]:
    return [[r["id"] for r in search(conn, q, limit=20)] for q in queries]


def _index_as_migration_1_made_it(conn: sqlite3.Connection) -> None:
    """Put back the search index a data dir had before migration 10, built from its tickets."""
    create = next(s for s in _statements(MIGRATIONS[0]) if "CREATE VIRTUAL TABLE tickets_fts" in s)
    conn.execute("DROP TABLE tickets_fts")
    conn.execute(create)
    conn.execute("INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild')")
    conn.execute(f"PRAGMA user_version = {_SEARCH_INDEX_VERSION - 1}")


def test_migration_10_keeps_every_search_answer_and_rebuilds_the_index(tmp_path):
    tickets = _sample()
    queries = _queries(tickets)
    with Store(tmp_path / "door") as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(events=bench_events(3), tickets=tickets))
            _index_as_migration_1_made_it(conn)
        before = _answers(store.conn, queries)
        assert store.conn.execute("SELECT COUNT(*) FROM tickets_fts_docsize").fetchone()[0] == len(tickets)
    assert sum(map(bool, before)) > 0.8 * len(queries)  # the sample really finds things

    with Store(tmp_path / "door") as store:  # opening migrates
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= _SEARCH_INDEX_VERSION
        # columnsize=0: no per-ticket size rows; automerge 8 is kept in the index's own config.
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'tickets_fts_docsize'").fetchone()[0] == 0
        assert conn.execute("SELECT v FROM tickets_fts_config WHERE k = 'automerge'").fetchone()[0] == 8
        conn.execute("INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('integrity-check', 1)")
        assert _answers(conn, queries) == before

        # The triggers that keep the index in step still work on the new table.
        with store.transaction() as c:
            c.execute("UPDATE tickets SET holder_name = 'Grace Hopper' WHERE code = 'ODD2x'")
            c.execute("DELETE FROM tickets WHERE code = 'ODD0x'")
        assert [r["code"] for r in search(conn, "Hopper")] == ["ODD2x"]
        assert [r["code"] for r in search(conn, "Lovelace")] == []
        assert search(conn, "o'brien") == []
        conn.execute("INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('integrity-check', 1)")
