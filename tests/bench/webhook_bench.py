"""Webhook receiver throughput: `checkin-app webhooks serve` (a real subprocess on loopback) under a
bounded load from a second process, with zero lost and zero duplicated checked by counting the inbox.

    .venv/bin/python -m tests.bench.webhook_bench [--deliveries 3000] [--duplicates 0.1] [--concurrency 8] [--json]

Load: Ticketor "New Ticket Sale" deliveries (about 600 bytes each, one ticket each, unique barcodes),
plus a share of exact re-sends, posted by a separate Python process with httpx from `--concurrency`
threads over keep-alive connections. Each 201 means stored (SQLite, synchronous=FULL, one commit
per delivery) and applied to the relay's tickets before the answer. Baseline in the same run, same
server, same sender: the same bodies posted to a wrong path token (404: the HTTP + routing cost
without storage). Figures are not asserted anywhere; they are printed for the README.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKENS = {"CHECKIN_TICKETOR_TOKEN": "bench_tor_" + "t" * 32, "CHECKIN_TICKETSOLVE_TOKEN": "bench_tsv_" + "s" * 32,
          "CHECKIN_RELAY_TOKEN": "bench_relay_" + "r" * 32}

SENDER = r'''
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
import httpx
url, n, dup_share, concurrency = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
def body(i):
    return json.dumps({"Id": 1_000_000 + i, "InvoiceId": 70_000 + i // 3, "Status": "sold", "Section": "Stalls",
                       "Row": str(i % 30), "Seat": i % 40, "BuyPrice": 25, "SellPrice": 25, "ServiceCharge": 1.25,
                       "PriceLevelName": "GA", "Barcode": str(880_000_000 + i), "ExpirationDate": "2200-01-01T08:00:00Z",
                       "LastScannedAt": None, "DeliveryMethod": "Direct",
                       "Event": {"EventId": 4242, "EventName": "Bench night", "EventDate": "2026-12-01T19:00:00Z"},
                       "Buyer": {"Id": i, "FirstName": "Guest", "LastName": str(i), "Email": f"g{i}@example.com"}}).encode()
unique = int(round(n / (1 + dup_share)))
step = max(1, int(1 / dup_share)) if dup_share else 0
bodies = [body(i) for i in range(unique)]
bodies += [bodies[i] for i in range(0, unique, step)][: n - unique] if step else []
client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency))
def post(b):
    return client.post(url, content=b, headers={"Content-Type": "application/json"}).status_code
started = time.perf_counter()
with ThreadPoolExecutor(concurrency) as pool:
    statuses = list(pool.map(post, bodies))
elapsed = time.perf_counter() - started
counts = {}
for s in statuses:
    counts[str(s)] = counts.get(str(s), 0) + 1
print(json.dumps({"sent": len(bodies), "unique": unique, "duplicates": len(bodies) - unique, "seconds": elapsed,
                  "statuses": counts}))
'''


def send(url: str, n: int, dup_share: float, concurrency: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", SENDER, url, str(n), str(dup_share), str(concurrency)],
                          capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"sender failed: {proc.stderr}")
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of exact re-sends")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
        data_dir = Path(tmp) / "relay"
        server = subprocess.Popen([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), "webhooks", "serve",
                                   "--port", "0", "--json", "--show-secrets"], cwd=ROOT, env={**os.environ, **TOKENS},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline()
            if not line:
                raise SystemExit(f"webhooks serve did not start: {server.stderr.read()}")
            info = json.loads(line)
            route = info["routes"]["ticketor"]
            baseline = send(route[:-4] + "XXXX", args.deliveries, args.duplicates, args.concurrency)
            stored = send(route, args.deliveries, args.duplicates, args.concurrency)
        finally:
            server.terminate()
            server.wait(30)
            server.stdout.close()
            server.stderr.close()
        db = sqlite3.connect(data_dir / "checkin.sqlite3")
        rows, hashes = db.execute("SELECT COUNT(*), COUNT(DISTINCT content_hash) FROM webhook_inbox").fetchone()
        tickets = db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        unapplied = db.execute("SELECT COUNT(*) FROM webhook_inbox WHERE applied_at IS NULL").fetchone()[0]
        db.close()
    report = {
        "deliveries": stored["sent"], "unique": stored["unique"], "exact_duplicates": stored["duplicates"],
        "concurrency": args.concurrency, "statuses": stored["statuses"], "seconds": round(stored["seconds"], 3),
        "accepted_per_s": round(stored["sent"] / stored["seconds"], 1),
        "stored_per_s": round(stored["unique"] / stored["seconds"], 1),
        "inbox_rows": rows, "distinct_bodies": hashes, "tickets": tickets, "unapplied": unapplied,
        "lost": stored["unique"] - rows, "duplicated": rows - hashes,
        "baseline_404_per_s": round(baseline["sent"] / baseline["seconds"], 1),
        "baseline_statuses": baseline["statuses"],
    }
    report["accepted_vs_baseline"] = round(report["accepted_per_s"] / report["baseline_404_per_s"], 3)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{report['deliveries']} deliveries ({report['unique']} unique + {report['exact_duplicates']} exact re-sends), "
              f"{args.concurrency} concurrent connections, from a second process")
        print(f"  accepted {report['accepted_per_s']}/s, stored durably and applied {report['stored_per_s']} unique/s "
              f"({report['seconds']} s); statuses {report['statuses']}")
        print(f"  baseline (same bodies, wrong path token, 404, no storage): {report['baseline_404_per_s']}/s; "
              f"ratio {report['accepted_vs_baseline']}")
        print(f"  inbox: {rows} rows, {hashes} distinct bodies, {tickets} tickets; lost {report['lost']}, "
              f"duplicated {report['duplicated']}, unapplied {unapplied}")
    return 0 if report["lost"] == 0 and report["duplicated"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
