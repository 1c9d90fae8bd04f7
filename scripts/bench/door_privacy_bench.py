"""What sealing door replication costs (issue 18, point 4): a page of 1,000 journal rows.

    .venv/bin/python -m scripts.bench.door_privacy_bench [--rows 1000] [--rounds 40] [--json]

Measures, in one run, against named baselines:
- crypto: `door_crypto.seal` + `unseal` of one page's JSON, against the JSON encoding and decoding
  of the same page (what every page costs anyway);
- pull: one page pulled over real loopback HTTP by `DoorClient.pull` from a `DoorApp`
  (protocol 2 as shipped), against the same code with `seal`/`unseal` replaced by a pass-through
  that keeps the format byte and nonce (so sizes and everything else stay the same: the baseline
  is the protocol without AES-GCM). Rounds alternate between the two so machine load hits both alike.
Data: one door with `--rows` scans (half of them walk-ups issued with a name and email), the
page is everything after an empty cursor.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.sync import door_auth, door_crypto
from checkin_app.sync.peer_server import DoorApp
from checkin_app.sync.peer_sync import DoorClient
from checkin_app.webhooks.server import BackgroundServer
from tests.helpers.doors import seed

KEY = door_auth.new_key()


def _build(data_dir: Path, rows: int) -> None:
    codes = [f"P{n:05d}x" for n in range(rows // 2)]
    seed(data_dir, codes)
    with Store(data_dir) as store:
        service = CheckinService(store, door="Door A")
        event_id = store.conn.execute("SELECT id FROM events LIMIT 1").fetchone()[0]
        for n, code in enumerate(codes):
            service.scan(code)
            service.issue(event_id, f"Walk Up {n}", f"walk{n}@example.com")


def _passthrough():
    """seal/unseal without AES-GCM: the same bytes around the plaintext, no cipher."""
    pad = bytes(door_crypto.OVERHEAD - 1 - door_crypto.NONCE_BYTES)

    def seal(key, plaintext, aad=b"", *, purpose="door"):
        return bytes([door_crypto.FORMAT]) + os.urandom(door_crypto.NONCE_BYTES) + plaintext + pad

    def unseal(key, sealed, aad=b"", *, purpose="door"):
        return bytes(sealed[1 + door_crypto.NONCE_BYTES:len(sealed) - len(pad)])
    return seal, unseal


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3)}


def run(rows: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "door"
        _build(data_dir, rows)
        with Store(data_dir) as store:
            page = replica.rows_after(store.conn, {}, 1000)
        doc = {"venue": door_auth.venue_id(KEY), "device_id": "d", "door": "Door A", "heads": {}, "rows": page,
               "more": False}
        plain = json.dumps(doc, separators=(",", ":")).encode("ascii")

        json_s, crypto_s = [], []
        for _ in range(rounds * 5):
            start = time.perf_counter()
            json.loads(json.dumps(doc, separators=(",", ":")).encode("ascii"))
            json_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            door_crypto.unseal(KEY, door_crypto.seal(KEY, plain, b"aad"), b"aad")
            crypto_s.append(time.perf_counter() - start)

        app = DoorApp(data_dir, KEY, "Door A")
        server = BackgroundServer(app.app)
        server.start()
        client = DoorClient(f"http://127.0.0.1:{server.port}", KEY, "door-b")
        real = door_crypto.seal, door_crypto.unseal
        fake = _passthrough()
        sealed_s, bare_s = [], []
        try:
            client.hello()
            for n in range(rounds * 2 + 2):
                sealed_round = n % 2 == 0
                door_crypto.seal, door_crypto.unseal = real if sealed_round else fake
                start = time.perf_counter()
                got = client.pull({}, limit=1000)
                took = time.perf_counter() - start
                assert len(got["rows"]) == len(page)
                if n >= 2:  # the first round of each warms the connection and caches
                    (sealed_s if sealed_round else bare_s).append(took)
        finally:
            door_crypto.seal, door_crypto.unseal = real
            client.close()
            server.stop()
            app.close()
    return {
        "rows_in_page": len(page), "page_bytes": len(plain), "load_average_1m": round(os.getloadavg()[0], 2),
        "crypto": {"json_encode_decode": _ms(json_s), "seal_unseal": _ms(crypto_s),
                   "ratio": round(statistics.median(crypto_s) / statistics.median(json_s), 3)},
        "pull": {"protocol_2_without_aes (baseline)": _ms(bare_s), "protocol_2_sealed": _ms(sealed_s),
                 "added_ms_median": round((statistics.median(sealed_s) - statistics.median(bare_s)) * 1000, 3),
                 "ratio": round(statistics.median(sealed_s) / statistics.median(bare_s), 3)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.rows, args.rounds)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
