"""Answer time of a signed Ticket Tailor delivery while 210 idle TCP connections are open (issue 14).

    .venv/bin/python -m tests.bench.idle_flood_bench [--seconds 15] [--interval 0.02] [--idle 210] [--json]

`checkin-app webhooks serve` runs as a real subprocess on loopback. The bench posts signed ORDER.CREATED
deliveries (the real recorded Ticket Tailor body, each with its own delivery id, order id and
barcode, signed at the current time, so each is stored durably and applied: a 201) one at a time
over one kept-alive connection, one every `--interval` seconds for `--seconds` per phase (longer
than the guard's 10 s header timeout, so idle connections are cut and reopened during a phase),
and times each answer. Phases, all in the same run against the
same server: a warm-up (not reported), quiet, then with `--idle` connections open that never send
a byte, from one loopback address (127.0.0.2) and then from as many addresses (127.0.x.y), then
quiet again. The attacker is a separate process (so it does not share the timing client's GIL)
that keeps the idle connections open: whenever the server closes one (the guard's header timeout,
its per-address cap) it opens another one second later, so the flood holds for the whole phase.
Figures are printed, never asserted (see README).
"""
from __future__ import annotations

import argparse
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature  # noqa: E402
from tests.helpers.idle_flood import loopback_sources  # noqa: E402
from tests.paths import REAL_TT  # noqa: E402

SECRET = "bench_whsec_" + "w" * 24
TOKENS = {"CHECKIN_TICKETOR_TOKEN": "bench_tor_" + "t" * 32, "CHECKIN_TICKETSOLVE_TOKEN": "bench_tsv_" + "s" * 32,
          "CHECKIN_RELAY_TOKEN": "bench_relay_" + "r" * 32, "BENCH_TT_SECRET": SECRET}


def deliveries(n: int, start: int) -> list[bytes]:
    """n distinct ORDER.CREATED bodies made from the real recorded one."""
    text = (REAL_TT / "webhook-order-created.body.json").read_text()
    out = []
    for i in range(start, start + n):
        out.append(text.replace("wh_1072228", f"wh_b{i}").replace("or_46629271", f"or_b{i}")
                   .replace("R59xesv", f"B{i:07d}").replace("it_72697654", f"it_b{i}").encode())
    return out


class Flood:
    """Keep `count` idle connections open from `sources`, reopening any the server closes a second later."""

    def __init__(self, port: int, count: int, sources: list[str]):
        self.port, self.count, self.sources = port, count, sources
        self.sockets: list[socket.socket | None] = [None] * count
        self.closed_at: dict[int, float] = {}
        self.reopened = 0

    def _open(self, i: int) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.sources[i % len(self.sources)], 0))
        sock.setblocking(False)
        try:
            sock.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        self.sockets[i] = sock

    def hold(self, seconds: float) -> None:
        for i in range(self.count):
            self._open(i)
        print("open", flush=True)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and sys.stdin.readable():
            live = [s for s in self.sockets if s is not None]
            readable, _, _ = select.select(live + [sys.stdin], [], [], 0.1)
            if sys.stdin in readable:
                return  # the bench says stop
            now = time.monotonic()
            for i, sock in enumerate(self.sockets):
                if sock is not None and sock in readable:  # closed by the server (EOF or a 503)
                    sock.close()
                    self.sockets[i], self.closed_at[i] = None, now
                elif sock is None and now - self.closed_at.get(i, 0) >= 1.0:
                    self._open(i)
                    self.reopened += 1


def flood_process(port: int, count: int, sources: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.idle_flood_bench", "--flood", str(port), str(count),
                             *sources], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    time.sleep(0.5)  # let the server take them in
    return proc


def stop_flood(proc: subprocess.Popen) -> int:
    proc.stdin.write("stop\n")
    proc.stdin.close()
    reopened = int(proc.stdout.readline() or 0)
    proc.wait(10)
    proc.stdout.close()
    return reopened


def timed_posts(base_url: str, seconds: float, interval: float, start: int) -> dict:
    times, statuses = [], {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        ends = time.monotonic() + seconds
        i = start
        while time.monotonic() < ends:
            [body] = deliveries(1, i)
            i += 1
            header = tickettailor_signature(SECRET, int(time.time()), body)
            started = time.perf_counter()
            try:
                status = client.post("/hooks/tickettailor", content=body,
                                     headers={"Content-Type": "application/json", TT_HEADER: header}).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            times.append((time.perf_counter() - started) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            time.sleep(interval)
    times.sort()
    return {"n": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2), "max_ms": round(times[-1], 2), "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--interval", type=float, default=0.02, help="pause between deliveries")
    parser.add_argument("--idle", type=int, default=210)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--flood", nargs="+", help=argparse.SUPPRESS)  # the attacker process: PORT COUNT SOURCES...
    args = parser.parse_args(argv)
    if args.flood:
        flood = Flood(int(args.flood[0]), int(args.flood[1]), args.flood[2:])
        flood.hold(3600)
        print(flood.reopened, flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="idle-flood-bench-") as tmp:
        server = subprocess.Popen([sys.executable, "-m", "checkin_app", "--data-dir", str(Path(tmp) / "relay"), "webhooks",
                                   "serve", "--port", "0", "--json", "--tickettailor-secret-env", "BENCH_TT_SECRET"],
                                  cwd=ROOT, env={**os.environ, **TOKENS}, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        try:
            info = json.loads(server.stdout.readline())
            base_url, port = info["base_url"], int(info["listening"].rsplit(":", 1)[1])
            report, start = {}, 0
            timed_posts(base_url, 2.0, args.interval, 10_000_000)  # warm-up: imports, caches, the WAL
            phases = [("quiet", None), (f"{args.idle} idle, one address", ["127.0.0.2"]),
                      (f"{args.idle} idle, {args.idle} addresses", loopback_sources(args.idle)), ("quiet again", None)]
            for name, sources in phases:
                flood = flood_process(port, args.idle, sources) if sources else None
                try:
                    report[name] = timed_posts(base_url, args.seconds, args.interval, start)
                finally:
                    if flood:
                        report[name]["idle_reopened"] = stop_flood(flood)
                start += report[name]["n"]
        finally:
            server.terminate()
            server.wait(30)
            server.stdout.close()
    quiet = statistics.mean([report["quiet"]["p50_ms"], report["quiet again"]["p50_ms"]])
    for name, figures in report.items():
        figures["p50_vs_quiet"] = round(figures["p50_ms"] / quiet, 2)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"signed Ticket Tailor deliveries, one every {args.interval} s for {args.seconds} s per phase, "
              "each stored durably and applied (201)")
        for name, f in report.items():
            print(f"  {name:<28} p50 {f['p50_ms']:>7} ms  p95 {f['p95_ms']:>7} ms  max {f['max_ms']:>7} ms  "
                  f"x{f['p50_vs_quiet']} of quiet  statuses {f['statuses']}"
                  + (f"  (idle connections reopened {f['idle_reopened']})" if "idle_reopened" in f else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
