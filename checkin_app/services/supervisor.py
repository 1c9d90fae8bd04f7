"""What the supervisor view reads: search, an attendee's full record, conflicts and failed pushes.

The GUI calls these on its database lane; nothing here knows about Qt.
"""
from __future__ import annotations

import json
import re
import unicodedata

from checkin_app.domain.models import PROVIDER_NAMES
from checkin_app.errors import NotFound
from checkin_app.store import Store
from checkin_app.store import inbox, outbox, set_aside, tickets
from checkin_app.store import journal as J
from checkin_app.store.search import RESULT_COLUMNS
from checkin_app.store.search import search as _search

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
    row = store.conn.execute(
        f"SELECT {RESULT_COLUMNS}, t.voided_at, t.void_reason, t.provider_state, t.attention, t.local_void_at,"
        " t.source, t.inside FROM tickets t JOIN events e ON e.id = t.event_id WHERE t.id = ?",
        (ticket_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no ticket with id {ticket_id}")
    history = [
        {"at": h.at, "op": h.op, "verdict": h.verdict, "door": h.door, "device": h.device_id, "payload": h.payload}
        for h in J.history(store.conn, ticket_id)
    ]
    return {**dict(row), "history": history}


def conflicts(store: Store, include_resolved: bool = False) -> list[dict]:
    """Double admissions and voids-after-admission, newest first, plus failed pushes."""
    rows = store.conn.execute(
        "SELECT c.id, c.kind, c.ticket_id, c.detail, c.at, c.resolved_at, t.code, t.holder_name, e.name AS event_name"
        " FROM conflicts c LEFT JOIN tickets t ON t.id = c.ticket_id LEFT JOIN events e ON e.id = t.event_id"
        + ("" if include_resolved else " WHERE c.resolved_at IS NULL") + " ORDER BY c.at DESC"
    ).fetchall()
    out = [dict(r, detail=json.loads(r["detail"])) for r in rows]
    for f in outbox.failures(store.conn):
        out.append({"id": None, "kind": "push_failed", "ticket_id": f["ticket_id"], "code": f["code"],
                    "detail": {"op": f["op"], "error": f["error"], "attempts": f["attempts"]}, "at": f["updated_at"],
                    "resolved_at": None, "holder_name": None, "event_name": None})
    return out + problems(store)


#: How many of each kind of provider problem the supervisor's list shows (the counts are in `status`).
PROBLEMS_SHOWN = 200


def problems(store: Store, limit: int = PROBLEMS_SHOWN) -> list[dict]:
    """What the providers said that the door could not take as it came (issue 12, item 16).

    Tickets refused because the provider's value is not on its allow-list (with the raw value: a
    supervisor may admit anyway), records set aside because they could not be mapped, and webhook
    deliveries stored but not applied. Rows have no conflict id: they clear when the provider
    sends something the door recognises.
    """
    c = store.conn
    rows = []
    for r in tickets.unrecognised_summary(c, limit)["latest"]:
        rows.append({"id": None, "kind": "unrecognised", "ticket_id": r["ticket_id"], "code": r["ref"],
                     "holder_name": r["holder_name"], "event_name": r["event_name"], "at": r["at"],
                     "resolved_at": None, "detail": {"reason": f"{PROVIDER_NAMES.get(r['provider'], r['provider'])} {r['reason']}"}})
    for r in set_aside.summary(c, limit)["latest"]:
        rows.append({"id": None, "kind": "set_aside", "ticket_id": None, "code": r["ref"], "holder_name": None,
                     "event_name": None, "at": r["at"], "resolved_at": None,
                     "detail": {"reason": f"{PROVIDER_NAMES.get(r['provider'], r['provider'])}: {r['reason']}",
                                "seen": r["times"]}})
    for r in inbox.unapplied_summary(c, limit)["latest"]:
        rows.append({"id": None, "kind": "unapplied_delivery", "ticket_id": None, "code": r["ref"], "holder_name": None,
                     "event_name": None, "at": r["at"], "resolved_at": None,
                     "detail": {"reason": f"{PROVIDER_NAMES.get(r['provider'], r['provider'])}: {r['reason']}"}})
    return rows


def resolve_conflict(store: Store, conflict_id: int) -> None:
    from checkin_app.domain.clock import utc_now

    with store.transaction() as conn:
        conn.execute("UPDATE conflicts SET resolved_at = ? WHERE id = ?", (utc_now(), conflict_id))


def recent_scans(store: Store, limit: int = 20) -> list[dict]:
    """The door's last scans, newest first, with the holder's name (for the door view's list)."""
    out = []
    for r in J.recent(store.conn, limit):
        name = None
        if r.ticket_id is not None:
            t = store.conn.execute("SELECT holder_name FROM tickets WHERE id = ?", (r.ticket_id,)).fetchone()
            name = t["holder_name"] if t else None
        out.append({"at": r.at, "code": r.code, "verdict": r.verdict, "door": r.door, "holder_name": name,
                    "message": r.payload.get("message")})
    return out
