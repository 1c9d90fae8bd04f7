"""Allow-lists: what each documented value of a field that decides admission means. Pure.

Every mapper reads a status, type or state through `read` with a table of the values the provider
documents (each table cites its doc lines). A value not in the table never admits: it becomes a
`TicketStatus.UNRECOGNISED` reading that keeps the raw value, so the door says "Check with a
supervisor: <provider> says '<value>'" and a supervisor can look. `combine` merges the readings of
several fields of one ticket: a known void wins, then anything unrecognised, then admission.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

from checkin_app.domain.models import TicketStatus


@dataclass(frozen=True)
class Reading:
    """What one field (or a ticket's fields together) say about admission."""

    status: TicketStatus = TicketStatus.VALID
    void_reason: str | None = None
    provider_state: str | None = None
    attention: str | None = None

    def ticket_fields(self) -> dict[str, Any]:
        """Keyword arguments for `Ticket(...)`."""
        return {"status": self.status, "void_reason": self.void_reason, "provider_state": self.provider_state,
                "attention": self.attention}


ADMITS = Reading()


def void(reason: str) -> Reading:
    return Reading(TicketStatus.VOID, void_reason=reason)


def label(value: Any, field: str | None = None) -> str:
    """The raw value as a supervisor should see it (`refunded`, `type: addon`, `no Status`)."""
    if value is None:
        return f"no {field}" if field else "no status"
    text = (value if value.strip() else "(empty)") if isinstance(value, str) else repr(value)
    text = text[:80]  # bounded: a hostile payload must not put a novel on the door's screen
    return f"{field}: {text}" if field else text


def unrecognised(value: Any, field: str | None = None) -> Reading:
    return Reading(TicketStatus.UNRECOGNISED, provider_state=label(value, field))


def key_of(value: Any) -> Any:
    """Strings compare trimmed and case-folded (`Sold` is `sold`); other JSON scalars as they are."""
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return object()  # lists, objects: never in a table


def read(table: Mapping[Any, Reading], value: Any, field: str | None = None) -> Reading:
    """The reading of `value` in `table` (keys case-folded), or UNRECOGNISED keeping the raw value.

    Args:
        table: documented value -> reading. A key `None` documents that the field may be absent.
        value: the raw value from the payload.
        field: the field's name, shown with the value unless it is the record's own status.
    """
    key = key_of(value)
    # Compared one by one, not by dict lookup: in a dict 0 finds False and 1 finds True.
    found = next((r for k, r in table.items() if k == key and isinstance(k, bool) == isinstance(key, bool)), None)
    if found is None:
        return unrecognised(value, field)
    return replace(found, provider_state=None if value is None else label(value, field))


def combine(*readings: Reading) -> Reading:
    """One ticket's reading from several fields: a known void wins, then unrecognised, then valid.

    Attention notes of admitting readings are joined, so "payment pending" is not lost.
    """
    for status in (TicketStatus.VOID, TicketStatus.UNRECOGNISED):
        for r in readings:
            if r.status is status:
                return r
    notes = "; ".join(r.attention for r in readings if r.attention)
    state = next((r.provider_state for r in readings if r.provider_state), None)
    return Reading(TicketStatus.VALID, provider_state=state, attention=notes or None)
