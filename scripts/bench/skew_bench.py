"""False conflicts between doors whose clocks disagree by minutes (issue 18, item 1).

    .venv/bin/python -m scripts.bench.skew_bench [--people 100] [--rounds 3] [--seeds 3] [--json]

Real stores (SQLite) and the real scan and replication code (`tests/helpers/skewed_doors.py`):
people enter, leave and come back through random doors, 20 s apart, every door hearing of each act
before the next. Every act is genuine, so every conflict is false, every refusal wrong, and every
door must know who is inside. Two orders, measured in the same run on the same acts:
- "wall clock": a door never adopts another door's clock stamp (`hlc.MAX_AHEAD_MS` below zero),
  so rows are ordered by their own door's wall clock, as before issue 18;
- "hybrid logical clock": the shipped order.
Figures are printed, never asserted (tests/integration/test_clock_skew.py asserts the zeros).
"""
from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

from checkin_app.domain import hlc
from tests.helpers.skewed_doors import simulate

LAYOUTS = {"3 doors at -4, 0, +4 min": [-240, 0, 240], "5 doors at -4, -2, 0, +2, +4 min": [-240, -120, 0, 120, 240],
           "3 doors in step": [0, 0, 0]}


def run(people: int, rounds: int, seeds: int) -> list[dict]:
    out = []
    logging.getLogger("checkin_app").setLevel(logging.ERROR)  # the wall-clock run's "clock ahead" notes
    for name, skews in LAYOUTS.items():
        for order, ahead in (("wall clock", -10 ** 15), ("hybrid logical clock", hlc.MAX_AHEAD_MS)):
            saved, hlc.MAX_AHEAD_MS = hlc.MAX_AHEAD_MS, ahead
            try:
                totals = {"acts": 0, "false_conflicts": 0, "wrong_inside": 0, "refused_genuine": 0}
                for seed in range(seeds):
                    with tempfile.TemporaryDirectory() as tmp:
                        fig = simulate(Path(tmp), skews, people=people, rounds=rounds, seed_=seed + 1)
                    for k in totals:
                        totals[k] += getattr(fig, k)
            finally:
                hlc.MAX_AHEAD_MS = saved
            out.append({"layout": name, "order": order, **totals})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.people, args.rounds, args.seeds)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'layout':<34} {'order':<21} {'acts':>6} {'false conflicts':>16} {'wrong inside':>13} {'refused':>8}")
    for r in rows:
        print(f"{r['layout']:<34} {r['order']:<21} {r['acts']:>6} {r['false_conflicts']:>16} {r['wrong_inside']:>13} "
              f"{r['refused_genuine']:>8}")


if __name__ == "__main__":
    main()
