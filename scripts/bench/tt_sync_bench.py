"""Ticket Tailor sync figures (issue 3): the real client and engine against the real simulator.

    .venv/bin/python -m scripts.bench.tt_sync_bench [--tickets 100000] [--json]

Measures, for one event of N tickets: requests and wall time of the first sync (against the
ceil(N/100) floor), of a second sync after 50 new tickets and 20 voids, tickets ingested per
second, and the same first sync with 10% of responses failing with 503 and a rate budget that
forces 429s, checking the final ticket set and statuses against the simulator exactly.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services.connections import Credentials, connect
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync import engine

KEY = "sk_bench_key_0001"


def _exact(store: Store, sandbox: TicketTailorSandbox, event: str) -> bool:
    local = {r[0]: r[1] for r in store.conn.execute("SELECT code, status FROM tickets")}
    upstream = {}
    for t in sandbox.event_ticket_ids(event):
        rendered = sandbox.ticket(t)
        upstream[rendered["barcode"]] = "void" if rendered["status"] == "voided" else "valid"
    return local == upstream


def _sync(store: Store, sandbox: TicketTailorSandbox) -> tuple[dict, float, int]:
    sandbox.clear_log()
    started = time.perf_counter()
    report = engine.sync_connection(store, conns.by_name(store.conn, "box"))
    return report.to_dict(), time.perf_counter() - started, len(sandbox.request_log)


def run(n: int, named_fraction: float) -> dict:
    os.environ["TT_BENCH_KEY"] = KEY
    out: dict = {"tickets": n, "named_fraction": named_fraction, "request_floor": math.ceil(n / 100)}
    with TicketTailorSandbox(KEY, seed=1) as sandbox, tempfile.TemporaryDirectory() as tmp:
        event = sandbox.seed_event("Bench night", n, named_fraction=named_fraction)
        with Store(Path(tmp) / "door") as store:
            connect(store, "tickettailor", "box", sandbox.base_url, Credentials(api_key_env="TT_BENCH_KEY"))
            report, wall, requests = _sync(store, sandbox)
            by_path = {}
            for r in sandbox.request_log:
                by_path[r.path] = by_path.get(r.path, 0) + 1
            out["first_sync"] = {"complete": report["complete"], "requests": requests, "requests_by_path": by_path,
                                 "wall_ms": round(wall * 1000), "tickets_per_s": round(n / wall),
                                 "exact": _exact(store, sandbox, event)}
            ids = sandbox.event_ticket_ids(event)
            sandbox.add_tickets(event, 50, named_fraction=1.0)
            for t in ids[1000:1020]:
                sandbox.void(t)
            report, wall, requests = _sync(store, sandbox)
            out["second_sync"] = {"complete": report["complete"], "requests": requests, "wall_ms": round(wall * 1000),
                                  "exact": _exact(store, sandbox, event)}

    # The same first download through a flaky, rate-limited API.
    with TicketTailorSandbox(KEY, seed=2) as sandbox, tempfile.TemporaryDirectory() as tmp:
        event = sandbox.seed_event("Flaky night", n, named_fraction=named_fraction)
        for t in sandbox.event_ticket_ids(event)[::97]:
            sandbox.void(t)
        sandbox.faults.fail_fraction = 0.10
        sandbox.set_rate_limit(40, 1.0)  # far below the real 10,000 per 30 min, so 429s come quickly
        sandbox.rate.send_headers = False  # no budget headers to pace by: every limit is met as a 429
        with Store(Path(tmp) / "door") as store:
            connection, _ = connect(store, "tickettailor", "box", sandbox.base_url, Credentials(api_key_env="TT_BENCH_KEY"))
            # Short backoff base so the run measures behaviour, not a 0.5 s wait per 503.
            with store.transaction() as conn:
                conns.update_settings(conn, connection.id, {**connection.settings,
                                                            "retry": {"base_delay": 0.05, "max_attempts": 8}})
            report, wall, requests = _sync(store, sandbox)
            statuses = [r.status for r in sandbox.request_log]
            out["flaky_first_sync"] = {"complete": report["complete"], "requests": requests, "wall_ms": round(wall * 1000),
                                       "http_503": statuses.count(503), "http_429": statuses.count(429),
                                       "exact": _exact(store, sandbox, event)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--named-fraction", type=float, default=1.0,
                    help="share of orders whose tickets carry attendee names (the rest need the orders walk)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.tickets, args.named_fraction)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
