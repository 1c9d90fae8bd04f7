"""Door replication at venue scale on one machine (issue 18): one real door against K emulated doors.

    .venv/bin/python -m scripts.bench.doors_sim [--sizes 2,10,50,150] [--idle-s 15] [--baseline /work/main]
                                               [--latency-s 30] [--partition-s 60] [--json]

The real door is a `checkin-app doors serve` process on a data dir holding a 50,000-row journal
(rows of ten earlier devices) and 5,000 cached tickets. The emulated doors live in this process
and speak the real protocol with the app's own code (`door_auth` signatures and nonces,
`peer_server.parse_ask`, `replica.row_problem`-valid wire rows, `DoorClient` pulls): one HTTP server
serves door i at `http://127.0.0.1:PORT/p{i}`, behind a TCP proxy (cut for a partition); each
emulated door pulls the real door when `sync.topology` says it would (all of them in a mesh, ~3 in
gossip) from its own loopback address (127.0.0.x, so the door's per-address connection cap sees
different doors). Emulated doors share one row store (they see each other at once: the figures are
the real door's, not the emulation's), their clocks are skewed by up to +-4 min (signatures and
rows), and they scan tickets at `--emulated-rate` per minute each.

Figures:
- idle: the real door's CPU (% of one core, from /proc) and requests per second (sent: its pulls
  and hellos; served: the emulated doors' pulls) at each size, for this branch (auto topology, and
  a forced mesh where auto chooses gossip) and for the `--baseline` checkout's door (today's main);
- at 10 doors, scans flowing: local scan p99 (scans at the real door's data dir from this process,
  `--local-rate` a second, while it applies replicated rows) and propagation p95 both ways;
- a `--partition-s` partition of the real door from every other, with scans on both sides, then
  healed: seconds until both sides hold the same rows;
- heads: `replica.heads` (maintained table) against `MAX(seq) GROUP BY device` on the 50,000 rows;
  the replay cache: this branch's verifier against the baseline's on 20,000 requests.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from checkin_app.domain.models import Batch
from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, journal, replica
from checkin_app.store.tickets import apply_batch
from checkin_app.sync import door_auth, topology
from checkin_app.sync.peer_server import API, CommitWake, parse_ask
from checkin_app.sync.peer_sync import DoorClient, PeerError
from checkin_app.webhooks.guard import ConnectionLimits
from checkin_app.webhooks.server import BackgroundServer
from tests.factories import NIGHT_ONE, ticket
from tests.helpers.tcp_proxy import TcpProxy
from tests.paths import ROOT

KEY_ENV = "CHECKIN_SIM_VENUE_KEY"
TICKETS = 5_000
JOURNAL_ROWS = 50_000
HISTORY_DEVICES = [f"hist{i:02d}" for i in range(10)]
SKEW_S = 240.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}+00:00"


# -- the real door's data dir -----------------------------------------------------------------------

def build_template(where: Path, key_text: str) -> Path:
    """A paired data dir with 5,000 tickets and a 50,000-row journal of ten earlier devices."""
    path = where / "template"
    os.environ[KEY_ENV] = key_text
    with Store(path) as store:
        doors_service.join_venue(store, key_text, "Real door", KEY_ENV)
        with store.transaction() as conn:
            apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket(f"T{n:05d}") for n in range(TICKETS)]))
        at = _iso(time.time() - 3600)
        with store.transaction() as conn:
            for n in range(JOURNAL_ROWS):  # refused scans: a journal's bulk, no ticket to recompute
                journal.append(conn, device_id=HISTORY_DEVICES[n % len(HISTORY_DEVICES)], op="scan", at=at,
                               code=f"X{n:06d}", verdict="not_found", door="Earlier shift")
        store.db.checkpoint()
    return path


def baseline_template(template: Path, baseline: Path) -> Path:
    """The template as the baseline's schema knows it: this branch's migration 7 taken off."""
    import sqlite3

    spec = importlib.util.spec_from_file_location("baseline_schema", baseline / "checkin_app/store/schema.py")
    schema = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(schema)
    path = template.parent / "template-baseline"
    shutil.copytree(template, path)
    conn = sqlite3.connect(path / "checkin.sqlite3", isolation_level=None)
    conn.executescript("DROP TRIGGER replica_heads_journal; DROP TRIGGER replica_heads_quarantine;"
                       f" DROP TABLE replica_heads; PRAGMA user_version = {len(schema.MIGRATIONS)};")
    conn.close()
    return path


# -- the emulated doors -------------------------------------------------------------------------------

class EmulatedVenue:
    """K emulated doors: one shared row store, one HTTP server (door i at /p{i}), pullers of the real door."""

    def __init__(self, key: bytes, k: int, template: Path, real_device: str, legacy: bool, seed: int = 7):
        self.key, self.k, self.legacy = key, k, legacy
        self.venue_id = door_auth.venue_id(key)
        self.ids = [f"emu{i:03d}" for i in range(k)]
        rng = random.Random(seed)
        self.skew = {d: rng.uniform(-SKEW_S, SKEW_S) for d in self.ids}
        self.real_device = real_device
        self.rows: dict[str, list[dict]] = {}
        self.arrived: dict[tuple[str, int], float] = {}  # rows of the real door: when they reached us
        self.lock = threading.Lock()
        self.wake = CommitWake()
        self.served = self.pulls_sent = 0
        self.partitioned = threading.Event()
        self._stop = threading.Event()
        self._verifier = door_auth.RequestVerifier(key)
        with Store(template) as store:  # the emulated doors hold what the real door holds
            after: dict[str, int] = {}
            while True:
                page = replica.rows_after(store.conn, after, 1000)
                if not page:
                    break
                for row in page:
                    self.rows.setdefault(row["device_id"], []).append(row)
                    after[row["device_id"]] = row["seq"]
        app = Starlette(routes=[Route("/p{i:int}/door/v1/{what}", self._serve, methods=["GET", "POST"])])
        self.server = BackgroundServer(app, limits=ConnectionLimits(per_client=4096, total=8192), name="emulated")
        self.proxy = TcpProxy()

    def start(self) -> None:
        self.server.start()
        self.proxy.target = ("127.0.0.1", self.server.port)

    def url(self, i: int) -> str:
        return f"{self.proxy.url}/p{i}"

    def heads(self) -> dict[str, int]:
        with self.lock:
            return {d: rows[-1]["seq"] for d, rows in self.rows.items() if rows}

    def add(self, rows: list[dict], now: float) -> None:
        with self.lock:
            for row in rows:
                held = self.rows.setdefault(row["device_id"], [])
                if row["seq"] == (held[-1]["seq"] if held else 0) + 1:
                    held.append(row)
                    if row["device_id"] == self.real_device:
                        self.arrived[(row["device_id"], row["seq"])] = now
        self.wake.set()

    def scan(self, i: int, code: str) -> tuple[str, int]:
        """Emulated door i admits `code` (a row as its door would write it, with its clock)."""
        device = self.ids[i]
        with self.lock:
            seq = len(self.rows.get(device, [])) + 1
        t = ticket(code)
        row = {"device_id": device, "seq": seq, "op": "scan", "verdict": "admitted", "provider": t.provider,
               "event_remote_id": t.event_remote_id, "ticket_remote_id": t.remote_id, "code": code,
               "door": f"Emulated {i}", "payload": {}, "at": _iso(time.time() + self.skew[device]),
               "nonce": uuid.uuid4().hex}
        assert replica.row_problem(row) is None
        self.add([row], time.time())
        return device, seq

    # serving: the real door pulls emulated door i
    async def _serve(self, request: Request) -> Response:
        i, what = request.path_params["i"], request.path_params["what"]
        body = await request.body()
        device = self.ids[i] if i < self.k else "?"
        target = f"{API}/{what}"  # what the client signs: the path after the door's base URL
        who = self._verifier.check(request.method, target, request.headers, body,
                                   now=time.time() + self.skew.get(device, 0.0))
        if not isinstance(who, door_auth.Verified) or i >= self.k:
            return Response(b'{"error":"unauthorized"}', status_code=401)
        self.served += 1
        if what == "hello":
            doc = {"venue": self.venue_id, "device_id": device, "door": f"Emulated {i}", "heads": self.heads()}
        else:
            ask = parse_ask(body)
            if isinstance(ask, str):
                return self._signed(who.nonce, 400, {"error": ask})
            after, limit, wait = ask
            deadline = time.monotonic() + wait
            while True:
                seen = self.wake.generation
                doc = self._page(device, after, limit, who.device_id)
                left = deadline - time.monotonic()
                if doc["rows"] or left <= 0 or self._stop.is_set():
                    break
                if not await self.wake.wait(seen, left):
                    break
        return self._signed(who.nonce, 200, doc)

    def _page(self, device: str, after: dict[str, int], limit: int, asker: str) -> dict:
        rows: list[dict] = []
        with self.lock:
            heads = {d: r[-1]["seq"] for d, r in self.rows.items() if r}
            for d, held in sorted(self.rows.items()):
                if (d == asker and not self.legacy) or len(rows) >= limit:
                    continue
                have = after.get(d, 0)
                rows += held[have:have + limit - len(rows)]  # seqs are 1..n, gap-free
        return {"venue": self.venue_id, "device_id": device, "door": device, "heads": heads, "rows": rows,
                "more": len(rows) >= limit}

    def _signed(self, nonce: str, status: int, doc: dict) -> Response:
        body = json.dumps(doc, separators=(",", ":")).encode("ascii")
        return Response(body, status_code=status, media_type="application/json",
                        headers={door_auth.H_SIGNATURE: door_auth.sign_response(self.key, nonce, status, body)})

    # pulling: emulated door i pulls the real door (when its topology says so)
    def start_pullers(self, real_url: str, mode: str) -> None:
        everyone = [*self.ids, self.real_device]
        for i, device in enumerate(self.ids):
            if mode != "baseline":
                peers = {d: d for d in everyone if d != device}
                chosen = topology.choose(device, peers, time.time(), mode=mode, rotate_s=1e9).pulling
                if self.real_device not in chosen:
                    continue
            threading.Thread(target=self._pull, args=(i, device, real_url), daemon=True).start()

    def _pull(self, i: int, device: str, url: str) -> None:
        client = DoorClient(url, self.key, device, clock=lambda: time.time() + self.skew[device])
        client._http.close()
        client._http = httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.{1 + i // 250}.{1 + i % 250}"),
                                    trust_env=False)
        wait = 0.0
        while not self._stop.is_set():
            if self.partitioned.is_set():
                self._stop.wait(0.2)
                wait = 0.0
                continue
            try:
                self.pulls_sent += 1
                doc = client.pull(self.heads(), wait=wait)
                if not self.partitioned.is_set():
                    self.add([r for r in doc.get("rows", []) if isinstance(r, dict)], time.time())
                wait = 2.0
            except PeerError:
                self._stop.wait(0.5)
                wait = 0.0
        client.close()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        self.server.stop()
        self.proxy.close()


# -- one run --------------------------------------------------------------------------------------

RUNNING: list["Run"] = []  # stopped by `main` whatever happens (an interrupted run leaves no door behind)


class Run:
    """The real door (this branch, or the baseline checkout) against K = n - 1 emulated doors."""

    def __init__(self, tmp: Path, template: Path, key_text: str, n: int, mode: str, code_root: Path):
        self.data_dir = tmp / f"door-{n}-{mode}-{uuid.uuid4().hex[:6]}"
        shutil.copytree(template, self.data_dir)
        self.key = door_auth.parse_key(key_text)
        # The emulated doors hold the same rows (read from this branch's template: the baseline's
        # must stay unopened by this code, which would migrate it).
        self.venue = EmulatedVenue(self.key, n - 1, tmp / "template", "?", legacy=mode == "baseline")
        self.venue.start()
        args = [sys.executable, "-m", "checkin_app", "--data-dir", str(self.data_dir), "doors", "serve", "--json",
                "--host", "127.0.0.1", "--port", "0", "--no-discovery"]
        args += [a for i in range(n - 1) for a in ("--peer", self.venue.url(i))]
        if mode != "baseline":
            args += ["--topology", mode]
        env = {**os.environ, KEY_ENV: key_text, "PYTHONPATH": str(code_root)}
        self.stderr = open(self.data_dir / "stderr.txt", "w")
        self.proc = subprocess.Popen(args, cwd=code_root, env=env, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        RUNNING.append(self)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the door did not start: {(self.data_dir / 'stderr.txt').read_text()[-2000:]}")
        started = json.loads(line)
        if "url" not in started:
            raise RuntimeError(f"the door did not start: {line}")
        self.url, self.device = started["url"], started["device_id"]
        self.venue.real_device = self.device
        self.venue.start_pullers(self.url, mode)
        # Opened after the door: on a baseline door's data dir this adds migration 7 (its triggers
        # fill a table the baseline never reads) without stopping the baseline from opening it.
        self.store = Store(self.data_dir)

    def cpu_s(self) -> float:
        return _proc_cpu_s(self.proc.pid)

    def caught_up(self) -> bool:
        mine, theirs = replica.heads(self.store.conn), self.venue.heads()
        return all(mine.get(d, 0) >= s for d, s in theirs.items()) and \
            theirs.get(self.device, 0) >= mine.get(self.device, 0)

    def wait_caught_up(self, timeout: float) -> float:
        start = time.monotonic()
        while not self.caught_up():
            if time.monotonic() - start > timeout:
                return float("inf")
            time.sleep(0.005)
        return time.monotonic() - start

    def stop(self) -> None:
        if self not in RUNNING:
            return
        RUNNING.remove(self)
        self.venue.stop()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc.stdout.close()
        self.stderr.close()
        if hasattr(self, "store"):
            self.store.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def idle(run: Run, settle_s: float, idle_s: float) -> dict:
    run.wait_caught_up(60)
    time.sleep(settle_s)  # start-up: hellos, first pulls
    cpu0, sent0, served0, t0 = run.cpu_s(), run.venue.served, run.venue.pulls_sent, time.monotonic()
    time.sleep(idle_s)
    dt = time.monotonic() - t0
    return {"cpu_pct": round(100 * (run.cpu_s() - cpu0) / dt, 1),
            "sent_per_s": round((run.venue.served - sent0) / dt, 1),
            "served_per_s": round((run.venue.pulls_sent - served0) / dt, 1)}


def scan_worker(data_dir: Path, rate: float, seconds: float, first: int, seed: int) -> None:
    """`--scan-worker`: scan at the door's data dir from a process of its own (as the desktop app
    or `checkin-app scan` does), one JSON line a scan: its seq, when it committed, how long it took."""
    rng = random.Random(seed)
    with Store(data_dir) as store:
        service = CheckinService(store, door="Real door")
        end, n = time.monotonic() + seconds, first
        while time.monotonic() < end:
            started = time.perf_counter()
            service.scan(f"T{n:05d}")
            ms = (time.perf_counter() - started) * 1000
            print(json.dumps({"seq": replica.heads(store.conn)[store.device_id], "t": time.time(), "ms": ms}),
                  flush=True)
            n += 1
            time.sleep(rng.expovariate(rate))


def local_scans(run: Run, seconds: float, rate: float, first: int) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "scripts.bench.doors_sim", "--scan-worker", str(run.data_dir),
                           "--local-rate", str(rate), "--latency-s", str(seconds), "--first-code", str(first)],
                          cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def traffic(run: Run, seconds: float, local_rate: float, emulated_rate_min: float, rng: random.Random,
            partition_s: float = 0.0) -> dict:
    """Scans on both sides for `seconds`; local scan times and propagation both ways.

    Local scans come from a process of their own; before the emulated doors start scanning, the
    same number of local scans with nothing to replicate give the named baseline (`alone`).
    """
    run.wait_caught_up(60)
    alone = local_scans(run, min(seconds, 10.0), local_rate, first=0)
    run.wait_caught_up(30)
    codes = [f"T{n:05d}" for n in range(TICKETS // 2, TICKETS)]  # the local scans take the first half
    rng.shuffle(codes)
    pending: dict[tuple[str, int], float] = {}
    to_door_ms: list[float] = []
    stop = threading.Event()

    def emulated():
        period = 60.0 / (emulated_rate_min * max(1, run.venue.k))
        while not stop.wait(rng.expovariate(1 / period)):
            key = run.venue.scan(rng.randrange(run.venue.k), codes.pop())
            pending[key] = time.monotonic()

    def watch():  # when the real door holds each emulated row (its own connection, every 5 ms)
        with Store(run.data_dir) as store:
            while not stop.is_set() or pending:
                heads = replica.heads(store.conn)
                for key, t in list(pending.items()):
                    if heads.get(key[0], 0) >= key[1]:
                        to_door_ms.append((time.monotonic() - t) * 1000)
                        del pending[key]
                if stop.is_set() and time.monotonic() > stopped_at[0] + 30:
                    break
                time.sleep(0.005)
    stopped_at = [float("inf")]
    threads = [threading.Thread(target=emulated, daemon=True), threading.Thread(target=watch, daemon=True)]
    for thread in threads:
        thread.start()
    if partition_s:
        run.venue.partitioned.set()
        run.venue.proxy.cut()
    scans = local_scans(run, seconds, local_rate, first=len(alone) + 1)
    stopped_at[0] = time.monotonic()
    stop.set()
    out: dict = {}
    if partition_s:
        run.venue.proxy.heal()
        run.venue.partitioned.clear()
        out["converged_after_heal_s"] = round(run.wait_caught_up(60), 2)
    threads[1].join(40)
    if not partition_s:
        run.wait_caught_up(30)
        reached = [(run.venue.arrived[(run.device, s["seq"])] - s["t"]) * 1000 for s in scans
                   if (run.device, s["seq"]) in run.venue.arrived]
        out |= {"propagation_to_door_ms_p50": round(_pct(to_door_ms, 0.5), 1),
                "propagation_to_door_ms_p95": round(_pct(to_door_ms, 0.95), 1),
                "propagation_from_door_ms_p50": round(_pct(reached, 0.5), 1),
                "propagation_from_door_ms_p95": round(_pct(reached, 0.95), 1)}
    ms = [s["ms"] for s in scans]
    out |= {"local_scans": len(ms), "local_scan_ms_p50": round(statistics.median(ms), 2),
            "local_scan_ms_p99": round(_pct(ms, 0.99), 2), "local_scan_ms_max": round(max(ms), 1),
            "alone_scan_ms_p50": round(statistics.median([s["ms"] for s in alone]), 2),
            "alone_scan_ms_p99": round(_pct([s["ms"] for s in alone], 0.99), 2),
            "emulated_rows": sum(len(v) for d, v in run.venue.rows.items() if d.startswith("emu"))}
    return out


# -- small figures -------------------------------------------------------------------------------------

def heads_figure(template: Path) -> dict:
    with Store(template) as store:
        def timed(fn, n=50):
            start = time.perf_counter()
            for _ in range(n):
                fn(store.conn)
            return (time.perf_counter() - start) / n * 1000
        return {"journal_rows": JOURNAL_ROWS, "group_by_ms": round(timed(replica.heads_from_journal), 3),
                "table_ms": round(timed(replica.heads), 4)}


def nonce_figure(baseline: Path | None, n: int = 20_000) -> dict:
    key = door_auth.new_key()
    requests = [door_auth.sign_request(key, "d", "GET", "/door/v1/hello", b"", now=1000.0) for _ in range(n)]

    def timed(module) -> float:
        verifier = module.RequestVerifier(key)
        start = time.perf_counter()
        for j, h in enumerate(requests):
            assert verifier.verify("GET", "/door/v1/hello", h, b"", now=1000.0 + j * 0.01)
        return round(time.perf_counter() - start, 3)
    out = {"requests": n, "this_branch_s": timed(door_auth)}
    if baseline is not None:
        spec = importlib.util.spec_from_file_location("baseline_door_auth", baseline / "checkin_app/sync/door_auth.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        out["baseline_s"] = timed(module)
    return out


def real_venue(tmp: Path, n: int, mode: str, seconds: float, partition_s: float, rate_min: float,
               rng: random.Random) -> dict:
    """`n` real `doors serve` processes (tests.helpers.doors.DoorCluster: each reaches each other
    through its own TCP proxy), `mode` topology: idle CPU a door, propagation of scans made at
    random doors to every door (multi-hop in gossip), then convergence after a partition of the
    venue in two halves with scans on both sides."""
    from tests.helpers.doors import DoorCluster

    codes = [f"R{k:04d}" for k in range(2000)]
    venue = DoorCluster(tmp / f"real-{n}-{mode}", n=n, codes=codes, serve_args=["--topology", mode])
    stores: list[Store] = []
    try:
        venue.start_all()
        stores = [venue.store(i) for i in range(n)]

        def cpu() -> float:
            return sum(_proc_cpu_s(p.pid) for p in venue.procs if p is not None)

        def everywhere(device: str, seq: int) -> bool:
            return all(replica.heads(s.conn).get(device, 0) >= seq for s in stores)
        time.sleep(5)  # hellos and first pulls
        c0, t0 = cpu(), time.monotonic()
        time.sleep(min(10.0, seconds))
        out: dict = {"doors": n, "mode": mode, "idle_cpu_pct_per_door": round(
            100 * (cpu() - c0) / (time.monotonic() - t0) / n, 2)}
        rng.shuffle(codes)
        reach_ms = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            i = rng.randrange(n)
            started = time.monotonic()
            CheckinService(stores[i], door=venue.names[i]).scan(codes.pop())
            seq = replica.heads(stores[i].conn)[venue.device_ids[i]]
            while not everywhere(venue.device_ids[i], seq) and time.monotonic() - started < 30:
                time.sleep(0.005)
            reach_ms.append((time.monotonic() - started) * 1000)
            time.sleep(rng.expovariate(rate_min * n / 60.0))
        out |= {"scans": len(reach_ms), "reach_all_ms_p50": round(_pct(reach_ms, 0.5), 1),
                "reach_all_ms_p95": round(_pct(reach_ms, 0.95), 1)}
        if partition_s:
            venue.partition(set(range(n // 2)), set(range(n // 2, n)))
            end = time.monotonic() + partition_s
            while time.monotonic() < end:
                i = rng.randrange(n)
                CheckinService(stores[i], door=venue.names[i]).scan(codes.pop())
                time.sleep(rng.expovariate(rate_min * n / 60.0))
            venue.heal()
            started = time.monotonic()
            while not all(replica.heads(s.conn) == replica.heads(stores[0].conn) for s in stores[1:]):
                if time.monotonic() - started > 120:
                    break
                time.sleep(0.01)
            out["partition_s"] = partition_s
            out["converged_after_heal_s"] = round(time.monotonic() - started, 2)
        return out
    finally:
        venue.stop()


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="2,10,50,150")
    p.add_argument("--idle-s", type=float, default=15.0)
    p.add_argument("--settle-s", type=float, default=5.0)
    p.add_argument("--latency-s", type=float, default=30.0)
    p.add_argument("--local-rate", type=float, default=10.0, help="local scans a second at the real door")
    p.add_argument("--emulated-rate", type=float, default=60.0, help="scans a minute at each emulated door")
    p.add_argument("--partition-s", type=float, default=60.0)
    p.add_argument("--baseline", type=Path, default=None, help="a checkout of today's main, for the baseline door")
    p.add_argument("--real", default="", metavar="N:MODE,...",
                   help="also run N real door processes in MODE (mesh/gossip/auto), e.g. 16:gossip,16:mesh")
    p.add_argument("--real-partition-s", type=float, default=60.0)
    p.add_argument("--skip", default="", help="comma-separated parts to skip: idle,latency,partition,small")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scan-worker", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--first-code", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.scan_worker:
        scan_worker(args.scan_worker, args.local_rate, args.latency_s, args.first_code, seed=args.first_code)
        return 0
    skip = set(filter(None, args.skip.split(",")))
    key_text = door_auth.key_text(door_auth.new_key())
    tmp = Path(tempfile.mkdtemp(prefix="doors-sim-"))
    result: dict = {"loadavg_start": os.getloadavg()}
    rng = random.Random(18)
    try:
        template = build_template(tmp, key_text)
        if "small" not in skip:
            result["heads"] = heads_figure(template)
            result["nonce_cache"] = nonce_figure(args.baseline)
        codes = [("this branch", "auto", ROOT)]
        templates = {"this branch": template}
        if args.baseline is not None:
            codes.append(("baseline", "baseline", args.baseline))
            templates["baseline"] = baseline_template(template, args.baseline)
        if "idle" not in skip:
            result["idle"] = []
            for n in [int(s) for s in args.sizes.split(",")]:
                modes = [("this branch", "auto", ROOT)]
                if n > topology.MESH_MAX_DOORS:
                    modes.append(("this branch", "mesh", ROOT))
                modes += codes[1:]
                for label, mode, root in modes:
                    run = Run(tmp, templates[label], key_text, n, mode, root)
                    try:
                        figure = {"doors": n, "code": label, "mode": mode, **idle(run, args.settle_s, args.idle_s)}
                    finally:
                        run.stop()
                    result["idle"].append(figure)
                    print(json.dumps(figure), file=sys.stderr, flush=True)
        for part, seconds, partition in (("latency", args.latency_s, 0.0), ("partition", args.partition_s, 1.0)):
            if part in skip:
                continue
            result[part] = []
            for label, mode, root in codes if part == "latency" else codes[:1]:
                run = Run(tmp, templates[label], key_text, 10, mode, root)
                try:
                    figure = {"doors": 10, "code": label, **traffic(run, seconds, args.local_rate, args.emulated_rate,
                                                                    rng, partition_s=seconds * partition)}
                finally:
                    run.stop()
                result[part].append(figure)
                print(json.dumps(figure), file=sys.stderr, flush=True)
        for spec in filter(None, args.real.split(",")):
            n, mode = spec.split(":")
            figure = real_venue(tmp, int(n), mode, args.latency_s, args.real_partition_s, args.emulated_rate, rng)
            result.setdefault("real", []).append(figure)
            print(json.dumps(figure), file=sys.stderr, flush=True)
    finally:
        for run in list(RUNNING):
            run.stop()
        result["loadavg_end"] = os.getloadavg()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
