"""Door replication figures (issue 7): three real `checkin-app doors serve` processes on loopback,
each reaching the others through a fault-injecting TCP proxy.

    .venv/bin/python -m scripts.bench.doors_bench [--latency-scans 200] [--partition-s 60]
                                                [--storm 1000] [--chaos-scans 1000] [--json]

Measures:
- propagation: a scan at one door (random), time until both other doors hold it (p50/p95/max),
  against the named baseline of the local decision itself (scan + commit at the door);
- partition: doors {A} | {B, C} apart (proxies cut) for `--partition-s` seconds with scans on both sides
  (including double uses), then healed: seconds until all three hold the same rows, state and
  conflicts;
- throughput: `--storm` scans as fast as one door takes them; replicated rows per second until
  both other doors hold them all (bounded by the scanning itself); then catch-up: door C cut off
  while another `--storm` scans happen, healed, seconds until it holds them all (the apply rate);
- chaos: `--chaos-scans` acknowledged scans across the three doors by scanning processes that are
  killed with SIGKILL together with their door's server at random moments and restarted; counts
  rows lost (acknowledged but missing at some door) and rows duplicated.
- cable partition: two doors in network namespaces (found by mDNS), the veth cable between them
  pulled for `--partition-s` seconds with scans on both sides, then plugged back (root only).
Data: 2,000 cached tickets per door (same event), random codes drawn with a fixed seed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from checkin_app.services.checkin import CheckinService
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll
from tests.paths import ROOT

CODES = [f"B{n:05d}q" for n in range(2000)]


def _has(venue: DoorCluster, i: int, device: str, seq: int) -> bool:
    return venue.store(i).conn.execute("SELECT 1 FROM journal WHERE device_id = ? AND seq = ?",
                                       (device, seq)).fetchall() != []


def _conflicts(venue: DoorCluster, i: int) -> list:
    return sorted((c["kind"], c["code"]) for c in venue.conflicts(i))


def _settled(venue: DoorCluster) -> bool:
    return venue.converged() and all(_conflicts(venue, 0) == _conflicts(venue, i) for i in range(1, len(venue.dirs)))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def propagation(venue: DoorCluster, n: int, rng: random.Random) -> dict:
    local_ms, reach_ms = [], []
    services = [CheckinService(venue.store(i), door=venue.names[i]) for i in range(3)]
    for _ in range(n):
        i = rng.randrange(3)
        started = time.perf_counter()
        services[i].scan(rng.choice(CODES))
        local_ms.append((time.perf_counter() - started) * 1000)
        seq = venue.store(i).conn.execute("SELECT MAX(seq) FROM journal WHERE device_id = ?",
                                          (venue.device_ids[i],)).fetchall()[0][0]
        others = [j for j in range(3) if j != i]
        poll(lambda: all(_has(venue, j, venue.device_ids[i], seq) for j in others), timeout=30, every=0.002)
        reach_ms.append((time.perf_counter() - started) * 1000)
    return {"scans": n, "local_decision_ms_p50": round(statistics.median(local_ms), 2),
            "reach_all_ms_p50": round(statistics.median(reach_ms), 1), "reach_all_ms_p95": round(_pct(reach_ms, 0.95), 1),
            "reach_all_ms_max": round(max(reach_ms), 1)}


def partition(venue: DoorCluster, seconds: float, rng: random.Random) -> dict:
    poll(lambda: _settled(venue), timeout=60)
    services = [CheckinService(venue.store(i), door=venue.names[i]) for i in range(3)]
    venue.partition({0}, {1, 2})
    started = time.monotonic()
    scans = 0
    admitted = [set(), set()]  # codes admitted on each side of the partition
    pause = threading.Event()
    while time.monotonic() - started < seconds:
        code = rng.choice(CODES)
        if services[0].scan(code).kind.value == "admitted":
            admitted[0].add(code)
        # The other side: the same ticket now and then (a double use to find later), else any.
        other = code if rng.random() < 0.2 else rng.choice(CODES)
        if services[rng.choice((1, 2))].scan(other).kind.value == "admitted":
            admitted[1].add(other)
        scans += 2
        pause.wait(0.1)
    venue.heal()
    healed = time.monotonic()
    poll(lambda: _settled(venue), timeout=120, every=0.01)
    return {"partition_s": round(healed - started, 1), "scans_during": scans,
            "converge_after_heal_s": round(time.monotonic() - healed, 2), **_found(venue, admitted)}


def _found(venue: DoorCluster, admitted: list[set]) -> dict:
    """Double uses made across the partition, against the conflicts every door lists."""
    made = admitted[0] & admitted[1]
    listed = [{code for kind, code in _conflicts(venue, i) if kind == "double_admission"} for i in range(len(venue.dirs))]
    return {"double_uses_made": len(made), "double_uses_listed_per_door": [len(x) for x in listed],
            "all_made_listed_on_every_door": all(made <= x for x in listed),
            "listed_not_made": max(len(x - made) for x in listed)}


def cable_partition(seconds: float, rng: random.Random, workdir: Path) -> dict:
    """Two doors in network namespaces found by mDNS; the veth cable pulled for `seconds`."""
    from tests.helpers.netns import VenueNetwork

    with VenueNetwork() as net:
        if not net.usable:
            return {"skipped": "network namespaces need root and iproute2"}
        venue = DoorCluster(workdir / "netns", n=2, codes=CODES, network=net)
        try:
            venue.start_all()
            poll(lambda: all(venue.store(i).conn.execute("SELECT 1 FROM peers WHERE last_contact_at IS NOT NULL")
                             .fetchall() for i in range(2)), timeout=30)
            services = [CheckinService(venue.store(i), door=venue.names[i]) for i in range(2)]
            net.cable(up=False)
            started = time.monotonic()
            scans = 0
            admitted = [set(), set()]
            pause = threading.Event()
            while time.monotonic() - started < seconds:
                code = rng.choice(CODES)
                if services[0].scan(code).kind.value == "admitted":
                    admitted[0].add(code)
                other = code if rng.random() < 0.2 else rng.choice(CODES)
                if services[1].scan(other).kind.value == "admitted":
                    admitted[1].add(other)
                scans += 2
                pause.wait(0.1)
            net.cable(up=True)
            healed = time.monotonic()
            poll(lambda: venue.converged() and _conflicts(venue, 0) == _conflicts(venue, 1), timeout=120, every=0.01)
            return {"partition_s": round(healed - started, 1), "scans_during": scans,
                    "converge_after_heal_s": round(time.monotonic() - healed, 2), **_found(venue, admitted)}
        finally:
            venue.stop()


def storm(venue: DoorCluster, n: int, rng: random.Random) -> dict:
    poll(lambda: _settled(venue), timeout=60)
    service = CheckinService(venue.store(0), door=venue.names[0])
    started = time.perf_counter()
    for _ in range(n):
        service.scan(rng.choice(CODES))
    scanned = time.perf_counter() - started
    head = venue.store(0).conn.execute("SELECT MAX(seq) FROM journal WHERE device_id = ?",
                                       (venue.device_ids[0],)).fetchall()[0][0]
    poll(lambda: _has(venue, 1, venue.device_ids[0], head) and _has(venue, 2, venue.device_ids[0], head),
         timeout=120, every=0.005)
    total = time.perf_counter() - started
    # Catch-up: door C misses a burst (cut off), then takes it all at once: the apply rate itself.
    poll(lambda: _settled(venue), timeout=60)
    venue.partition({0, 1}, {2})
    for _ in range(n):
        service.scan(rng.choice(CODES))
    head = venue.store(0).conn.execute("SELECT MAX(seq) FROM journal WHERE device_id = ?",
                                       (venue.device_ids[0],)).fetchall()[0][0]
    poll(lambda: _has(venue, 1, venue.device_ids[0], head), timeout=120)
    healed = time.perf_counter()
    venue.heal()
    poll(lambda: _has(venue, 2, venue.device_ids[0], head), timeout=120, every=0.005)
    catchup = time.perf_counter() - healed
    return {"scans": n, "scan_s": round(scanned, 2), "local_scans_per_s": round(n / scanned),
            "all_replicated_s": round(total, 2), "replicated_rows_per_s": round(n / total),
            "catchup_rows": n, "catchup_s": round(catchup, 2), "catchup_rows_per_s": round(n / catchup)}


def chaos(venue: DoorCluster, target: int, rng: random.Random, workdir: Path) -> dict:
    codes_file = workdir / "codes.txt"
    codes_file.write_text("\n".join(CODES))
    acked: list[tuple[str, int]] = []
    kills = 0
    while len(acked) < target:
        i = rng.randrange(3)
        count = min(rng.randrange(40, 120), target - len(acked))
        kill_after = rng.randrange(5, count + 20)  # sometimes past the end: no kill this round
        child = subprocess.Popen([sys.executable, "-m", "tests.helpers.door_storm", str(venue.dirs[i]), str(codes_file),
                                  str(rng.randrange(10**6)), str(count), venue.names[i]],
                                 cwd=ROOT, stdout=subprocess.PIPE, text=True)
        n = 0
        for line in child.stdout:
            device, seq, _code, _verdict = line.split()
            acked.append((device, int(seq)))
            n += 1
            if n >= kill_after:
                venue.kill(i)
                os.kill(child.pid, 9)
                kills += 1
                break
        child.wait(30)
        child.stdout.close()
        if venue.procs[i] is None:
            venue.start(i)
    started = time.monotonic()
    poll(lambda: _settled(venue), timeout=120)
    converge_s = time.monotonic() - started
    lost = sum(1 for key in set(acked) for j in range(3) if not _has(venue, j, *key))
    dup = 0
    for j in range(3):
        rows = venue.rows(j)
        dup += len(rows) - len({(d, s) for d, s, _ in rows}) + len(rows) - len({n for *_, n in rows})
    return {"acknowledged_scans": len(acked), "kills": kills, "converge_s": round(converge_s, 2),
            "lost_rows": lost, "duplicated_rows": dup, "rows_per_door": len(venue.rows(0))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-scans", type=int, default=200)
    parser.add_argument("--partition-s", type=float, default=60.0)
    parser.add_argument("--storm", type=int, default=1000)
    parser.add_argument("--chaos-scans", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        venue = DoorCluster(Path(tmp), n=3, codes=CODES)
        try:
            venue.start_all()
            poll(lambda: all(len(venue.store(i).conn.execute("SELECT * FROM peers WHERE last_contact_at IS NOT NULL")
                                 .fetchall()) == 2 for i in range(3)), timeout=30)
            for name, run in (("propagation", lambda: propagation(venue, args.latency_scans, rng)),
                              ("partition", lambda: partition(venue, args.partition_s, rng)),
                              ("throughput", lambda: storm(venue, args.storm, rng)),
                              ("chaos", lambda: chaos(venue, args.chaos_scans, rng, Path(tmp)))):
                report[name] = run()
                if not args.json:
                    print(f"{name}: {json.dumps(report[name])}", file=sys.stderr, flush=True)
        finally:
            venue.stop()
        report["cable_partition"] = cable_partition(args.partition_s, rng, Path(tmp))
        if not args.json:
            print(f"cable_partition: {json.dumps(report['cable_partition'])}", file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
