"""The door's tickets as an export reads them: one row per ticket with its event, in a stable order."""
from __future__ import annotations

import sqlite3
from typing import Iterator


def ticket_rows(conn: sqlite3.Connection, event_ids: list[int] | None) -> Iterator[sqlite3.Row]:
    """Every ticket of these events (None: of every cached event), by event then ticket, streamed.

    `event_id` is the provider's event id (what the promoter knows); `checked_in_at` is the first admission.
    """
    where, params = "", tuple[int, ...]()
    if event_ids:
        where, params = f"WHERE t.event_id IN ({','.join('?' * len(event_ids))})", tuple(event_ids)
    yield from conn.execute(
        f"""SELECT t.code, t.status, t.checked_in_at, t.checked_in_door, t.admitted_count, t.party_size,
                   t.holder_name, t.email, t.ticket_type, t.order_ref, t.seat, t.kind,
                   e.remote_id AS event_id, e.name AS event_name, t.provider, t.remote_id
            FROM tickets t JOIN events e ON e.id = t.event_id {where} ORDER BY e.id, t.id""",
        params,
    )
