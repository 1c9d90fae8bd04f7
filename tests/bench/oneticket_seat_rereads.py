"""1Ticket: what the event-day seat re-read costs, in requests per sync (issue 12, item 9).

    .venv/bin/python -m tests.bench.oneticket_seat_rereads [--tonight 120] [--other 40] [--syncs 8] [--interval 30]

A simulated account (loopback) holds `--tonight` purchases for an event today and `--other` for an
event next year. The sync runs `--syncs` times, its clock `--interval` seconds apart; the table gives
the requests of each sync by endpoint, with and without the re-read (baseline: the purchase
fingerprint alone, `seat_rereads_per_sync = 0`).
"""
from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from checkin_app.providers.oneticket_api import OneTicketClient
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.oneticket import OneTicketSync
from tests.simulators.oneticket import OneTicketSandbox


def run(tonight: int, other: int, syncs: int, interval: float, rereads_per_sync: int | None) -> list[Counter]:
    today = datetime.now().strftime("%m/%d/%Y") + " 11:00:00 PM"
    with OneTicketSandbox() as sim, tempfile.TemporaryDirectory() as tmp, Store(Path(tmp)) as store:
        for n in range(tonight):
            sim.add_purchase("Tonight", today, seats=[("A", "1", str(n), f"7{n:07d}")])
        for n in range(other):
            sim.add_purchase("Next year", "7/11/2099 7:00:00 PM", seats=[("B", "1", str(n), f"8{n:07d}")])
        settings = {} if rereads_per_sync is None else {"seat_rereads_per_sync": rereads_per_sync}
        with store.transaction() as conn:
            connection = conns.add(conn, "bench", "oneticket", sim.base_url, settings)
        client = OneTicketClient(sim.base_url, sim.token)
        start, out = datetime.now().replace(hour=18, minute=0, second=0), []
        for i in range(syncs):
            seen = len(sim.request_log)
            OneTicketSync(store, connection, client, now=lambda i=i: start + timedelta(seconds=i * interval)).pull()
            out.append(Counter(r.path.rstrip("/").rsplit("/", 1)[-1] for r in sim.request_log[seen:]))
        client.close()
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tonight", type=int, default=120)
    parser.add_argument("--other", type=int, default=40)
    parser.add_argument("--syncs", type=int, default=8)
    parser.add_argument("--interval", type=float, default=30.0)
    args = parser.parse_args(argv)
    baseline = run(args.tonight, args.other, args.syncs, args.interval, 0)
    reread = run(args.tonight, args.other, args.syncs, args.interval, None)
    print(f"{args.tonight} purchases tonight, {args.other} next year; a sync every {args.interval:g} s")
    print(f"{'sync':>4} {'t (s)':>6} {'baseline getpdf':>16} {'re-read getpdf':>15} {'other requests':>15}")
    for i, (b, r) in enumerate(zip(baseline, reread)):
        print(f"{i + 1:>4} {i * args.interval:>6g} {b['getpdf']:>16} {r['getpdf']:>15} "
              f"{sum(v for k, v in r.items() if k != 'getpdf'):>15}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
