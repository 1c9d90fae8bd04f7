"""The venue hub at scale (issue 18 §6): a real nats-server started by the app (`HubServer`), one
real door (`checkin-app doors serve --hub`, its own process) and N-1 emulated doors.

    .venv/bin/python -m scripts.bench.hub [--doors 2,10,50,150] [--idle-s 8] [--load-s 20] [--procs 4]
                                          [--partition-s 10] [--partition-share 0.1] [--skew-s 240] [--json]

Emulated doors are light asyncio clients speaking the real hub format (`sync.hub_wire`), spread
over `--procs` processes (at 150 doors they read ~11,000 rows a second between them): each has
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
- the emulator processes' CPU: when they are starved (a loaded machine), propagation between
  emulated doors measures the emulator too; the real door's figure does not share that bias.
  The load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import multiprocessing
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


class EmulatedDoor:
    """One door as the hub sees it: a connection, a durable consumer, a journal of sealed rows.

    It keeps what it made (`made`: seq, when, made while partitioned) and what it read (`reads`:
    device, seq, when) on the machine's monotonic clock, which every process shares.
    """

    def __init__(self, i: int, key: bytes, url: str, skew_s: float, rng: random.Random, counter=None):
        self.device = f"emu-{i:03d}"
        self.key, self.url, self.counter = key, url, counter
        self.names = hub_wire.HubNames(door_auth.venue_id(key))
        self.skew = timedelta(seconds=rng.uniform(-skew_s, skew_s))
        self.phase = rng.uniform(0, SCAN_EVERY_S)
        self.journal: list[dict] = []
        self.made: list[tuple[int, float, bool]] = []
        self.reads: list[tuple[str, int, float]] = []
        self.seen: set[tuple[str, int]] = set()
        self.published = 0
        self.mark = 0  # the last stream sequence read (a real door keeps it in its database)
        self.nc = None
        self.js = None
        self.sub = None
        self.reader: asyncio.Task | None = None
        self.partitioned = False
        self.flushing = asyncio.Lock()

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
                row_id = (row["device_id"], row["seq"])
                if row_id[0] != self.device and row_id not in self.seen:  # a row read again (redelivered) counts once
                    self.seen.add(row_id)
                    self.reads.append((*row_id, time.monotonic()))
                    if self.counter is not None:
                        self.counter.value += 1
            self.mark = msgs[-1].metadata.sequence.stream
            await msgs[-1].ack()

    def scan(self) -> None:
        seq = len(self.journal) + 1
        code = f"{self.device}-{seq}"
        at = (datetime.now(timezone.utc) + self.skew).isoformat(timespec="milliseconds")
        self.journal.append({"device_id": self.device, "seq": seq, "op": "scan", "verdict": "admitted",
                             "provider": "bench", "event_remote_id": "E1", "ticket_remote_id": code, "code": code,
                             "door": f"Emulated {self.device}", "payload": {}, "at": at, "nonce": secrets.token_hex(16)})
        self.made.append((seq, time.monotonic(), self.partitioned))

    async def _flush(self) -> None:
        """Publish the journal beyond `published`, in order (one flusher at a time: the scan loop
        and a reconnect may both want to, and two would skip a row between them)."""
        async with self.flushing:
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


def _worker(ids: list[int], key: bytes, url: str, skew_s: float, seed: int, pipe, counter) -> None:
    """A process of emulated doors (several processes, so the emulator is not one Python's GIL)."""
    asyncio.run(_worker_main(ids, key, url, skew_s, seed, pipe, counter))


async def _worker_main(ids, key, url, skew_s, seed, pipe, counter) -> None:
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    doors = [EmulatedDoor(i, key, url, skew_s, rng, counter) for i in ids]
    for door in doors:
        await door.connect()
    pipe.send("ready")
    plan = await loop.run_in_executor(None, pipe.recv)
    cut = [d for d in doors if d.device in plan["cut"]]
    scanners = [asyncio.ensure_future(d.run_scans(plan["until"])) for d in doors]
    await asyncio.sleep(max(0.0, plan["cut_at"] - time.monotonic()))
    for d in cut:
        d.partitioned = True
        await d.disconnect()
    await asyncio.sleep(max(0.0, plan["heal_at"] - time.monotonic()))
    for d in cut:
        d.partitioned = False
        await d.connect()
    await asyncio.gather(*scanners)
    pipe.send({d.device: d.made for d in doors})
    await loop.run_in_executor(None, pipe.recv)  # every row read everywhere, or the master gave up
    pipe.send({d.device: d.reads for d in doors})
    for d in doors:
        await d.disconnect()


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
    rng = random.Random(n)
    ids = list(range(n - 1))
    procs = max(1, min(args.procs, len(ids)))
    ctx = multiprocessing.get_context("spawn")
    workers, pipes, counters = [], [], []
    real = RealDoor(root / f"n{n}", key_text, server.url)
    try:
        started = time.monotonic()
        for w in range(procs if ids else 0):
            mine, theirs = ctx.Pipe()
            counter = ctx.Value("q", 0, lock=False)
            proc = ctx.Process(target=_worker, args=(ids[w::procs], key, server.url, args.skew_s, n * 100 + w, theirs,
                                                     counter), daemon=True)
            proc.start()
            workers.append(proc)
            pipes.append(mine)
            counters.append(counter)
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise SystemExit("an emulator process did not connect its doors")
        _say(f"N={n}: {len(ids)} emulated doors in {len(workers)} processes connected in "
             f"{time.monotonic() - started:.1f} s")
        real_name = f"door {real.device}"
        deadline = time.monotonic() + 30
        while real_name not in connz(monitor) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.0)  # let connects and consumer creation settle before measuring idle
        emulator = [psutil.Process(p.pid) for p in workers]

        def bench_cpu() -> float:
            return sum(cpu_s(p) for p in emulator)
        # -- idle --
        c0, h0, r0, m0 = connz(monitor), cpu_s(hub_ps), cpu_s(real.ps), bench_cpu()
        t0 = time.monotonic()
        await asyncio.sleep(args.idle_s)
        dt = time.monotonic() - t0
        c1, h1, r1, m1 = connz(monitor), cpu_s(hub_ps), cpu_s(real.ps), bench_cpu()
        idle = {"real_door_cpu_cores": (r1 - r0) / dt,
                "real_door_requests_per_s": (c1.get(real_name, 0) - c0.get(real_name, 0)) / dt,
                "emulated_door_requests_per_s": statistics.mean(
                    [(c1.get(f"emu emu-{i:03d}", 0) - c0.get(f"emu emu-{i:03d}", 0)) / dt for i in ids]) if ids else None,
                "hub_cpu_cores": (h1 - h0) / dt, "emulator_cpu_cores": (m1 - m0) / dt}
        # -- load, with a partition --
        cut = sorted(rng.sample([f"emu-{i:03d}" for i in ids], max(1, int(len(ids) * args.partition_share)))) \
            if len(ids) >= 3 else []
        t0 = time.monotonic() + 0.5
        until = t0 + args.load_s
        cut_at = t0 + min(3.0, args.load_s / 4)
        heal_at = cut_at + args.partition_s if cut else cut_at
        plan = {"until": until, "cut": cut, "cut_at": cut_at, "heal_at": heal_at}
        for pipe in pipes:
            pipe.send(plan)
        h0, r0, m0, c0 = cpu_s(hub_ps), cpu_s(real.ps), bench_cpu(), connz(monitor)
        _say(f"N={n}: scanning; {len(cut)} doors partitioned from +{cut_at - t0:.0f} s to +{heal_at - t0:.0f} s")
        real_reads: list[tuple[str, int, float]] = []

        def watch_real() -> None:
            now = time.monotonic()
            real_reads.extend((d, s, now) for d, s in real.arrivals())
        while time.monotonic() < until + 0.5:
            watch_real()
            await asyncio.sleep(0.02)
        dt = time.monotonic() - t0
        h1, r1, m1, c1 = cpu_s(hub_ps), cpu_s(real.ps), bench_cpu(), connz(monitor)
        made: dict[tuple[str, int], tuple[float, bool]] = {}
        for pipe in pipes:
            while not pipe.poll(0.02):
                watch_real()
            for device, rows in pipe.recv().items():
                made.update({(device, seq): (t, apart) for seq, t, apart in rows})
        expected = len(made) * (len(ids) - 1)
        _say(f"N={n}: scans done ({len(made)} rows); waiting for {expected:,} reads")
        deadline = time.monotonic() + 120
        while sum(c.value for c in counters) < expected and time.monotonic() < deadline:
            watch_real()
            await asyncio.sleep(0.02)
        while len({(d, s) for d, s, _ in real_reads} & made.keys()) < len(made) and time.monotonic() < deadline:
            watch_real()
            await asyncio.sleep(0.02)
        for pipe in pipes:
            pipe.send("stop")
        reads: dict[str, list[tuple[str, int, float]]] = {}
        for pipe in pipes:
            reads.update(pipe.recv())
        steady, late = [], []
        last_read, partition_done = until, heal_at
        for reader, got in reads.items():
            for device, seq, t in got:
                t_made, apart = made[(device, seq)]
                (late if apart or reader in cut else steady).append(t - t_made)
                last_read = max(last_read, t)
                if apart or (reader in cut and t_made < heal_at):
                    partition_done = max(partition_done, t)
        to_real = [t - made[(d, s)][0] for d, s, t in real_reads if (d, s) in made and not made[(d, s)][1]]
        complete = sum(len(g) for g in reads.values()) >= expected
        load = {"rows": len(made), "rows_made_partitioned": sum(1 for _, apart in made.values() if apart),
                "propagation_p50_ms": _ms(pct(steady, 0.50)), "propagation_p95_ms": _ms(pct(steady, 0.95)),
                "propagation_p99_ms": _ms(pct(steady, 0.99)), "propagation_max_ms": _ms(max(steady, default=None)),
                "deliveries": len(steady) + len(late),
                "to_real_door_p50_ms": _ms(pct(to_real, 0.50)), "to_real_door_p95_ms": _ms(pct(to_real, 0.95)),
                "real_door_rows": real.db.execute("SELECT COUNT(*) FROM journal WHERE device_id LIKE 'emu-%'").fetchone()[0],
                "real_door_conflicts": real.db.execute("SELECT COUNT(*) FROM conflicts").fetchone()[0],
                "hub_cpu_cores": (h1 - h0) / dt, "real_door_cpu_cores": (r1 - r0) / dt, "emulator_cpu_cores": (m1 - m0) / dt,
                "real_door_requests_per_s": (c1.get(real_name, 0) - c0.get(real_name, 0)) / dt,
                "partitioned_doors": len(cut), "partition_s": args.partition_s if cut else 0,
                "converged_after_heal_s": round(partition_done - heal_at, 2) if cut else None, "converged": complete,
                "all_rows_everywhere_after_last_scan_s": round(last_read - until, 2),
                "load_avg_1m": os.getloadavg()[0]}
        return {"doors": n, "emulator_processes": len(workers), "idle": idle, "load": load}
    finally:
        for proc in workers:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
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
    ap.add_argument("--procs", type=int, default=4, help="processes the emulated doors are spread over")
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
            f"{lo['real_door_requests_per_s']:.1f} req/s; emulator {lo['emulator_cpu_cores'] * 100:.0f}% CPU; "
            f"partition {lo['partitioned_doors']} doors x {lo['partition_s']} s -> converged "
            f"{lo['converged_after_heal_s']} s after; every row at every door {lo['all_rows_everywhere_after_last_scan_s']} s "
            f"after the last scan ({'all rows' if lo['converged'] else 'INCOMPLETE'}); "
            f"conflicts at the real door {lo['real_door_conflicts']}; load avg {lo['load_avg_1m']:.2f}")


if __name__ == "__main__":
    main()
