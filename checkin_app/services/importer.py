"""Import saved payload files (webhook deliveries, API pages, CSV) through the provider mappers.

A file that cannot be read (malformed JSON, binary, empty) is refused with one line and changes
nothing. In a file of several records, a record that cannot be mapped is set aside with its reason
(`checkin-app status` shows it) and the rest is applied: one bad record poisons nothing (issue 12,
item 13). A file of one record that cannot be mapped is refused. Re-importing a file changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checkin_app.domain.models import Batch, SetAside
from checkin_app.errors import PayloadError
from checkin_app.providers.payloads import map_payload, read_payload_file
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.store.tickets import apply_batch, ticket_count


@dataclass(frozen=True)
class ImportReport:
    file: str
    provider: str
    payloads: int
    events: int
    tickets: int
    new_tickets: int
    conflicts: int
    set_aside: int = 0  # records kept with a reason instead of applied (see `checkin-app status`)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def import_file(store: Store, path: Path, connection: str | None = None) -> ImportReport:
    """Read, map and apply one file.

    Args:
        store: the data dir's store.
        path: a JSON, NDJSON or CSV file.
        connection: the connection the payloads belong to (its provider guides detection).
    """
    conn_row = conns.by_name(store.conn, connection) if connection else None
    hint = conn_row.provider if conn_row else None
    records = read_payload_file(path)
    batch, providers = Batch(), set()
    for index, record in enumerate(records, start=1):
        try:
            provider, mapped = map_payload(record, provider=hint)
        except PayloadError as exc:
            if len(records) == 1:
                raise PayloadError(f"{path.name}: payload: {exc}") from None
            rid = record.get("id") if isinstance(record, dict) else None
            batch.set_aside.append(SetAside(hint or "unknown", "record", None if rid is None else str(rid),
                                            f"{path.name}: record {index}: {exc}", record))
            continue
        providers.add(provider)
        batch.extend(mapped)
    if not batch.tickets and not batch.events and not batch.orders and not batch.set_aside:
        raise PayloadError(f"{path.name}: no events or tickets in this file")
    with store.transaction() as conn:
        before = ticket_count(conn)
        result = apply_batch(conn, batch, conn_row.id if conn_row else None)
        after = ticket_count(conn)
    return ImportReport(path.name, ",".join(sorted(providers)), len(records), result.events, result.tickets,
                        after - before, len(result.conflicts), result.set_aside)
