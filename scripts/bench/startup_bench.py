"""Start-up to door-ready: the packaged Linux build against running from source, in the same run.

    .venv/bin/python -m scripts.bench.startup_bench [--bundle dist/checkin-app] [--data-dir DIR] [--runs 5] [--json]

Each run starts a fresh process with `--quit-when-ready` (the window opens offscreen, the door
reaches "can scan, counters and status shown", prints "door ready" and quits) and times the
moment that line arrives, so the build's unpacking and imports are counted. Runs alternate between
the two so that load on the machine falls on both alike. Without --data-dir a small store (the demo
orders page) is used; pass a 1,000,000-ticket dir from `checkin-app bench --workdir W` (W/bench-data)
for the big case.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def time_to_ready(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.strip() == "door ready":
                ready = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"{cmd[0]} ended without reaching door-ready (exit {proc.wait()})")
    finally:
        proc.wait(timeout=60)
    return ready


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(ROOT / "dist" / "checkin-app"))
    parser.add_argument("--data-dir")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    try:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = str(scratch / "door")
            subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", data_dir, "import",
                            str(ROOT / "resources" / "demo" / "tickettailor-orders.json")], check=True, capture_output=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
        commands = {
            "bundle": [str(Path(args.bundle) / "checkin-app"), "--data-dir", data_dir, "--quit-when-ready"],
            "source": [sys.executable, "-m", "checkin_app", "--data-dir", data_dir, "--quit-when-ready"],
        }
        src_env = {**env, "PYTHONPATH": str(ROOT)}
        samples: dict[str, list[float]] = {"bundle": [], "source": []}
        for _ in range(args.runs):
            samples["bundle"].append(time_to_ready(commands["bundle"], env))
            samples["source"].append(time_to_ready(commands["source"], src_env))
        tickets = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", data_dir, "events", "--json"],
                                 capture_output=True, text=True, check=True)
        report = {"runs": args.runs, "tickets": sum(e["tickets"] for e in json.loads(tickets.stdout)["events"])}
        for name, values in samples.items():
            report[f"{name}_door_ready_median_s"] = round(statistics.median(values), 3)
            report[f"{name}_door_ready_max_s"] = round(max(values), 3)
        report["bundle_over_source"] = round(report["bundle_door_ready_median_s"] / report["source_door_ready_median_s"], 2)
        print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
