"""The venue hub at scale (issue 18 §6): a real nats-server started by the app (`HubServer`), one
real door (`checkin-app doors serve --hub`, its own process) and N-1 emulated doors.

    .venv/bin/python -m scripts.bench.hub [--doors 2,10,50,150] [--idle-s 8] [--load-s 20]
                                          [--partition-s 10] [--partition-share 0.1] [--skew-s 240] [--json]

Emulated doors are light asyncio clients speaking the real hub format (`sync.hub_wire`): each has
its own connection with the venue's nkey and its own durable consumer, publishes journal rows
sealed with the venue key at 30 scans a minute (one every 2 s, random phase), and reads and
unseals every other door's rows. Each door's clock is skewed by a random offset within
±`--skew-s` (the rows' `at`); the hub orders nothing by clock, so skew must cost nothing. During
the load window a share of the emulated doors is partitioned from the hub (connection closed) for
`--partition-s`; they go on scanning into their journal and publish it when they are back.

For each N:
- idle (no scans, `--idle-s`): the real door's CPU (psutil, its whole process) and its requests
  to the hub per second (nats-server's monitoring counters: messages in from its connection);
  the hub's CPU (the nats-server process).
- load (`--load-s`): propagation of every row to every other connected emulated door (scan ->
  unsealed at the reader, one monotonic clock: p50/p95/p99/max), and to the real door (scan ->
  committed in its SQLite journal, polled every 20 ms); hub CPU; the real door's CPU.
- partition: seconds from the partitioned doors' return until every door holds every row.
- the bench process's own CPU (the emulated doors): when it nears a core, propagation measures
  the emulator too. The load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import os
import random
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nats
import psutil

from checkin_app.services import doors as doors_service
from checkin_app.store import Store
from checkin_app.sync import door_auth, hub_wire
from checkin_app.sync.hub_link import ensure_stream, open_consumer
from checkin_app.sync.hub_server import HubServer, _free_port
from tests.paths import ROOT

SCAN_EVERY_S = 2.0  # 30 scans a minute
KEY_ENV = "CHECKIN_BENCH_HUB_KEY"


class Stats:
    """Rows made (when, by whom) and who has read them; one monotonic clock for everything."""

    def __init__(self):
        self.made: dict[tuple[str, int], float] = {}
        self.partitioned: set[tuple[str, int]] = set()
        self.latency: list[float] = []
        self.latency_partitioned: list[float] = []
        self.readers: dict[tuple[str, int], int] = {}

    def read(self, row_id: tuple[str, int], reader_cut: bool) -> None:
        """A reader unsealed a row; rows made or read across the partition are kept apart."""
        made = self.made.get(row_id)
        if made is None:
            return
        late = reader_cut or row_id in self.partitioned
        (self.latency_partitioned if late else self.latency).append(time.monotonic() - made)
        self.readers[row_id] = self.readers.get(row_id, 0) + 1


class EmulatedDoor:
    """One door as the hub sees it: a connection, a durable consumer, a journal of sealed rows."""

    def __init__(self, i: int, key: bytes, url: str, stats: Stats, skew_s: float, rng: random.Random):
        self.device = f"emu-{i:03d}"
        self.key, self.url, self.stats = key, url, stats
        self.names = hub_wire.HubNames(door_auth.venue_id(key))
        self.skew = timedelta(seconds=rng.uniform(-skew_s, skew_s))
        self.phase = rng.uniform(0, SCAN_EVERY_S)
        self.journal: list[dict] = []
        self.published = 0
        self.nc = None
        self.js = None
        self.sub = None
        self.reader: asyncio.Task | None = None
        self.partitioned = False
        self.was_cut = False  # partitioned during this run: what it reads counts apart
        self.seen: set[tuple[str, int]] = set()
        self.mark = 0  # the last stream sequence read (a real door keeps it in its database)

    async def connect(self) -> None:
        self.nc = await nats.connect(self.url, nkeys_seed_str=hub_wire.nkey_seed(self.key), name=f"emu {self.device}",
                                     allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5)
        self.js = self.nc.jetstream(timeout=10)
        await ensure_stream(self.js, self.names)
        self.sub = await open_consumer(self.js, self.names, self.device, self.mark)
        self.reader = asyncio.ensure_future(self._read())
        await self._flush()

    async def disconnect(self) -> None:
        """Close the connection first: nats-py's fetch can swallow a cancellation, a closed link ends it."""
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.close(), 5.0)
            except asyncio.TimeoutError:
                _say(f"{self.device}: the connection did not close within 5 s")
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.wait([self.reader], timeout=5.0)
        self.nc = self.js = self.sub = self.reader = None

    async def _read(self) -> None:
        nc = self.nc
        while not nc.is_closed:
            try:
                msgs = await self.sub.fetch(500, timeout=2.0)
            except asyncio.TimeoutError:
                continue
            except nats.errors.ConnectionClosedError:
                return
            if not msgs:
                continue
            for msg in msgs:
                row = hub_wire.open_row(self.key, msg.subject, msg.data, msg.headers)
                if row["device_id"] != self.device:
                    self.stats.read((row["device_id"], row["seq"]), self.was_cut)
                    self.seen.add((row["device_id"], row["seq"]))
            self.mark = msgs[-1].metadata.sequence.stream
            await msgs[-1].ack()

    def scan(self) -> None:
        seq = len(self.journal) + 1
        code = f"{self.device}-{seq}"
        at = (datetime.now(timezone.utc) + self.skew).isoformat(timespec="milliseconds")
        self.journal.append({"device_id": self.device, "seq": seq, "op": "scan", "verdict": "admitted",
                             "provider": "bench", "event_remote_id": "E1", "ticket_remote_id": code, "code": code,
                             "door": f"Emulated {self.device}", "payload": {}, "at": at, "nonce": secrets.token_hex(16)})
        self.stats.made[(self.device, seq)] = time.monotonic()
        if self.partitioned:
            self.stats.partitioned.add((self.device, seq))

    async def _flush(self) -> None:
        while self.js is not None and self.published < len(self.journal):
            row = self.journal[self.published]
            body, headers = hub_wire.seal_row(self.key, row)
            await self.js.publish(self.names.subject(self.device), body, stream=self.names.stream, headers=headers)
            self.published += 1

    async def run_scans(self, until: float) -> None:
        await asyncio.sleep(self.phase)
        while time.monotonic() < until:
            self.scan()
            if not self.partitioned:
                try:
                    await self._flush()
                except Exception:  # noqa: BLE001 - a publish cut by the partition: kept, sent later
                    pass
            await asyncio.sleep(SCAN_EVERY_S)


class RealDoor:
    """`checkin-app doors serve --hub` in its own process, paired with the venue."""

    def __init__(self, root: Path, key_text: str, hub_url: str):
        self.dir = root / "real-door"
        with Store(self.dir) as store:
            doors_service.join_venue(store, key_text, "Real door", KEY_ENV)
            self.device = store.device_id
        env = {**os.environ, KEY_ENV: key_text, "PYTHONPATH": str(ROOT)}
        self.stderr = open(self.dir / "stderr.txt", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "checkin_app", "--data-dir", str(self.dir), "doors", "serve", "--json",
             "--host", "127.0.0.1", "--port", "0", "--no-discovery", "--hub", hub_url],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        if not self.proc.stdout.readline():
            raise SystemExit(f"the real door did not start: {(self.dir / 'stderr.txt').read_text()}")
        self.ps = psutil.Process(self.proc.pid)
        self.db = sqlite3.connect(f"file:{self.dir / 'checkin.sqlite3'}?mode=ro", uri=True)
        self.last_id = 0

    def arrivals(self) -> list[tuple[str, int]]:
        rows = self.db.execute("SELECT id, device_id, seq FROM journal WHERE id > ? ORDER BY id",
                               (self.last_id,)).fetchall()
        if rows:
            self.last_id = rows[-1][0]
        return [(d, s) for _, d, s in rows]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.db.close()
        self.stderr.close()


def cpu_s(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def connz(monitor_port: int) -> dict[str, int]:
    """Messages received by the hub per connection name."""
    with urllib.request.urlopen(f"http://127.0.0.1:{monitor_port}/connz?limit=1024", timeout=5) as resp:
        doc = json.load(resp)
    return {c.get("name", ""): c.get("in_msgs", 0) for c in doc.get("connections", [])}


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_one(n: int, args, root: Path) -> dict:
    key = door_auth.new_key()
    key_text = door_auth.key_text(key)
    hub_dir = root / f"hub-{n}"
    with Store(hub_dir) as store:
        doors_service.join_venue(store, key_text, "Hub", KEY_ENV)
    monitor = _free_port("127.0.0.1")
    server = HubServer(hub_dir, key, host="127.0.0.1", port=0, monitor_port=monitor).start()
    hub_ps = psutil.Process(server.pid())
    me = psutil.Process()
    rng = random.Random(n)
    stats = Stats()
    emulated = [EmulatedDoor(i, key, server.url, stats, args.skew_s, rng) for i in range(n - 1)]
    real = RealDoor(root / f"n{n}", key_text, server.url)
    try:
        started = time.monotonic()
        for door in emulated:
            await door.connect()
        _say(f"N={n}: {len(emulated)} emulated doors connected in {time.monotonic() - started:.1f} s")
        # Wait for the real door's link (its state in its own database).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            names = connz(monitor)
            if any(name == f"door {real.device}" for name in names):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.0)  # let connects and consumer creation settle before measuring idle
        # -- idle --
        real_name = f"door {real.device}"
        c0, h0, r0, m0 = connz(monitor), cpu_s(hub_ps), cpu_s(real.ps), cpu_s(me)
        t0 = time.monotonic()
        await asyncio.sleep(args.idle_s)
        dt = time.monotonic() - t0
        c1, h1, r1, m1 = connz(monitor), cpu_s(hub_ps), cpu_s(real.ps), cpu_s(me)
        idle = {"real_door_cpu_cores": (r1 - r0) / dt, "real_door_requests_per_s": (c1.get(real_name, 0) - c0.get(real_name, 0)) / dt,
                "emulated_door_requests_per_s": statistics.mean(
                    [(c1.get(f"emu {d.device}", 0) - c0.get(f"emu {d.device}", 0)) / dt for d in emulated]) if emulated else None,
                "hub_cpu_cores": (h1 - h0) / dt, "bench_cpu_cores": (m1 - m0) / dt}
        # -- load, with a partition --
        cut = rng.sample(emulated, max(1, int(len(emulated) * args.partition_share))) if len(emulated) >= 3 else []
        real_latency: list[float] = []
        h0, r0, m0, c0 = cpu_s(hub_ps), cpu_s(real.ps), cpu_s(me), connz(monitor)
        t0 = time.monotonic()
        until = t0 + args.load_s
        scanners = [asyncio.ensure_future(d.run_scans(until)) for d in emulated]

        async def watch_real() -> None:
            while True:
                now = time.monotonic()
                for row_id in real.arrivals():
                    made = stats.made.get(row_id)
                    if made is not None and row_id not in stats.partitioned:
                        real_latency.append(now - made)
                await asyncio.sleep(0.02)
        watcher = asyncio.ensure_future(watch_real())

        _say(f"N={n}: idle measured; scanning")
        await asyncio.sleep(min(3.0, args.load_s / 4))
        for d in cut:
            d.partitioned = d.was_cut = True
            await d.disconnect()
        _say(f"N={n}: {len(cut)} doors partitioned")
        await asyncio.sleep(args.partition_s)
        healed = time.monotonic()
        # Convergence after the partition: the rows made apart reached every other door, and the
        # doors that were apart hold every row the others made before they came back.
        readers = len(emulated) - 1
        before_heal = [r for r, made in stats.made.items() if made < healed]

        def converged() -> bool:
            return all(stats.readers.get(r, 0) >= readers for r in stats.partitioned) and all(
                r in d.seen for d in cut for r in before_heal if r[0] != d.device)

        async def wait_converged() -> float:
            while time.monotonic() < healed + 60 and not converged():
                await asyncio.sleep(0.02)
            return time.monotonic() - healed
        convergence = asyncio.ensure_future(wait_converged())
        for d in cut:
            d.partitioned = False
            await d.connect()
        _say(f"N={n}: partition healed")
        await asyncio.gather(*scanners)
        dt = time.monotonic() - t0
        h1, r1, m1, c1 = cpu_s(hub_ps), cpu_s(real.ps), cpu_s(me), connz(monitor)
        _say(f"N={n}: scans done; waiting for convergence")
        converged_s = await convergence
        complete = converged()
        # Every row at every emulated door: when the emulator itself falls behind (one Python process
        # reading N x (N-1) x 0.5 rows a second), this is where it shows.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(stats.readers.get(r, 0) < readers for r in stats.made):
            await asyncio.sleep(0.05)
        everywhere_s = time.monotonic() - until
        complete = complete and not any(stats.readers.get(r, 0) < readers for r in stats.made)
        await asyncio.sleep(1.0)
        watcher.cancel()
        real_rows = real.db.execute("SELECT COUNT(*) FROM journal WHERE device_id LIKE 'emu-%'").fetchone()[0]
        conflicts = real.db.execute("SELECT COUNT(*) FROM conflicts").fetchone()[0]
        load = {"rows": len(stats.made), "rows_made_partitioned": len(stats.partitioned),
                "propagation_p50_ms": _ms(pct(stats.latency, 0.50)), "propagation_p95_ms": _ms(pct(stats.latency, 0.95)),
                "propagation_p99_ms": _ms(pct(stats.latency, 0.99)), "propagation_max_ms": _ms(max(stats.latency, default=None)),
                "deliveries": len(stats.latency),
                "to_real_door_p50_ms": _ms(pct(real_latency, 0.50)), "to_real_door_p95_ms": _ms(pct(real_latency, 0.95)),
                "real_door_rows": real_rows, "real_door_conflicts": conflicts,
                "hub_cpu_cores": (h1 - h0) / dt, "real_door_cpu_cores": (r1 - r0) / dt, "bench_cpu_cores": (m1 - m0) / dt,
                "real_door_requests_per_s": (c1.get(real_name, 0) - c0.get(real_name, 0)) / dt,
                "partitioned_doors": len(cut), "partition_s": args.partition_s if cut else 0,
                "converged_after_heal_s": round(converged_s, 2) if cut else None, "converged": complete,
                "all_rows_everywhere_after_last_scan_s": round(everywhere_s, 2),
                "load_avg_1m": os.getloadavg()[0]}
        return {"doors": n, "idle": idle, "load": load}
    finally:
        for d in emulated:
            await d.disconnect()
        real.stop()
        server.stop()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doors", default="2,10,50,150", help="door counts, comma separated")
    ap.add_argument("--idle-s", type=float, default=8.0)
    ap.add_argument("--load-s", type=float, default=20.0)
    ap.add_argument("--partition-s", type=float, default=10.0)
    ap.add_argument("--partition-share", type=float, default=0.1)
    ap.add_argument("--skew-s", type=float, default=240.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID`: where the bench is, if it seems stuck
    results = []
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        for n in [int(x) for x in args.doors.split(",")]:
            result = asyncio.run(run_one(n, args, Path(tmp)))
            results.append(result)
            if not args.json:
                print(_line(result), flush=True)
    out = {"load_avg": os.getloadavg(), "cpus": os.cpu_count(), "results": results}
    print(json.dumps(out, indent=2) if args.json else f"load average {out['load_avg']} on {out['cpus']} cores")


def _line(r: dict) -> str:
    i, lo = r["idle"], r["load"]
    return (f"N={r['doors']:>3}  idle: real door {i['real_door_cpu_cores'] * 100:.1f}% CPU, "
            f"{i['real_door_requests_per_s']:.2f} req/s; hub {i['hub_cpu_cores'] * 100:.1f}% CPU | "
            f"load: {lo['rows']} rows, propagation p50 {lo['propagation_p50_ms']} ms p95 {lo['propagation_p95_ms']} ms "
            f"p99 {lo['propagation_p99_ms']} ms; to the real door p95 {lo['to_real_door_p95_ms']} ms; "
            f"hub {lo['hub_cpu_cores'] * 100:.1f}% CPU; real door {lo['real_door_cpu_cores'] * 100:.1f}% CPU, "
            f"{lo['real_door_requests_per_s']:.1f} req/s; emulator {lo['bench_cpu_cores'] * 100:.0f}% CPU; "
            f"partition {lo['partitioned_doors']} doors x {lo['partition_s']} s -> converged "
            f"{lo['converged_after_heal_s']} s after; every row at every door {lo['all_rows_everywhere_after_last_scan_s']} s "
            f"after the last scan ({'all rows' if lo['converged'] else 'INCOMPLETE'}); "
            f"conflicts at the real door {lo['real_door_conflicts']}; load avg {lo['load_avg_1m']:.2f}")


if __name__ == "__main__":
    main()
