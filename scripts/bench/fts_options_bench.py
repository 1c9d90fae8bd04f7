"""What each search-index option costs an import and buys search, on one store, in the same run.

    python -m scripts.bench.fts_options_bench --tickets 1000000

Generated tickets (`services.bench.generate`) are imported once through `apply_batch` with the
search index left out; then, for each variant, a fresh `tickets_fts` is built over those tickets the
way `apply_batch` feeds it (`index_new_tickets` per 50,000 new tickets, one transaction each), and
`bench`'s search queries run against it (`services.bench.search_queries`: name prefixes, email
fragments, surnames, two letters, code starts, order refs). Reported per variant: the index's CPU
time per ticket, search p50/p99 (wall and CPU), database size, and whether every query found exactly
the tickets the first variant found (an option that changed search results would be no option).

Variants: the index as migration 1 created it; + `columnsize=0`; + `automerge=8`; without the
3-letter prefix index too (migration 10, what the store uses); to show what the 2-letter prefix
index earns, migration 10 without any prefix index; and what a 1-letter prefix index would cost and
buy (a first name and an initial, "Ada A", is the slowest query kind without one).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from unittest import mock

from checkin_app.domain.models import Batch
from checkin_app.services.bench import bench_events, generate, search_queries, time_queries
from checkin_app.store import Store
from checkin_app.store import tickets as store_tickets
from checkin_app.store.search import search

_COLUMNS = ("holder_name, email, code, order_ref, content = 'tickets', content_rowid = 'id', "
            "tokenize = 'unicode61 remove_diacritics 2'")
# (name, options after the columns, settings written to the index's config)
VARIANTS = (
    ("migration_1", "prefix = '2 3'", {}),
    ("columnsize_0", "prefix = '2 3', columnsize = 0", {}),
    ("columnsize_0_automerge_8", "prefix = '2 3', columnsize = 0", {"automerge": 8}),
    ("migration_10", "prefix = '2', columnsize = 0", {"automerge": 8}),
    ("migration_10_no_prefix", "columnsize = 0", {"automerge": 8}),
    ("migration_10_plus_1_letter_prefix", "prefix = '1 2', columnsize = 0", {"automerge": 8}),
)
BATCH = 50_000


def build_tickets(data_dir: Path, tickets: int, events: int) -> list[tuple[str, str, str, str]]:
    """Import the tickets without a search index; returns the sample `bench` draws its queries from."""
    sample: list[tuple[str, str, str, str]] = []
    evs = bench_events(events)
    with Store(data_dir) as store, mock.patch.object(store_tickets, "index_new_tickets", lambda *_: None):
        for i, chunk in enumerate(generate(tickets, events, chunk_size=BATCH)):
            if i == 0:
                sample = [(t.holder_name, t.email, t.code, t.order_ref) for t in chunk[:2000]]
            with store.transaction() as conn:
                store_tickets.apply_batch(conn, Batch(events=evs if i == 0 else [], tickets=chunk))
        store.conn.execute("DROP TABLE tickets_fts")
        store.db.checkpoint()
    return sample


def run_variant(base: Path, work: Path, variant: tuple[str, str, dict], queries: dict[str, list[str]]) -> dict:
    name, options, config = variant
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(base, work)
    with Store(work) as store:
        conn = store.conn
        conn.execute(f"CREATE VIRTUAL TABLE tickets_fts USING fts5 ({_COLUMNS}, {options})")
        for key, value in config.items():
            conn.execute("INSERT INTO tickets_fts (tickets_fts, rank) VALUES (?, ?)", (key, value))
        last = store_tickets.max_ticket_id(conn)
        cpu = time.process_time()
        for after in range(0, last, BATCH):
            with store.transaction() as c:  # what index_new_tickets does after each batch, by id range
                c.execute("INSERT INTO tickets_fts (rowid, holder_name, email, code, order_ref)"
                          " SELECT id, holder_name, email, code, order_ref FROM tickets WHERE id > ? AND id <= ?",
                          (after, after + BATCH))
        cpu = time.process_time() - cpu
        store.db.checkpoint()
        row: dict = {"variant": name, "index_us_per_ticket_cpu": round(cpu / last * 1e6, 2)}
        found = {}
        for label, qs in queries.items():
            timed = time_queries(search, conn, qs)
            found[label] = timed.pop("found")
            row.update({f"{label}_{k}": v for k, v in timed.items()})
    row["db_mb"] = round(sum(p.stat().st_size for p in work.glob("checkin.sqlite3*")) / 1e6, 1)
    shutil.rmtree(work)
    return row | {"found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="checkin-fts-options-"))
    try:
        queries = search_queries(build_tickets(tmp / "base", args.tickets, args.events), args.searches)
        rows = []
        for variant in VARIANTS:
            row = run_variant(tmp / "base", tmp / "work", variant, queries)
            found = row.pop("found")
            row["same_results_as_migration_1"] = found == rows[0]["found"] if rows else True
            rows.append(row | ({"found": found} if not rows else {}))
            print(json.dumps({k: v for k, v in row.items() if k != "found"}), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
