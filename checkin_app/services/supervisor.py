"""What the supervisor view reads: search, an attendee's full record, conflicts and failed pushes.

The GUI calls these on its database lane; nothing here knows about Qt.
"""
from __future__ import annotations

import re
import unicodedata

from checkin_app.domain.clock import utc_now
from checkin_app.domain.models import PROVIDER_NAMES, ConflictKind
from checkin_app.errors import NotFound
from checkin_app.services import conflicts as conflicts_service
from checkin_app.services.conflicts import Conflict, open_conflicts
from checkin_app.store import Store
from checkin_app.store import inbox, set_aside, tickets
from checkin_app.store import journal as J
from checkin_app.store.search import search as _search
from checkin_app.store.search import ticket_record

PRIVATE_FIELDS = ("email",)  # door staff see names, not contact details


def _folded(text: str) -> str:
    """Lower case without accents, as the FTS tokenizer sees words (remove_diacritics 2)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _matches_public(row: dict, text: str) -> bool:
    """Does every typed word start a word of the name, code or order (not the hidden email)?"""
    words = set(re.findall(r"\w+", _folded(" ".join(str(row.get(k) or "") for k in ("holder_name", "code", "order_ref")))))
    return all(any(w.startswith(q) for w in words) for q in re.findall(r"\w+", _folded(text)))


def search(store: Store, text: str, event_ids: list[int] | None = None, limit: int = 50,
           show_private: bool = True) -> list[dict]:
    """Attendees matching what was typed; emails hidden unless `show_private` (supervisor).

    Door staff's results match on name, code or order only: a row found through its email would
    tell them something about an address they may not see.
    """
    if show_private:
        return _search(store.conn, text, event_ids, limit)
    rows = [r for r in _search(store.conn, text, event_ids, limit * 4) if _matches_public(r, text)][:limit]
    for row in rows:
        for key in PRIVATE_FIELDS:
            row[key] = None
    return rows


def attendee(store: Store, ticket_id: int) -> dict:
    """A ticket with its event and every journalled act on it, oldest first."""
    row = ticket_record(store.conn, ticket_id)
    if row is None:
        raise NotFound(f"no ticket with id {ticket_id}")
    history = [
        {"at": h.at, "op": h.op, "verdict": h.verdict, "door": h.door, "device": h.device_id, "payload": h.payload}
        for h in J.history(store.conn, ticket_id)
    ]
    return {**row, "history": history}


def conflicts(store: Store, include_resolved: bool = False) -> list[Conflict]:
    """Double admissions, admissions around voids and failed pushes, one row per problem, newest first
    (`services.conflicts`), then what the providers said that the door could not take (`problems`)."""
    return open_conflicts(store, include_resolved) + problems(store)


#: How many of each kind of provider problem the supervisor's list shows (the counts are in `status`).
PROBLEMS_SHOWN = 200


def problems(store: Store, limit: int = PROBLEMS_SHOWN) -> list[Conflict]:
    """What the providers said that the door could not take as it came (issue 12, item 16).

    Tickets refused because the provider's value is not on its allow-list (with the raw value: a
    supervisor may admit anyway), records set aside because they could not be mapped, and webhook
    deliveries stored but not applied. Rows have no conflict id (`ids` is empty: nothing to mark
    resolved): they clear when the provider sends something the door recognises.
    """
    c = store.conn
    rows = [Conflict(ConflictKind.UNRECOGNISED, {"reason": f"{_provider(r)} {r['reason']}"}, r["ticket_id"], r["ref"],
                     r["holder_name"], r["event_name"], r["at"])
            for r in tickets.unrecognised_summary(c, limit)["latest"]]
    rows += [Conflict(ConflictKind.SET_ASIDE, {"reason": f"{_provider(r)}: {r['reason']}", "seen": r["times"]},
                      code=r["ref"], at=r["at"]) for r in set_aside.summary(c, limit)["latest"]]
    rows += [Conflict(ConflictKind.UNAPPLIED_DELIVERY, {"reason": f"{_provider(r)}: {r['reason']}"}, code=r["ref"],
                      at=r["at"]) for r in inbox.unapplied_summary(c, limit)["latest"]]
    return rows


def _provider(row: dict) -> str:
    return PROVIDER_NAMES.get(row["provider"], row["provider"])


def resolve_conflict(store: Store, conflict_ids: int | list[int] | tuple[int, ...]) -> None:
    """Mark conflicts resolved: one stored row, or every row a shown conflict stands for (its `ids`)."""
    ids = [conflict_ids] if isinstance(conflict_ids, int) else list(conflict_ids)
    conflicts_service.resolve(store, ids, utc_now())


def recent_scans(store: Store, limit: int = 20) -> list[dict]:
    """The door's last scans, newest first, with the holder's name (for the door view's list)."""
    out = []
    for r in J.recent(store.conn, limit):
        name = tickets.holder_name(store.conn, r.ticket_id) if r.ticket_id is not None else None
        out.append({"at": r.at, "code": r.code, "verdict": r.verdict, "door": r.door, "holder_name": name,
                    "message": r.payload.get("message")})
    return out
