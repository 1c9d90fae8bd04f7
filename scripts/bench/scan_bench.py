"""Scan benchmark (issue 5): our pipeline against plain zxing-cpp and plain pyzbar, same frames, same run.

    .venv/bin/python -m scripts.bench.scan_bench [--per-condition 60] [--empty 80] [--seed N] [--json]

Frames come from `scripts.bench.door_frames` (1280x720, deterministic seed, webcam noise + JPEG).
Each frame is handed to the three readers in turn:

- plain zxing-cpp: `zxingcpp.read_barcodes(gray)` with its defaults (every format, one pass);
- plain pyzbar: `pyzbar.decode(gray)` with its defaults (every symbol type, one pass);
- pipeline: `ScanPipeline().read(frame)`, a still frame: zxing-cpp's full read with the ticket
  symbologies, then the rescue steps when it read nothing, reads normalised
  (`domain.codes.normalise`). Confirmation across frames is not involved: every figure is per
  single frame.

Frames include a "dense" condition (issue 15): long signed payloads as QR version 10 to 25, or
wallet PDF417 and Aztec of 100 to 500 characters.

Per condition and overall: hit rate (frames with a code where the truth was read), misreads (reads
that are not the truth), false positives (reads on frames with no code), median and p95 wall ms
per frame (BGR->gray included), and CPU share at 30 fps = process CPU seconds spent on the frames
/ (frames / 30 fps): 1.0 is one full core; it counts every thread of this process (OpenCV's too).

Also, through `ScanPipeline.process` as the camera worker runs it at 30 fps (the cheap pass on
every frame; the full read and rescue when it read nothing, within the budget): the idle door (a
static scene, fresh sensor noise per frame: full read and rescue are skipped while nothing
changes) and the busy door with no ticket (every frame a different cluttered scene: they run at
most every other frame): median ms and CPU share at 30 fps.
"""
from __future__ import annotations

import argparse
import json
from importlib import metadata
import os
import platform
import time
from collections import defaultdict

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

from checkin_app.scanning.pipeline import ScanPipeline, to_gray
from checkin_app.scanning.synth import door_background
from scripts.bench.door_frames import CONDITIONS, empty, generate, webcam


def plain_zxing(frame):
    return [b.text for b in zxingcpp.read_barcodes(to_gray(frame))]


def plain_pyzbar(frame):
    gray = to_gray(frame)
    h, w = gray.shape
    return [d.data.decode("utf-8", errors="replace") for d in pyzbar.decode((gray.tobytes(), w, h))]


def make_pipeline_reader():
    pipeline = ScanPipeline()
    rescues = defaultdict(int)

    def read(frame):
        result = pipeline.read(frame)
        if result.rescue:
            rescues[result.rescue] += 1
        return [r.text for r in result.reads]

    return read, rescues


class Tally:
    """One reader's results on one condition."""

    def __init__(self):
        self.frames = self.with_code = self.hits = self.misreads = self.false_positives = 0
        self.ms: list[float] = []
        self.cpu_s = 0.0

    def add(self, texts, truth, ms, cpu_s):
        self.frames += 1
        self.ms.append(ms)
        self.cpu_s += cpu_s
        if truth is None:
            self.false_positives += len(texts)
            return
        self.with_code += 1
        self.hits += truth in texts
        self.misreads += sum(t != truth for t in texts)

    def merge(self, other: "Tally"):
        for name in ("frames", "with_code", "hits", "misreads", "false_positives", "cpu_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ms += other.ms

    def to_dict(self):
        ms = np.array(self.ms)
        return {"frames": self.frames, "with_code": self.with_code,
                "hit_rate": round(self.hits / self.with_code, 4) if self.with_code else None,
                "hits": self.hits, "misreads": self.misreads, "false_positives": self.false_positives,
                "ms_median": round(float(np.median(ms)), 2), "ms_p95": round(float(np.percentile(ms, 95)), 2),
                "cpu_share_30fps": round(self.cpu_s / (self.frames / 30.0), 3)}


def _stream(frames) -> dict:
    pipeline, ms, skipped, full = ScanPipeline(), [], 0, 0
    c0 = time.process_time()
    for i, frame in enumerate(frames):
        result = pipeline.process(frame, i / 30)
        ms.append(result.ms)
        skipped += result.rescue_skipped
        full += result.full_read
    cpu = time.process_time() - c0
    # The baseline in the same run: plain zxing-cpp (its defaults, one full read) on every frame.
    c0 = time.process_time()
    for frame in frames:
        plain_zxing(frame)
    plain_cpu = time.process_time() - c0
    return {"frames": len(frames), "second_pass_skipped": skipped, "full_reads": full,
            "ms_median": round(float(np.median(ms)), 2),
            "ms_p95": round(float(np.percentile(ms, 95)), 2), "cpu_share_30fps": round(cpu / (len(frames) / 30.0), 3),
            "plain_zxing_cpu_share_30fps": round(plain_cpu / (len(frames) / 30.0), 3)}


def idle_door(seed: int, frames: int = 150) -> dict:
    """A static scene with fresh sensor noise and JPEG per frame."""
    rng = np.random.default_rng(seed)
    wall = door_background(rng)
    return _stream([webcam(rng, wall) for _ in range(frames)])


def busy_door(seed: int, frames: int = 90) -> dict:
    """Every frame a different no-code scene (clutter, stripes, decoys): the worst case."""
    rng = np.random.default_rng(seed + 1)
    return _stream([webcam(rng, empty(rng)[0]) for _ in range(frames)])


def run(per_condition: int, empty: int, seed: int) -> dict:
    pipeline_read, rescues = make_pipeline_reader()
    readers = {"pipeline": pipeline_read, "zxing-cpp plain": plain_zxing, "pyzbar plain": plain_pyzbar}
    tallies = {r: defaultdict(Tally) for r in readers}
    started = time.perf_counter()
    for condition, frame, truth, _symbology in generate(per_condition, seed, empty):
        for name, read in readers.items():
            c0, t0 = time.process_time(), time.perf_counter()
            texts = read(frame)
            ms, cpu = (time.perf_counter() - t0) * 1000, time.process_time() - c0
            tallies[name][condition].add(texts, truth, ms, cpu)
    report = {"seed": seed, "per_condition": per_condition, "empty_frames": empty,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "zxing-cpp": metadata.version("zxing-cpp"), "pyzbar": metadata.version("pyzbar"),
                          "opencv": cv2.__version__},
              "wall_s": None, "readers": {}, "pipeline_rescues": dict(rescues)}
    for name, by_condition in tallies.items():
        overall = Tally()
        rows = {}
        for condition in CONDITIONS:
            overall.merge(by_condition[condition])
            rows[condition] = by_condition[condition].to_dict()
        rows["overall"] = overall.to_dict()
        report["readers"][name] = rows
    report["idle_door"] = idle_door(seed)
    report["busy_door_no_ticket"] = busy_door(seed)
    report["wall_s"] = round(time.perf_counter() - started, 1)
    return report


def _pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def markdown(report: dict) -> str:
    readers = list(report["readers"])
    head = "| condition | frames | " + " | ".join(f"{r}: hit" for r in readers) + " | " + \
        " | ".join(f"{r}: ms median / p95" for r in readers) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(readers))]
    for condition in [*CONDITIONS, "overall"]:
        rows = [report["readers"][r][condition] for r in readers]
        cells = [condition if condition != "overall" else "**overall**", str(rows[0]["frames"])]
        for row in rows:
            hit = _pct(row["hit_rate"])
            bad = row["misreads"] + row["false_positives"]
            cells.append(hit + (f" ({bad} wrong)" if bad else ""))
        cells += [f"{row['ms_median']:.1f} / {row['ms_p95']:.1f}" for row in rows]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| reader | hit rate | misreads | false positives | ms median | ms p95 | CPU share at 30 fps |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in readers:
        o = report["readers"][r]["overall"]
        lines.append(f"| {r} | {_pct(o['hit_rate'])} | {o['misreads']} | {o['false_positives']} | {o['ms_median']:.1f} | "
                     f"{o['ms_p95']:.1f} | {o['cpu_share_30fps']:.2f} |")
    lines.append("")
    for key, label in (("idle_door", "idle door (static scene)"), ("busy_door_no_ticket", "busy door, no ticket (every frame differs)")):
        st = report[key]
        lines.append(f"Stream at 30 fps, {label}, {st['frames']} frames: median {st['ms_median']:.1f} ms, p95 "
                     f"{st['ms_p95']:.1f} ms, CPU share {st['cpu_share_30fps']:.2f} (plain zxing-cpp on every frame, same "
                     f"run: {st['plain_zxing_cpu_share_30fps']:.2f}; full read on {st['full_reads']} "
                     f"frames, full read and rescue skipped on {st['second_pass_skipped']}).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=60, help="frames per condition with a code")
    parser.add_argument("--empty", type=int, default=80, help="frames with no code")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.per_condition, args.empty, args.seed)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(markdown(report))
        print(f"\nseed {report['seed']}, {report['wall_s']} s wall, second-pass rescues: {report['pipeline_rescues']}")


if __name__ == "__main__":
    main()
