"""How this door's link to the venue's hub stands: what `doors status` and the Doors tab show.

Read from `store.hub_state`, which the door's hub link (`sync.hub_link`, in the process running
`doors serve --hub` or the desktop app) rewrites every couple of seconds.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from checkin_app.store import Store, hub_state

STALE_S = 8.0  # a link that has not rewritten its state for this long is not running (it does every ~2 s)


def status(store: Store, now: datetime | None = None) -> dict[str, Any] | None:
    """The hub link as `doors status` shows it, or None when this door never used a hub.

    Keys: url, state ("connected" / "down" / "not running"), since (connected since), down_since,
    last_contact_at, last_contact_age_s, behind (rows the hub holds that this door has not read),
    unpublished (0 once every row is on the hub; None while sending), last_error, rejected.
    """
    saved = hub_state.load(store.conn)
    if saved is None:
        return None
    now = now or datetime.now(timezone.utc)
    age = _age(saved.get("written_at"), now)
    state = "not running" if age is None or age > STALE_S else ("connected" if saved.get("connected") else "down")
    return {"url": saved.get("url"), "state": state, "since": saved.get("since"), "down_since": saved.get("down_since"),
            "last_contact_at": saved.get("last_contact_at"),
            "last_contact_age_s": _age(saved.get("last_contact_at"), now),
            "behind": saved.get("behind"), "unpublished": saved.get("unpublished"),
            "last_error": saved.get("last_error"), "rejected": saved.get("rejected", 0),
            "published": saved.get("published", 0), "received": saved.get("received", 0)}


def _age(text: Any, now: datetime) -> float | None:
    try:
        return round((now - datetime.fromisoformat(text)).total_seconds(), 1) if isinstance(text, str) else None
    except ValueError:
        return None


def describe(hub: dict[str, Any]) -> str:
    """One line for `doors status` and the Doors tab."""
    if hub["state"] == "connected":
        lag = f"behind {hub['behind']} rows" if hub["behind"] is not None else "reading"
        sending = "all rows sent" if hub["unpublished"] == 0 else "sending rows"
        return f"hub {hub['url']}: connected since {_clock(hub['since'])}, {lag}, {sending}"
    if hub["state"] == "down":
        return (f"hub {hub['url']}: DOWN since {_clock(hub['down_since'])} ({hub['last_error'] or 'no answer'}); "
                "replicating with the other doors directly")
    return f"hub {hub['url']}: not running here (start `doors serve --hub`)"


def _clock(text: str | None) -> str:
    if not text:
        return "?"
    try:
        return datetime.fromisoformat(text).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return text
