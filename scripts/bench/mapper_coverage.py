"""Mapper coverage: every JSON example in the providers' docs (tests/fixtures/provider-docs/*.txt) and
every recorded real payload (tests/fixtures/real), put through the app's mappers.

    .venv/bin/python -m scripts.bench.mapper_coverage [--json]

Each example is found by scanning the doc for JSON documents (every `{`/`[` that parses, outermost
only) and classified as `mapped` (to events/tickets/check-ins, counted), `no_tickets` (a payload the
mapper recognises as carrying nothing a door admits, with its reason) or `not_read` (request bodies,
error bodies and endpoints the app never calls, with the mapper's refusal). Prints one line per
example and a table per provider.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from checkin_app.errors import PayloadError
from checkin_app.providers import oneticket, ticketevolution
from checkin_app.providers.payloads import map_payload
from tests.paths import PROVIDER_DOCS, REAL

DOC_PROVIDER = {"tickettailor": "tickettailor", "ticketor": "ticketor", "ticketsolve": "ticketsolve",
                "1ticket": "oneticket", "ticketevolution": "ticketevolution"}


@dataclass
class Example:
    provider: str
    source: str  # file:line
    keys: str
    outcome: str  # mapped | no_tickets | not_read
    events: int = 0
    tickets: int = 0
    checkins: int = 0
    note: str = ""


def json_examples(text: str) -> list[tuple[int, object]]:
    """(line number, document) for every outermost JSON object or array in a text."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while True:
        starts = [k for k in (text.find("{", i), text.find("[", i)) if k != -1]
        if not starts:
            return found
        j = min(starts)
        try:
            doc, end = decoder.raw_decode(text, j)
        except ValueError:
            i = j + 1
            continue
        if isinstance(doc, (dict, list)) and end - j > 20:
            found.append((text.count("\n", 0, j) + 1, doc))
            i = end
        else:
            i = j + 1


def _oneticket(doc, purchases: list[dict]):
    """1Ticket: purchases pages map to events; getpdf answers map to tickets (paired with a purchase)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("output"), list):
        raise PayloadError("not an answer of an endpoint the app calls")
    groups = [g for g in doc["output"] if isinstance(g, dict)]
    if any("purchases" in g for g in groups):
        found = oneticket.purchases(doc)
        events = {oneticket.map_event(p).remote_id for p in found}
        return len(events), 0, f"{len(found)} purchases"
    if any("seats" in g for g in groups):
        purchase = purchases[0] if purchases else {"rid": 0, "event": {"name": "Doc event", "eventid_1ticket": "doc"}}
        batch = oneticket.map_purchase_seats(purchase, doc)
        return len(batch.events), len(batch.tickets), "getpdf seats (paired with the doc's first purchase)"
    raise PayloadError(f"answer of an endpoint the app does not call (output keys: {sorted(groups[0]) if groups else []})")


def classify(provider: str, doc, purchases: list[dict]) -> tuple[str, int, int, int, str]:
    try:
        if provider == "oneticket":
            events, tickets, note = _oneticket(doc, purchases)
            return "mapped", events, tickets, 0, note
        if provider == "ticketevolution":
            if not (isinstance(doc, dict) and "items" in doc and "id" in doc):
                raise PayloadError("a request body, not an order")
            batch = ticketevolution.map_order(doc)
        else:
            _, batch = map_payload(doc, provider=provider)
    except PayloadError as exc:
        text = str(exc)
        no_tickets = "carries no tickets" in text or "nothing a door uses" in text
        return ("no_tickets" if no_tickets else "not_read"), 0, 0, 0, text
    if batch.set_aside and not (batch.events or batch.tickets or batch.checkins or batch.orders):
        return "not_read", 0, 0, 0, batch.set_aside[0].reason  # every record of the page was set aside
    outcome = "mapped" if len(batch) else "no_tickets"
    return outcome, len(batch.events), len(batch.tickets), len(batch.checkins), ""


def collect(docs_dir: Path = PROVIDER_DOCS, real_dir: Path = REAL) -> list[Example]:
    out: list[Example] = []
    for path in sorted(docs_dir.glob("*.txt")):
        provider = next(p for prefix, p in DOC_PROVIDER.items() if path.name.startswith(prefix))
        docs = json_examples(path.read_text(encoding="utf-8"))
        # 1Ticket's getpdf example comes before the purchases it belongs with: read purchases first.
        purchases = [p for _, d in docs if provider == "oneticket" and isinstance(d, dict)
                     and any("purchases" in g for g in d.get("output") or [] if isinstance(g, dict))
                     for p in oneticket.purchases(d)]
        for line, doc in docs:
            outcome, events, tickets, checkins, note = classify(provider, doc, purchases)
            keys = ",".join(list(doc)[:4]) if isinstance(doc, dict) else f"list[{len(doc)}]"
            out.append(Example(provider, f"{path.name}:{line}", keys, outcome, events, tickets, checkins, note))
    for path in sorted(real_dir.rglob("*.json")):
        if path.name.endswith(".signature.json"):
            continue
        provider = path.parent.name
        doc = json.loads(path.read_text(encoding="utf-8"))
        outcome, events, tickets, checkins, note = classify(provider, doc, [])
        out.append(Example(provider, f"real/{path.parent.name}/{path.name}", ",".join(list(doc)[:4]), outcome,
                           events, tickets, checkins, note))
    return out


def summary(examples: list[Example]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter] = {}
    for e in examples:
        row = table.setdefault(e.provider, Counter())
        row["examples"] += 1
        row[e.outcome] += 1
        row["tickets"] += e.tickets
        row["events"] += e.events
    return {p: dict(c) for p, c in sorted(table.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    examples = collect()
    table = summary(examples)
    if args.json:
        json.dump({"summary": table, "examples": [asdict(e) for e in examples]}, sys.stdout, indent=1)
        print()
        return 0
    for e in examples:
        detail = f"{e.events} events, {e.tickets} tickets, {e.checkins} check-ins" if e.outcome == "mapped" else e.note
        print(f"{e.source:<42} {e.outcome:<10} {detail}")
    print()
    print(f"{'provider':<16} {'examples':>8} {'mapped':>7} {'no_tickets':>10} {'not_read':>8} {'tickets':>7} {'events':>6}")
    for provider, c in table.items():
        print(f"{provider:<16} {c.get('examples', 0):>8} {c.get('mapped', 0):>7} {c.get('no_tickets', 0):>10} "
              f"{c.get('not_read', 0):>8} {c.get('tickets', 0):>7} {c.get('events', 0):>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
