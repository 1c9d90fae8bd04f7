"""Conflicts as a supervisor reads them: one row per problem, in plain words.

One double use reaches the store by several roads: each door that sees both admissions records
it, the door that pushed second gets a refusal from the provider ("already checked in"), and the
next pull brings back the first door's push as the provider's own check-in, which looks like a
third admission. Measured with two doors and the Ticket Tailor simulator, one double use gave
door B three rows. Here they become one: the admissions of a ticket are gathered, a provider
check-in that is one of our own pushed acts (a replicated 'pushed' marker names it) counts as that
act, and a refused push of the same admission is folded into the row.
"""
from __future__ import annotations

import json

from checkin_app.domain.models import PROVIDER_NAMES, UPSTREAM_DEVICE
from checkin_app.domain.rules import clock_time
from checkin_app.store import Store
from checkin_app.store import journal as J
from checkin_app.store import outbox

_TWICE = {2: "twice", 3: "three times"}


def _side_key(side: dict) -> tuple:
    if side.get("device") == UPSTREAM_DEVICE:
        return (UPSTREAM_DEVICE, side.get("remote_id") or side.get("at"))
    return (side.get("device"), side.get("at"))


def where(side: dict, with_device: bool = False) -> str:
    """"19:02 at Door 1", or "19:04 via Ticket Tailor" for a check-in made in the provider's own app.

    `with_device` adds the laptop's device id, for two doors that go by the same name.
    """
    if side.get("device") == UPSTREAM_DEVICE:
        return f"{clock_time(side.get('at'))} via {PROVIDER_NAMES.get(side.get('door'), side.get('door') or 'the provider')}"
    device = f" ({side.get('device')})" if with_device and side.get("door") else ""
    return f"{clock_time(side.get('at'))} at {side.get('door') or side.get('device') or 'an unknown door'}{device}"


def _named_alike(side: dict, sides: list[dict]) -> bool:
    return any(s.get("door") == side.get("door") and s.get("device") != side.get("device") for s in sides)


def _ticket(row: dict) -> str:
    name = f" ({row['holder_name']})" if row.get("holder_name") else ""
    return f"Ticket {row.get('code') or '?'}{name}"


def summary(row: dict) -> str:
    """The row in one sentence ("Ticket vj0xOSL (Ann Lee) was admitted twice: 19:02 at Door 1, 19:04 at Door 2")."""
    d, kind = row.get("detail") or {}, row["kind"]
    if kind == "double_admission":
        sides = d.get("admissions") or [s for s in (d.get("first"), d.get("second")) if s]
        text = f"{_ticket(row)} was admitted {_TWICE.get(len(sides), f'{len(sides)} times')}: " + \
            ", ".join(where(s, _named_alike(s, sides)) for s in sides)
        return text + (f". The provider refused the later check-in: {d['upstream_refused']}" if d.get("upstream_refused") else "")
    if kind in ("void_after_admission", "admission_after_void") and "first" in d and "second" in d:
        one, two = ("admitted", "voided") if kind == "void_after_admission" else ("voided", "admitted")
        both = [d["first"], d["second"]]
        return f"{_ticket(row)} was {one} {where(d['first'], _named_alike(d['first'], both))}, " \
               f"then {two} {where(d['second'], _named_alike(d['second'], both))}"
    if kind == "void_after_admission":  # the provider voided a ticket this venue had admitted
        admitted = {"at": d.get("admitted_at"), "door": d.get("door"), "device": d.get("device")}
        return f"{_ticket(row)} was admitted {where(admitted)}, then voided at the box office"
    if kind == "push_failed":
        return f"{_ticket(row)}: the provider did not accept the {d.get('op')} ({d.get('error')}; {d.get('attempts')} attempts)"
    if kind == "unrecognised":  # issue 12: a provider value not on its allow-list; a supervisor may admit anyway
        return f"{_ticket(row)} is refused until a supervisor checks it: {d.get('reason')}"
    if kind == "set_aside":
        seen = f" (seen {d['seen']} times)" if (d.get("seen") or 1) > 1 else ""
        return f"Record {row.get('code') or '?'} was set aside: {d.get('reason')}{seen}"
    if kind == "unapplied_delivery":
        return f"Webhook delivery {row.get('code') or '?'} was kept but not applied: {d.get('reason')}"
    # A kind this build does not know: say so with its raw detail, never hide it.
    return f"{_ticket(row)}: {kind}: " + ", ".join(f"{k}: {v}" for k, v in d.items())


def open_conflicts(store: Store, include_resolved: bool = False) -> list[dict]:
    """Conflicts newest first, one row per problem, each with `ids` (the stored rows it stands for) and `summary`."""
    rows = [dict(r, detail=json.loads(r["detail"])) for r in store.conn.execute(
        "SELECT c.id, c.kind, c.ticket_id, c.detail, c.at, c.resolved_at, t.code, t.holder_name, e.name AS event_name"
        " FROM conflicts c LEFT JOIN tickets t ON t.id = c.ticket_id LEFT JOIN events e ON e.id = t.event_id"
        + ("" if include_resolved else " WHERE c.resolved_at IS NULL") + " ORDER BY c.at DESC, c.id DESC")]
    echoes = J.acts_pushed_as(store.conn, sorted({
        side["remote_id"] for r in rows if r["kind"] == "double_admission"
        for side in (r["detail"].get("first") or {}, r["detail"].get("second") or {}) if side.get("remote_id")}))
    out: list[dict] = []
    uses: dict[int, dict] = {}  # ticket id -> its one double-use row
    for r in rows:
        if r["kind"] != "double_admission" or r["ticket_id"] is None:
            out.append({**r, "ids": [r["id"]]})
            continue
        use = uses.get(r["ticket_id"])
        if use is None:
            use = uses[r["ticket_id"]] = {**r, "ids": [], "sides": {}}
            out.append(use)
        use["ids"].append(r["id"])
        for side in (r["detail"].get("first"), r["detail"].get("second")):
            if side:
                side = echoes.get(side.get("remote_id"), side)  # our own push, come back by the pull
                use["sides"].setdefault(_side_key(side), side)
    for f in outbox.failures(store.conn):
        use = uses.get(f["ticket_id"])
        if use is not None and f["op"] == "scan":  # the provider refusing the second admission: the same problem
            use["detail"] = {**use["detail"], "upstream_refused": f["error"]}
            continue
        out.append({"id": None, "ids": [], "kind": "push_failed", "ticket_id": f["ticket_id"], "code": f["code"],
                    "detail": {"op": f["op"], "error": f["error"], "attempts": f["attempts"]}, "at": f["updated_at"],
                    "resolved_at": None, "holder_name": None, "event_name": None})
    for use in uses.values():
        sides = sorted(use.pop("sides").values(), key=lambda s: s.get("at") or "")
        first, second = (sides + sides)[:2]
        use["detail"] = {**use["detail"], "admissions": sides, "first": first, "second": second}
    out = [r for r in out if r["kind"] != "double_admission" or len(r["detail"]["admissions"]) > 1]
    for r in out:
        r["summary"] = summary(r)
    return out
