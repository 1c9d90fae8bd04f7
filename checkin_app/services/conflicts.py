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

from dataclasses import dataclass, field, replace
from typing import Any

from checkin_app.domain import hlc
from checkin_app.domain.models import PROVIDER_NAMES, UPSTREAM_DEVICE, ConflictKind
from checkin_app.domain.rules import clock_time
from checkin_app.store import Store
from checkin_app.store import conflicts as stored
from checkin_app.store import journal as J
from checkin_app.store import outbox, peers, replica
from checkin_app.store.conflicts import replayed_among


@dataclass(frozen=True)
class Conflict:
    """One problem on the supervisor's list, however many stored records it stands for.

    `ids` are the stored conflicts it stands for (marking it resolved resolves them all); empty for
    a problem that clears by itself (a failed push retried, a provider sending a value we know).
    `kind_text` is the kind as stored: for `ConflictKind.OTHER`, the text this build does not know.
    """

    kind: ConflictKind
    detail: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    code: str | None = None
    holder_name: str | None = None
    event_name: str | None = None
    at: str | None = None
    resolved_at: str | None = None
    ids: tuple[int, ...] = ()
    raw_kind: str | None = None  # set when `kind` is OTHER

    @property
    def id(self) -> int | None:
        """The newest stored record of the problem (None: nothing stored to resolve)."""
        return self.ids[0] if self.ids else None

    @property
    def kind_text(self) -> str:
        return self.raw_kind or self.kind.value

    @property
    def summary(self) -> str:
        return summary(self)

    def to_dict(self) -> dict[str, Any]:
        """The row as `--json` prints it (the kind as stored)."""
        return {"id": self.id, "ids": list(self.ids), "kind": self.kind_text, "ticket_id": self.ticket_id,
                "code": self.code, "holder_name": self.holder_name, "event_name": self.event_name,
                "detail": self.detail, "at": self.at, "resolved_at": self.resolved_at, "summary": self.summary}


_TWICE = {2: "twice", 3: "three times"}


def _side_key(side: dict[str, Any]) -> tuple[Any, ...]:
    if side.get("device") == UPSTREAM_DEVICE:
        return (UPSTREAM_DEVICE, side.get("remote_id") or side.get("at"))
    return (side.get("device"), side.get("at"))


def where(side: dict[str, Any], with_device: bool = False) -> str:
    """"19:02 at Door 1", or "19:04 via Ticket Tailor" for a check-in made in the provider's own app.

    `with_device` adds the laptop's device id, for two doors that go by the same name.
    """
    if side.get("device") == UPSTREAM_DEVICE:
        door = side.get("door") or ""
        return f"{clock_time(side.get('at'))} via {PROVIDER_NAMES.get(door, door or 'the provider')}"
    device = f" ({side.get('device')})" if with_device and side.get("door") else ""
    return f"{clock_time(side.get('at'))} at {side.get('door') or side.get('device') or 'an unknown door'}{device}"


def _named_alike(side: dict[str, Any], sides: list[dict[str, Any]]) -> bool:
    return any(s.get("door") == side.get("door") and s.get("device") != side.get("device") for s in sides)


def _ticket(row: Conflict) -> str:
    name = f" ({row.holder_name})" if row.holder_name else ""
    return f"Ticket {row.code or '?'}{name}"


def summary(row: Conflict) -> str:
    """The row in one sentence ("Ticket vj0xOSL (Ann Lee) was admitted twice: 19:02 at Door 1, 19:04 at Door 2")."""
    d, kind = row.detail, row.kind
    if kind is ConflictKind.DOUBLE_ADMISSION:
        sides = d.get("admissions") or [s for s in (d.get("first"), d.get("second")) if s]
        text = f"{_ticket(row)} was admitted {_TWICE.get(len(sides), f'{len(sides)} times')}: " + \
            ", ".join(where(s, _named_alike(s, sides)) for s in sides)
        return text + (f". The provider refused the later check-in: {d['upstream_refused']}" if d.get("upstream_refused") else "")
    if kind in (ConflictKind.VOID_AFTER_ADMISSION, ConflictKind.ADMISSION_AFTER_VOID) and "first" in d and "second" in d:
        one, two = ("admitted", "voided") if kind is ConflictKind.VOID_AFTER_ADMISSION else ("voided", "admitted")
        both = [d["first"], d["second"]]
        return f"{_ticket(row)} was {one} {where(d['first'], _named_alike(d['first'], both))}, " \
               f"then {two} {where(d['second'], _named_alike(d['second'], both))}"
    if kind is ConflictKind.VOID_AFTER_ADMISSION:  # the provider voided a ticket this venue had admitted
        admitted = {"at": d.get("admitted_at"), "door": d.get("door"), "device": d.get("device")}
        return f"{_ticket(row)} was admitted {where(admitted)}, then voided at the box office"
    if kind is ConflictKind.PUSH_FAILED:
        return f"{_ticket(row)}: the provider did not accept the {d.get('op')} ({d.get('error')}; {d.get('attempts')} attempts)"
    if kind is ConflictKind.UNRECOGNISED:  # issue 12: a provider value not on its allow-list; a supervisor may admit anyway
        return f"{_ticket(row)} is refused until a supervisor checks it: {d.get('reason')}"
    if kind is ConflictKind.SET_ASIDE:
        seen = f" (seen {d['seen']} times)" if (d.get("seen") or 1) > 1 else ""
        return f"Record {row.code or '?'} was set aside: {d.get('reason')}{seen}"
    if kind is ConflictKind.UNAPPLIED_DELIVERY:
        return f"Webhook delivery {row.code or '?'} was kept but not applied: {d.get('reason')}"
    # A kind this build does not know: say so with its raw detail, never hide it.
    return f"{_ticket(row)}: {row.kind_text}: " + ", ".join(f"{k}: {v}" for k, v in d.items())


def _of(r: stored.StoredConflict) -> Conflict:
    kind = ConflictKind.parse(r.kind)
    return Conflict(kind, r.detail, r.ticket_id, r.code, r.holder_name, r.event_name, r.at, r.resolved_at, (r.id,),
                    r.kind if kind is ConflictKind.OTHER else None)


def _replay_order(side: dict[str, Any]) -> tuple[int, str, str]:
    stamp = side.get("hlc")
    if not isinstance(stamp, int):
        try:
            stamp = hlc.from_iso(side.get("at") or "")
        except (TypeError, ValueError, OverflowError):
            stamp = 0
    return stamp, side.get("door") or "", side.get("device") or ""


def open_conflicts(store: Store, include_resolved: bool = False) -> list[Conflict]:
    """Conflicts newest first, one row per problem: stored conflicts, then pushes the provider refused for good."""
    rows = [_of(r) for r in stored.stored(store.conn, include_resolved)]
    echoes = J.acts_pushed_as(store.conn, sorted({
        side["remote_id"] for r in rows if r.kind is ConflictKind.DOUBLE_ADMISSION
        for side in (r.detail.get("first") or {}, r.detail.get("second") or {}) if side.get("remote_id")}))
    out: list[Conflict] = []
    uses: dict[int, int] = {}  # ticket id -> index in `out` of its one double-use row
    sides: dict[int, dict[tuple[Any, ...], dict[str, Any]]] = {}  # ticket id -> its admissions, by who and when
    for r in rows:
        if r.kind is not ConflictKind.DOUBLE_ADMISSION or r.ticket_id is None:
            out.append(r)
            continue
        if r.ticket_id not in uses:
            uses[r.ticket_id] = len(out)
            out.append(replace(r, ids=()))
        use = out[uses[r.ticket_id]]
        out[uses[r.ticket_id]] = replace(use, ids=use.ids + r.ids)
        for side in (r.detail.get("first"), r.detail.get("second")):
            if side:
                side = echoes.get(side.get("remote_id"), side)  # our own push, come back by the pull
                sides.setdefault(r.ticket_id, {}).setdefault(_side_key(side), side)
    for f in outbox.failures(store.conn):
        if f["ticket_id"] in uses and f["op"] == "scan":  # the provider refusing the second admission: the same problem
            i = uses[f["ticket_id"]]
            out[i] = replace(out[i], detail={**out[i].detail, "upstream_refused": f["error"]})
            continue
        out.append(Conflict(ConflictKind.PUSH_FAILED, {"op": f["op"], "error": f["error"], "attempts": f["attempts"]},
                            f["ticket_id"], f["code"], at=f["updated_at"]))
    for ticket_id, i in uses.items():
        # Replay order (the hybrid logical clock: the provider's own check-in, which has none, by its
        # time); then door and device, so every door words the row the same way whatever order its
        # records arrived in.
        admissions = sorted(sides.get(ticket_id, {}).values(), key=_replay_order)
        first, second = (admissions + admissions)[:2]
        out[i] = replace(out[i], detail={**out[i].detail, "admissions": admissions, "first": first, "second": second})
    return [r for r in out if r.kind is not ConflictKind.DOUBLE_ADMISSION or len(r.detail["admissions"]) > 1]


def resolve(store: Store, conflict_ids: list[int], now: str) -> None:
    """A supervisor settles conflicts. One found between doors' rows is settled by a journal row
    (`Op.RESOLVE`, naming it by its rows' nonces) that replicates, so it reads as resolved on
    every door; any other kind (a forged row, the provider's own check-in) is marked here."""
    door = peers.door_name(store.conn) or store.device_id
    with store.transaction() as conn:
        between = replayed_among(conn, conflict_ids) if conflict_ids else []
        for c in between:
            J.append(conn, device_id=store.device_id, op=J.Op.RESOLVE, at=now, code=c["code"], ticket_id=c["ticket_id"],
                     door=door, payload={"conflict": {"kind": c["kind"], "rows": c["rows"]}})
        for ticket_id in sorted({c["ticket_id"] for c in between}):
            replica.recompute(conn, ticket_id, now)
        done = {c["id"] for c in between}
        stored.resolve(conn, [i for i in conflict_ids if i not in done], now)

