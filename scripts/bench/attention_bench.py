"""What attention costs a scan: the verdict engine with no rules (baseline) against the same ticket
with a list's five attention rules and two shown answers, and a full recorded scan (real SQLite,
`synchronous=FULL`) with and without a supervisor's note and door rules, in the same run.

    PYTHONPATH=. python scripts/bench/attention_bench.py [--n 20000] [--scans 300]

Prints one JSON document: p50/p99 in microseconds and the ratios to the baselines.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from checkin_app.domain.attention import AttentionSetting, TicketDetails
from checkin_app.domain.models import Batch, Event, Ticket
from checkin_app.domain.rules import ScanContext, TicketState, decide
from checkin_app.services import attention as attention_service
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch

RULES = ("vip: ticket type contains VIP", "id: answer to Date of birth is given -> Check photo ID",
         "age: answer to Age is under 18 -> Under 18: no bar", "accessibility: answer to Wheelchair space? is yes",
         "add-on: metadata comment contains programme -> Hand over the programme")
DETAILS = TicketDetails(answers=(("Age", "17"), ("Wheelchair space?", "no"), ("Dietary needs", "vegan")),
                        metadata=(("comment", "Programme x1"),))


def percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100)
    return {"p50_us": round(q[49], 2), "p99_us": round(q[98], 2)}


def time_decide(ctx: ScanContext, state: TicketState, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        decide([state], state.code, ctx)
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def time_scans(service: CheckinService, codes: list[str]) -> list[float]:
    out = []
    for code in codes:
        t0 = time.perf_counter_ns()
        service.scan(code)
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000, help="decisions per variant")
    parser.add_argument("--scans", type=int, default=300, help="recorded scans per variant")
    args = parser.parse_args()
    state = TicketState(ticket_id=1, event_id=1, event_name="Gala", code="ABC123", holder_name="Ann",
                        ticket_type="VIP Gold", details=DETAILS)
    setting = AttentionSetting.from_texts(RULES, ("Dietary needs", "Age"), "list bench")
    base = time_decide(ScanContext(), state, args.n)
    with_rules = time_decide(ScanContext(attention=setting), state, args.n)
    event = Event("tickettailor", "ev_b", "Gala", starts_at="2026-11-30T19:00:00+00:00")
    with tempfile.TemporaryDirectory() as tmp:
        codes = [f"B{i:06d}" for i in range(args.scans * 2)]
        store = Store(Path(tmp) / "door")
        with store.transaction() as conn:
            apply_batch(conn, Batch(events=[event], tickets=[
                Ticket("tickettailor", f"it_{c}", "ev_b", c, holder_name="Guest", ticket_type="VIP Gold",
                       details=DETAILS) for c in codes]))
        service = CheckinService(store, door="Bench")
        plain = time_scans(service, codes[:args.scans])
        attention_service.set_door_rules(store, list(RULES), ["Dietary needs", "Age"])
        held = time_scans(service, codes[args.scans:])
        store.close()
    b, r, p, h = (percentiles(x) for x in (base, with_rules, plain, held))
    print(json.dumps({
        "load_average_1m": round(os.getloadavg()[0], 2),
        "decide_no_rules": b, "decide_five_rules_two_answers": r,
        "decide_ratio_p99": round(r["p99_us"] / b["p99_us"], 2),
        "recorded_scan_no_rules": p, "recorded_scan_five_rules_held": h,
        "recorded_scan_ratio_p99": round(h["p99_us"] / p["p99_us"], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
