"""Door memory under attack by strangers without the key (issue 14, item 3): a real
`checkin-app doors serve` process, its RSS read with psutil, the quiet baseline in the same run.

    .venv/bin/python -m scripts.bench.door_hardening_bench [--body-mb 400] [--fakes 25] [--fake-mb 64]
                                                         [--watch-s 15] [--compare-with DIR] [--json]

Attacks, each on a fresh door (2,000 cached tickets, paired, no peers):
- body: one POST to /door/v2/journal declaring and sending `--body-mb` MB, with well-formed but
  forged signature headers (the worst case: a body without them is not read at all); peak RSS
  while it is sent, bytes the door took before it answered;
- mdns: `--fakes` fake doors advertised by multicast DNS on loopback (python-zeroconf, the
  venue id in their TXT record: it is public), each answering any request with a `--fake-mb` MB
  unsigned body; the door runs with discovery on for `--watch-s` seconds: peak RSS, threads,
  and how many doors `doors status` lists;
- typed: the same fake doors given as `--peer` addresses instead.
`--compare-with DIR` runs the same attacks against the code in DIR (e.g. a `git archive` of
main before this change) in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from checkin_app.sync import door_auth
from checkin_app.sync.discovery import SERVICE_TYPE
from checkin_app.sync.peer_server import API
from tests.paths import ROOT

KEY_ENV = "CHECKIN_BENCH_VENUE_KEY"
_SETUP = """
import sys
from pathlib import Path
from checkin_app.services import doors
from checkin_app.store import Store
from tests.helpers.doors import seed
with Store(Path(sys.argv[1])) as store:
    doors.join_venue(store, None, "Bench door", sys.argv[2])
seed(Path(sys.argv[1]), [f"B{n:05d}q" for n in range(2000)])
"""
RSS_GUARD = 6 * 2**30  # stop an attack whose door passes this (old code: tens of GB otherwise)


class Door:
    """One `doors serve` process on loopback, from the code in `code_dir`."""

    def __init__(self, tmp: Path, code_dir: Path, key_text: str, args: list[str]):
        self.dir = tmp / f"door-{time.monotonic_ns()}"
        self.env = {**os.environ, KEY_ENV: key_text, "PYTHONPATH": str(code_dir)}
        # Paired and seeded by the code under test (an older schema refuses a newer data dir).
        subprocess.run([sys.executable, "-c", _SETUP, str(self.dir), KEY_ENV], cwd=code_dir, env=self.env, check=True)
        self.code_dir = code_dir
        self.stderr = open(self.dir / "stderr.txt", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "checkin_app", "--data-dir", str(self.dir), "doors", "serve", "--json",
             "--host", "127.0.0.1", "--port", "0", *args],
            cwd=code_dir, env=self.env, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the door did not start: {(self.dir / 'stderr.txt').read_text()}")
        self.port = int(json.loads(line)["url"].rsplit(":", 1)[1])
        self.ps = psutil.Process(self.proc.pid)
        time.sleep(1.0)  # let start-up allocations settle before the baseline
        self.baseline = self.rss()

    def rss(self) -> int:
        return self.ps.memory_info().rss

    def status_doors(self) -> int:
        out = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(self.dir), "doors", "status",
                              "--json"], cwd=self.code_dir, env=self.env, capture_output=True, text=True, timeout=60)
        return len(json.loads(out.stdout)["doors"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc.stdout.close()
        self.stderr.close()


class Peak:
    """Samples a door's RSS every 20 ms on a thread; `.peak` is the highest seen."""

    def __init__(self, door: Door):
        self.door, self.peak, self.threads = door, door.rss(), door.ps.num_threads()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, self.door.rss())
                self.threads = max(self.threads, self.door.ps.num_threads())
            except psutil.Error:
                return

    def stop(self) -> "Peak":
        self._stop.set()
        self._thread.join()
        return self


def body_attack(door: Door, mb: int) -> dict:
    headers = {door_auth.H_DEVICE: "stranger", door_auth.H_TIME: f"{time.time():.3f}",
               door_auth.H_NONCE: "ab" * 16, door_auth.H_SIGNATURE: "0" * 64, door_auth.H_TARGET: door_auth.ANY_DOOR}
    head = (f"POST {API}/journal HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {mb * 2**20}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n")
    chunk = b" " * 2**20
    peak = Peak(door)
    sent, answer = 0, b""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", door.port), timeout=30) as sock:
        sock.sendall(head.encode("ascii"))
        sock.settimeout(2.0)
        try:
            for _ in range(mb):
                sock.sendall(chunk)
                sent += len(chunk)
                if peak.peak > RSS_GUARD:
                    break
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the door stopped reading (it answered, or closed)
        sock.settimeout(30)
        try:
            answer = sock.recv(200)
        except OSError:
            answer = b""
    peak.stop()
    return {"baseline_mb": door.baseline / 2**20, "peak_mb": peak.peak / 2**20,
            "delta_mb": (peak.peak - door.baseline) / 2**20, "sent_mb": sent / 2**20,
            "answer": answer.split(b"\r\n", 1)[0].decode("latin-1"), "seconds": time.monotonic() - start}


class _FakeDoor(BaseHTTPRequestHandler):
    """A stranger's door: answers any request with a big unsigned body (chunked: no length to refuse early)."""

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        piece = b" " * 2**20
        try:
            for _ in range(self.server.mb):
                self.wfile.write(b"100000\r\n" + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


class _FakeServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the door hung up on a fake answer: that is the point


def fake_doors(n: int, mb: int) -> list[ThreadingHTTPServer]:
    servers = []
    for _ in range(n):
        server = _FakeServer(("127.0.0.1", 0), _FakeDoor)
        server.mb, server.daemon_threads = mb, True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def advertise(servers: list[ThreadingHTTPServer], venue: str) -> Zeroconf:
    zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    for i, server in enumerate(servers):
        zc.register_service(ServiceInfo(
            SERVICE_TYPE, f"Fake door {i} fake{i:04d}.{SERVICE_TYPE}", port=server.server_address[1],
            addresses=[socket.inet_aton("127.0.0.1")],
            properties={"v": "1", "venue": venue, "device": f"fake{i:04d}", "door": f"Fake {i}"}))
    return zc


def watch(door: Door, seconds: float, quiet: int) -> dict:
    """Peak RSS over `seconds` against `quiet` (a door of the same code without the attack: this
    door's own start-up baseline already includes the attack's first seconds)."""
    peak = Peak(door)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and peak.peak < RSS_GUARD and door.proc.poll() is None:
        time.sleep(0.1)
    peak.stop()
    return {"baseline_mb": quiet / 2**20, "peak_mb": peak.peak / 2**20,
            "delta_mb": (peak.peak - quiet) / 2**20, "threads": peak.threads,
            "doors_in_status": door.status_doors()}


def run(code_dir: Path, args, tmp: Path) -> dict:
    key_text = door_auth.key_text(door_auth.new_key())
    venue = door_auth.venue_id(door_auth.parse_key(key_text))
    out = {}
    door = Door(tmp, code_dir, key_text, ["--no-discovery"])
    quiet = door.baseline
    try:
        out["body"] = body_attack(door, args.body_mb)
    finally:
        door.stop()
    servers = fake_doors(args.fakes, args.fake_mb)
    try:
        zc = advertise(servers, venue)
        try:
            door = Door(tmp, code_dir, key_text, [])
            try:
                out["mdns"] = watch(door, args.watch_s, quiet)
            finally:
                door.stop()
        finally:
            zc.close()
        peers = [a for s in servers for a in ("--peer", f"http://127.0.0.1:{s.server_address[1]}")]
        door = Door(tmp, code_dir, key_text, ["--no-discovery", *peers])
        try:
            out["typed"] = watch(door, args.watch_s, quiet)
        finally:
            door.stop()
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body-mb", type=int, default=400)
    parser.add_argument("--fakes", type=int, default=25)
    parser.add_argument("--fake-mb", type=int, default=64)
    parser.add_argument("--watch-s", type=float, default=15.0)
    parser.add_argument("--compare-with", type=Path, help="also run against the code in this directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        variants = [("this code", ROOT)] + ([("compared", args.compare_with.resolve())] if args.compare_with else [])
        for name, code_dir in variants:
            results[name] = run(code_dir, args, Path(tmp))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'code':<10} {'attack':<6} {'baseline MB':>11} {'peak MB':>9} {'+MB':>8}  detail")
    for name, r in results.items():
        b = r["body"]
        print(f"{name:<10} {'body':<6} {b['baseline_mb']:>11.0f} {b['peak_mb']:>9.0f} {b['delta_mb']:>8.1f}  "
              f"{b['sent_mb']:.0f} of {args.body_mb} MB taken, answer {b['answer']!r}")
        for attack in ("mdns", "typed"):
            a = r[attack]
            print(f"{name:<10} {attack:<6} {a['baseline_mb']:>11.0f} {a['peak_mb']:>9.0f} {a['delta_mb']:>8.1f}  "
                  f"{a['threads']} threads, {a['doors_in_status']} doors in `doors status`")


if __name__ == "__main__":
    main()
