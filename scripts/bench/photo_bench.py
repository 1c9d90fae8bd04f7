"""Real-photo bench (issue 15): the pipeline against plain zxing-cpp and plain pyzbar on real camera images.

    .venv/bin/python -m scripts.bench.photo_bench [--json] [--root DIR]

Data: `tests/fixtures/real-photos/` (or `--root`, any folder laid out the same way: one folder per
group, each image with its expected text in a `.txt` of the same name, and a group with no code
named `falsepositives-*`). Texts are compared as the set's README says (`real_photos.key`).

Readers, on the same 8-bit gray image, in the same run:

- pipeline, still: `ScanPipeline().read(gray)`, what `checkin-app decode FILE` runs;
- pipeline, stream frame: `ScanPipeline().process(gray, 0.0)`, the first frame of a camera stream
  (cheap pass first; the full read and rescue only when it read nothing or found an unreadable symbol);
- zxing-cpp plain: `zxingcpp.read_barcodes(gray)` with its defaults (every format);
- pyzbar plain: `pyzbar.decode(gray)` with its defaults (every symbol type).

Per group: images, hits (the expected text among the reads), misreads (other texts read from an
image with a code), false positives (texts read from an image with no code), median ms. Also the
superset check: images where the still pipeline's texts do not include every text plain zxing-cpp
reads with the door's formats (target 0). Images whose expectation is binary (`.bin`) are left out
of hits (a ticket code is text); images OpenCV cannot decode are listed and left out.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from pyzbar import pyzbar

from checkin_app.domain.codes import InvalidCode, normalise
from checkin_app.scanning.pipeline import ScanPipeline
from tests.helpers.real_photos import ROOT, has_no_code, key, photos, plain_zxing


def _pyzbar(gray):
    h, w = gray.shape
    return [d.data.decode("utf-8", errors="replace") for d in pyzbar.decode((gray.tobytes(), w, h))]


def _still(pipeline):
    return lambda gray: [r.text for r in pipeline.read(gray).reads]


def _stream_frame(gray):
    return [r.text for r in ScanPipeline().process(gray, 0.0).reads]


def readers():
    return {"pipeline, still": _still(ScanPipeline()), "pipeline, stream frame": _stream_frame,
            "zxing-cpp plain": lambda g: plain_zxing(g, door_formats=False), "pyzbar plain": _pyzbar}


def door_key(text: str) -> str | None:
    """The key of a plain read as the pipeline would carry it, None for a read with no code in it."""
    try:
        return key(normalise(text))
    except InvalidCode:
        return key(text) or None  # empty: nothing to carry; too long: carried whole


def run(root: Path = ROOT) -> dict:
    by_reader = readers()
    rows: dict[str, dict[str, dict]] = {r: defaultdict(lambda: {"images": 0, "hits": 0, "misreads": 0,
                                                                 "false_positives": 0, "ms": []}) for r in by_reader}
    unreadable, binary, not_superset, stream_not_superset = [], [], [], []
    for photo in photos(root):
        name = f"{photo.group}/{photo.path.name}"
        if photo.gray is None:
            unreadable.append(name)
            continue
        texts = {}
        for reader, read in by_reader.items():
            t0 = time.perf_counter()
            texts[reader] = [key(t) for t in read(photo.gray)]
            ms = (time.perf_counter() - t0) * 1000
            row = rows[reader][photo.group]
            row["ms"].append(ms)
            if photo.binary:
                continue
            row["images"] += 1
            if has_no_code(photo.group):
                row["false_positives"] += len(texts[reader])
            elif photo.expected is not None:
                row["hits"] += photo.expected in texts[reader]
                row["misreads"] += sum(t != photo.expected for t in texts[reader])
        if photo.binary:
            binary.append(name)
        plain = {k for k in map(door_key, plain_zxing(photo.gray)) if k}
        if not plain <= set(texts["pipeline, still"]):
            not_superset.append(name)
        if not plain <= set(texts["pipeline, stream frame"]):
            stream_not_superset.append(name)
    report = {"root": str(root), "versions": {p: metadata.version(p) for p in ("zxing-cpp", "pyzbar", "opencv-python-headless")},
              "groups": {}, "overall": {}, "superset_violations_still": not_superset,
              "superset_violations_stream_frame": stream_not_superset,
              "not_decodable_by_opencv": unreadable, "binary_expectation": binary}
    for reader, groups in rows.items():
        all_ms = []
        total = {"images": 0, "hits": 0, "misreads": 0, "false_positives": 0}
        for group, row in sorted(groups.items()):
            all_ms += row["ms"]
            for k in total:
                total[k] += row[k]
            report["groups"].setdefault(group, {})[reader] = {
                **{k: row[k] for k in total}, "ms_median": round(statistics.median(row["ms"]), 2)}
        report["overall"][reader] = {**total, "ms_median": round(statistics.median(all_ms), 2),
                                     "ms_total": round(sum(all_ms), 1)}
    return report


def markdown(report: dict) -> str:
    names = list(report["overall"])
    lines = ["| group | images | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for group, by_reader in report["groups"].items():
        first = by_reader[names[0]]
        cells = []
        for n in names:
            r = by_reader[n]
            if has_no_code(group):
                cells.append(f"{r['false_positives']} false positives")
            else:
                cells.append(f"{r['hits']}" + (f" ({r['misreads']} misread)" if r["misreads"] else ""))
        lines.append(f"| {group} | {first['images']} | " + " | ".join(cells) + " |")
    o = report["overall"]
    lines.append("| **all groups with a code** | " + str(sum(
        g[names[0]]["images"] for name, g in report["groups"].items() if not has_no_code(name))) + " | "
        + " | ".join(f"**{o[n]['hits']}**" for n in names) + " |")
    base = o["zxing-cpp plain"]["ms_total"]
    lines += ["", "| reader | hits | misreads | false positives | ms median | total time ÷ plain zxing-cpp |",
              "|---|---|---|---|---|---|"]
    for n in names:
        lines.append(f"| {n} | {o[n]['hits']} | {o[n]['misreads']} | {o[n]['false_positives']} | "
                     f"{o[n]['ms_median']:.1f} | {o[n]['ms_total'] / base:.2f} |")
    lines += ["", f"Superset (the still pipeline's texts include every text plain zxing-cpp reads with the door's "
              f"formats): {len(report['superset_violations_still'])} images short "
              f"{report['superset_violations_still'] or ''}; as the first frame of a stream: "
              f"{len(report['superset_violations_stream_frame'])} short {report['superset_violations_stream_frame'] or ''}.",
              f"Left out: not decodable by OpenCV {report['not_decodable_by_opencv']}; binary expectation "
              f"{report['binary_expectation']}. Versions: {report['versions']}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.root)
    print(json.dumps(report, indent=2) if args.json else markdown(report))


if __name__ == "__main__":
    main()
