"""Floor figures (issue 17): what a badge and the capacity band cost, against a scan in the same run.

    .venv/bin/python -m scripts.bench.floor_bench [--tickets 10000] [--n 200] [--lists 5] [--json]

On a temporary data dir of `--tickets` tickets (one event) and `--lists` check-in lists on it (each
with a capacity; the door scans on the first), `--n` tickets are, in turn:

- scanned on the list (baseline: `CheckinService.scan`, the decision and its journal row, fsync
  included, as the door makes it);
- turned into a badge (`services.badges.badge_for_code`: look-up, template read and parse, fill);
- printed to a PDF file (`gui.badge_print.print_to_pdf`: paint and write, offscreen Qt) — what the
  door's network pool does after an admission, off the GUI thread;
- and the door's capacity band re-read (`gui.capacity.door_occupancy`: the list model's occupancy
  query for every list), which the door runs after each of its own scans on a list.

Median and p99 in ms for each, and each median as a ratio of the scan's median (same run, same
disk). The load average is printed: figures move with it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from checkin_app.app import App
from checkin_app.domain.models import Batch, Event, Ticket
from checkin_app.gui import badge_print
from checkin_app.gui.capacity import door_occupancy
from checkin_app.services import badges, lists
from checkin_app.store.tickets import apply_batch

EVENT = Event("tickettailor", "ev_bench", "Bench night", starts_at="2026-11-24T19:00:00+00:00")


def _seed(data_dir: Path, n_tickets: int, n_lists: int) -> list[str]:
    codes = [f"B{i:07d}" for i in range(n_tickets)]
    with App(data_dir) as app:
        with app.store.transaction() as conn:
            apply_batch(conn, Batch(events=[EVENT], tickets=[
                Ticket(provider="tickettailor", remote_id=f"it_{c}", event_remote_id="ev_bench", code=c,
                       holder_name=f"Guest {c}", ticket_type=("VIP", "GA")[i % 2]) for i, c in enumerate(codes)]))
        for k in range(n_lists):
            lists.define(app.store, lists.ListSpec(name=f"List {k}", events=["ev_bench"], capacity=n_tickets,
                                                   area=f"Area {k % 2}"))
        lists.set_door_lists(app.store, ["List 0"])
    return codes


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3)}


def run(n_tickets: int, n: int, n_lists: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="floor-bench-") as tmp:
        data_dir, out = Path(tmp) / "door", Path(tmp) / "pdf"
        out.mkdir()
        codes = _seed(data_dir, n_tickets, n_lists)[:n]
        badge_print.ensure_app()
        times: dict[str, list[float]] = {"scan": [], "badge": [], "pdf": [], "capacity_band": []}
        with App(data_dir) as app:
            for code in codes:
                t0 = time.perf_counter()
                app.checkin.scan(code)
                t1 = time.perf_counter()
                badge = badges.badge_for_code(app.store, code, data_dir)
                t2 = time.perf_counter()
                badge_print.print_to_pdf(badge, out / f"{code}.pdf")
                t3 = time.perf_counter()
                door_occupancy(app)
                t4 = time.perf_counter()
                for key, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                    times[key].append(dt)
        figures = {key: _ms(v) for key, v in times.items()}
        base = figures["scan"]["median_ms"]
        for key, fig in figures.items():
            fig["x_scan_median"] = round(fig["median_ms"] / base, 2) if base else None
        return {"tickets": n_tickets, "badges": n, "lists": n_lists, "load_average": os.getloadavg(),
                "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--lists", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.tickets, args.n, args.lists)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['tickets']:,} tickets, {result['badges']} badges, {result['lists']} lists, "
          f"load average {', '.join(f'{x:.2f}' for x in result['load_average'])}")
    for key, fig in result["figures"].items():
        print(f"  {key:<14} median {fig['median_ms']:8.3f} ms   p99 {fig['p99_ms']:8.3f} ms   "
              f"x scan median {fig['x_scan_median']}")


if __name__ == "__main__":
    main()
