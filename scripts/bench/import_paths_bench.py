"""Where an import's time goes: the store's import path against two variants of its search indexing.

    python -m scripts.bench.import_paths_bench --tickets 300000

Each variant imports the same generated tickets (`services.bench.generate`, chunks of 50,000, one
transaction each, as `checkin-app bench` does) into a fresh store, in the same run:

- `per_batch`: the store's path (`apply_batch` indexes each batch's new tickets in one statement).
- `migration_1_index`: the store's path into the search index as migration 1 created it (before
  migration 10: per-ticket column sizes, automerge 4): what migration 10 saves.
- `once_at_end`: the same upserts with indexing skipped, then every new ticket indexed in one
  statement at the end (what deferring the FTS index to one rebuild would buy).
- `no_index`: the upserts alone, never indexed: the ceiling any search-index change could reach.

It reports wall-clock and CPU rates (CPU time holds on a loaded machine; wall time does not) and
checks that the two indexed variants end with a search index that matches the tickets table.
The variants replace `store.tickets.index_new_tickets` for their run: a measurement, not a path.
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
from checkin_app.services.bench import bench_events, generate
from checkin_app.store import Store
from checkin_app.store import tickets as store_tickets
from checkin_app.store.db import _statements
from checkin_app.store.schema import MIGRATIONS

VARIANTS = ("per_batch", "migration_1_index", "once_at_end", "no_index")


def _migration_1_index(conn) -> None:
    """The search index as migration 1 created it (before migration 10), still empty."""
    conn.execute("DROP TABLE tickets_fts")
    conn.execute(next(s for s in _statements(MIGRATIONS[0]) if "CREATE VIRTUAL TABLE tickets_fts" in s))


def run_variant(variant: str, chunks: list, events: list, workdir: Path) -> dict:
    data_dir = workdir / variant
    index = store_tickets.index_new_tickets
    with Store(data_dir) as store:
        first = store_tickets.max_ticket_id(store.conn)
        if variant == "migration_1_index":
            _migration_1_index(store.conn)
        wall, cpu = time.perf_counter(), time.process_time()
        with mock.patch.object(store_tickets, "index_new_tickets", index if variant in ("per_batch", "migration_1_index") else (lambda *_: None)):
            for i, chunk in enumerate(chunks):
                with store.transaction() as conn:
                    store_tickets.apply_batch(conn, Batch(events=events if i == 0 else [], tickets=chunk))
        if variant == "once_at_end":
            with store.transaction() as conn:
                index(conn, first)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if variant != "no_index":  # rank 1: the index is compared with the tickets table row by row
            store.conn.execute("INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('integrity-check', 1)")
    n = sum(len(c) for c in chunks)
    size = sum(p.stat().st_size for p in data_dir.glob("checkin.sqlite3*"))
    shutil.rmtree(data_dir)
    return {"variant": variant, "tickets_per_s": round(n / wall), "tickets_per_cpu_s": round(n / cpu),
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "db_mb": round(size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args()
    chunks = list(generate(args.tickets, args.events))
    events = bench_events(args.events)
    workdir = Path(tempfile.mkdtemp(prefix="checkin-import-paths-"))
    try:
        rows = [run_variant(v, chunks, events, workdir) for v in VARIANTS]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({"tickets": args.tickets, "variants": rows}, indent=2))


if __name__ == "__main__":
    main()
