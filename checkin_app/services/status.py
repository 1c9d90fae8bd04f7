"""What the door shows at all times: online or not, unpushed acts, and how old each cached list is."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from checkin_app.providers import registry
from checkin_app.store import Store
from checkin_app.store import inbox, outbox, set_aside, tickets

#: What cannot reach the door from each provider (issue 12, item 16; docs/providers.md): said where
#: connections are shown, so nobody expects the door to know what it cannot. Each provider's
#: registry entry says it (`ProviderSpec.cannot_reach`).
CANNOT_REACH = {s.id: s.cannot_reach for s in registry.SPECS.values() if s.cannot_reach}


def cannot_reach(providers) -> list[str]:
    """One line per provider given: what its changes cannot bring to the door, or how late."""
    return [CANNOT_REACH[p] for p in sorted(set(providers)) if p in CANNOT_REACH]


STALE_AFTER_S = 15 * 60  # a list not refreshed for this long gets a warning at the door


@dataclass
class DoorStatus:
    online: bool | None  # None: no connection to be online with (file imports only)
    unpushed: int
    failed_pushes: int
    last_success_at: str | None
    last_error: str | None
    lists: list[dict] = field(default_factory=list)  # per event: name, age_s, stale
    # What a provider sent that does not reach the door as it should (issue 12, item 16): each
    # {"count": N, "latest": [{provider, ref, reason, at}, ...]} newest first.
    unapplied_deliveries: dict = field(default_factory=lambda: {"count": 0, "latest": []})
    set_aside_records: dict = field(default_factory=lambda: {"count": 0, "latest": []})
    unrecognised_tickets: dict = field(default_factory=lambda: {"count": 0, "latest": []})

    @property
    def stale(self) -> bool:
        return any(item["stale"] for item in self.lists)

    def to_dict(self) -> dict:
        return {**self.__dict__, "stale": self.stale}


def _age_s(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    return max(0.0, (now - datetime.fromisoformat(iso)).total_seconds())


def door_status(store: Store) -> DoorStatus:
    now = datetime.now(timezone.utc)
    c = store.conn
    counts = outbox.counts(c)
    conn_states = c.execute(
        "SELECT last_success_at, last_error, last_attempt_at FROM sync_state WHERE scope = 'connection'"
    ).fetchall()
    online = None
    last_success = last_error = None
    if conn_states:
        # Online when the latest attempt of every connection got through.
        online = all(s["last_error"] is None or s["last_error"].startswith("incomplete") for s in conn_states)
        last_success = max((s["last_success_at"] for s in conn_states if s["last_success_at"]), default=None)
        last_error = next((s["last_error"] for s in conn_states if s["last_error"]), None)
    lists = []
    for e in c.execute(
        """SELECT e.id, e.name, e.connection_id, e.updated_at,
                  (SELECT s.last_success_at FROM sync_state s WHERE s.connection_id = e.connection_id
                     AND s.scope = 'event:' || e.remote_id) AS pulled_at
           FROM events e WHERE e.admitted = 1 ORDER BY e.starts_at"""
    ):
        refreshed = e["pulled_at"] or e["updated_at"]
        age = _age_s(refreshed, now)
        lists.append({"event_id": e["id"], "name": e["name"], "refreshed_at": refreshed, "age_s": age,
                      "stale": e["connection_id"] is not None and (age is None or age > STALE_AFTER_S)})
    return DoorStatus(online, counts.get("pending", 0), counts.get("failed", 0), last_success, last_error, lists,
                      unapplied_deliveries=inbox.unapplied_summary(c), set_aside_records=set_aside.summary(c),
                      unrecognised_tickets=tickets.unrecognised_summary(c))
