"""Import saved payload files (webhook deliveries, API pages, CSV) through the provider mappers.

A file that cannot be read (malformed JSON, binary, empty, nested too deep) is refused with one
line saying nothing from it was imported, and changes nothing. In a file of several records, a
record that cannot be mapped is set aside with its reason (`checkin-app status` shows it) and the
rest is applied: one bad record poisons nothing (issue 12, item 13). A file of one record that
cannot be mapped is refused. Re-importing a file changes nothing. Whatever a file holds, the
outcome is a report or a PayloadError: a mapper failing on a record in a way it did not foresee (a
bug) counts as that record's refusal, never an internal error (issue 14). Counts are of distinct
events and tickets; a code that appears more than once in one file is reported, and its last
occurrence is the one kept.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from checkin_app.domain.codes import display
from checkin_app.domain.models import Batch, SetAside, Ticket
from checkin_app.errors import PayloadError, StoreError
from checkin_app.providers.payloads import map_payload, read_payload_file
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.store.tickets import apply_batch, ticket_count

log = logging.getLogger(__name__)
REJECTED = "nothing from this file was imported"


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
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def import_file(store: Store, path: Path, connection: str | None = None) -> ImportReport:
    """Read, map and apply one file.

    Args:
        store: the data dir's store.
        path: a JSON, NDJSON or CSV file.
        connection: the connection the payloads belong to (its provider guides detection).

    Raises:
        PayloadError: the file was refused as a whole (the message says why, and that nothing was imported).
    """
    conn_row = conns.by_name(store.conn, connection) if connection else None
    hint = conn_row.provider if conn_row else None
    try:
        records = read_payload_file(path)
    except PayloadError as exc:
        raise PayloadError(f"{exc}; {REJECTED}") from None
    batch, providers = Batch(), set()
    for index, record in enumerate(records, start=1):
        try:
            provider, mapped = map_payload(record, provider=hint)
        except Exception as exc:  # PayloadError is the mapper's refusal; anything else its bug on this record
            reason = str(exc) if isinstance(exc, PayloadError) else unforeseen(path, index, exc)
            if len(records) == 1:
                raise PayloadError(f"{path.name}: payload: {reason}; {REJECTED}") from None
            rid = record.get("id") if isinstance(record, dict) else None
            batch.set_aside.append(SetAside(hint or "unknown", "record", None if rid is None else str(rid),
                                            f"{path.name}: record {index}: {reason}", record))
            continue
        providers.add(provider)
        batch.extend(mapped)
    if not batch.tickets and not batch.events and not batch.orders and not batch.set_aside:
        raise PayloadError(f"{path.name}: no events or tickets in this file")
    codes = Counter((t.provider, t.event_remote_id, t.code) for t in batch.tickets)
    warnings = [f"{path.name}: code {display(code)} (event {event}) appears {n} times; the last one was kept"
                for (_, event, code), n in codes.items() if n > 1]
    batch.tickets = last_of_each(batch.tickets)
    try:
        with store.transaction() as conn:
            before = ticket_count(conn)
            result = apply_batch(conn, batch, conn_row.id if conn_row else None)
            after = ticket_count(conn)
    except StoreError:
        raise
    except Exception as exc:  # a value the store cannot hold (an integer past 2^63, say): rolled back
        log.error("storing %s failed", path.name, exc_info=exc)
        raise PayloadError(f"{path.name}: its records could not be stored ({type(exc).__name__}); {REJECTED}") from None
    events = {(e.provider, e.remote_id) for e in batch.events}
    return ImportReport(path.name, ",".join(sorted(providers)), len(records), len(events), len(batch.tickets),
                        after - before, len(result.conflicts), result.set_aside, warnings)


def unforeseen(path: Path, index: int, exc: Exception) -> str:
    """The reason kept for a record a mapper failed on unexpectedly (the traceback goes to the log)."""
    log.error("mapping %s record %d failed", path.name, index, exc_info=exc)
    return f"could not be read ({type(exc).__name__})"


def last_of_each(tickets: list[Ticket]) -> list[Ticket]:
    """The tickets with each code (per event) and each remote id once: its last occurrence, in file order.

    Writing one ticket twice in one batch made the store's search index fail ("database disk image
    is malformed", the whole import refused as an internal error); a file that repeats a code
    means its last line anyway.
    """
    kept, codes, remote_ids = [], set(), set()
    for t in reversed(tickets):
        code_key, remote_key = (t.provider, t.event_remote_id, t.code), (t.provider, t.remote_id)
        if code_key in codes or (t.remote_id and remote_key in remote_ids):
            continue
        codes.add(code_key)
        if t.remote_id:
            remote_ids.add(remote_key)
        kept.append(t)
    return kept[::-1]
