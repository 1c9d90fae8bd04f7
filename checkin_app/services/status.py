"""What the door shows at all times: online or not, unpushed acts, and how old each cached list is."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from checkin_app.providers import registry
from checkin_app.store import Store
from checkin_app.store import events, inbox, outbox, set_aside, sync_state, tickets

#: What cannot reach the door from each provider (issue 12, item 16; docs/providers.md): said where
#: connections are shown, so nobody expects the door to know what it cannot. Each provider's
#: registry entry says it (`ProviderSpec.cannot_reach`).
CANNOT_REACH = {s.id: s.cannot_reach for s in registry.SPECS.values() if s.cannot_reach}


def cannot_reach(providers) -> list[str]:
    """One line per provider given: what its changes cannot bring to the door, or how late."""
    return [CANNOT_REACH[p] for p in sorted(set(providers)) if p in CANNOT_REACH]


STALE_AFTER_S = 15 * 60  # a list not refreshed for this long gets a warning at the door


@dataclass(frozen=True)
class ListAge:
    """How old one admitted event's attendee list is (`stale`: a synced list not refreshed for too long)."""

    event_id: int
    name: str
    refreshed_at: str | None
    age_s: float | None
    stale: bool


@dataclass(frozen=True)
class ProblemCount:
    """How many of one kind of provider problem there are, and the newest few
    (`{provider, ref, reason, at, ...}` each, as `store` summarises them)."""

    count: int = 0
    latest: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, summary: dict[str, Any]) -> "ProblemCount":
        return cls(int(summary["count"]), tuple(summary["latest"]))


@dataclass(frozen=True)
class DoorStatus:
    online: bool | None  # None: no connection to be online with (file imports only)
    unpushed: int
    failed_pushes: int
    last_success_at: str | None
    last_error: str | None
    lists: tuple[ListAge, ...] = ()  # per admitted event, soonest first
    # What a provider sent that does not reach the door as it should (issue 12, item 16).
    unapplied_deliveries: ProblemCount = ProblemCount()
    set_aside_records: ProblemCount = ProblemCount()
    unrecognised_tickets: ProblemCount = ProblemCount()

    @property
    def stale(self) -> bool:
        return any(item.stale for item in self.lists)

    def to_dict(self) -> dict[str, Any]:
        """The status as `status --json` prints it and the GUI's status strip reads it."""
        out = asdict(self)
        for key in ("lists",):
            out[key] = list(out[key])
        for key in ("unapplied_deliveries", "set_aside_records", "unrecognised_tickets"):
            out[key] = {"count": out[key]["count"], "latest": list(out[key]["latest"])}
        return {**out, "stale": self.stale}


def _age_s(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    return max(0.0, (now - datetime.fromisoformat(iso)).total_seconds())


def door_status(store: Store) -> DoorStatus:
    now = datetime.now(timezone.utc)
    c = store.conn
    counts = outbox.counts(c)
    outcomes = sync_state.connection_outcomes(c)
    online = None
    last_success = last_error = None
    if outcomes:
        # Online when the latest attempt of every connection got through.
        online = all(s.last_error is None or s.last_error.startswith("incomplete") for s in outcomes)
        last_success = max((s.last_success_at for s in outcomes if s.last_success_at), default=None)
        last_error = next((s.last_error for s in outcomes if s.last_error), None)
    lists = []
    for e in events.admitted_list_refreshes(c):
        age = _age_s(e.refreshed_at, now)
        lists.append(ListAge(e.event_id, e.name, e.refreshed_at, age,
                             e.connection_id is not None and (age is None or age > STALE_AFTER_S)))
    return DoorStatus(online, counts.get("pending", 0), counts.get("failed", 0), last_success, last_error, tuple(lists),
                      unapplied_deliveries=ProblemCount.of(inbox.unapplied_summary(c)),
                      set_aside_records=ProblemCount.of(set_aside.summary(c)),
                      unrecognised_tickets=ProblemCount.of(tickets.unrecognised_summary(c)))
